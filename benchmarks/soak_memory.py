"""Memory over a long run: the window in compare mode at max speed, RSS at the start and the end.

    python benchmarks/soak_memory.py [--minutes 30] [--models 2|4] [--every 60]

Prints the GUI process's resident memory (and the trainer's) after a warm-up, every `--every`
seconds, and at the end, with the growth and the steps trained. Target: at most 20 MB of growth of
the GUI process over 30 minutes (issue 6). Before the bounded histories the GUI grew by about 73
bytes a step without levelling off.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WARM_UP_SECONDS = 20.0


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--models", type=int, choices=(2, 4), default=2)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between RSS lines")
    args = parser.parse_args()

    from PySide6 import QtCore
    from regviz.core.config import MAX_EPOCHS
    from regviz.core.presets import load_preset
    from regviz.gui.app import make_application
    from regviz.gui.main_window import MainWindow

    app = make_application(offscreen=True)
    cfg = load_preset("seed").replace(**{"training.epochs": MAX_EPOCHS})
    window = MainWindow(cfg, "seed")
    window.resize(1600, 1000)
    window.panel.compare_check.setChecked(True)
    if args.models == 4:
        for check in window.panel.compare_extra_checks.values():
            check.setChecked(True)
    window.show()
    controller = window.controller
    controller.set_speed(None)  # max speed
    deadline = time.perf_counter() + 120
    while (controller.state is None or controller.state.snapshot is None) and time.perf_counter() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    controller.start()

    started = time.perf_counter()
    baseline: dict = {}

    def report(label: str) -> None:
        gui = rss_mb()
        trainer = rss_mb(controller.worker._process.pid)
        state = controller.state
        if not baseline:
            baseline.update(gui=gui, trainer=trainer, steps=state.step)
        print(f"{label:>8}  t={time.perf_counter() - started:7.0f} s  step={state.step:>12,}  "
              f"GUI {gui:7.1f} MB ({gui - baseline['gui']:+6.1f})  trainer {trainer:7.1f} MB "
              f"({trainer - baseline['trainer']:+6.1f})  history rows {state.history.n:,}", flush=True)

    QtCore.QTimer.singleShot(int(WARM_UP_SECONDS * 1000), lambda: report("start"))
    sampler = QtCore.QTimer()
    sampler.setInterval(int(args.every * 1000))
    sampler.timeout.connect(lambda: report("") if baseline else None)
    sampler.start()
    end_ms = int((WARM_UP_SECONDS + args.minutes * 60) * 1000)
    QtCore.QTimer.singleShot(end_ms, lambda: (report("end"), app.quit()))
    app.exec()
    steps = controller.state.step - baseline["steps"]
    print(f"trained {steps:,} steps after the warm-up; GUI growth {rss_mb() - baseline['gui']:+.1f} MB "
          f"(target <= 20 MB over 30 min)")
    controller.shutdown()
    window.close()


if __name__ == "__main__":
    main()
