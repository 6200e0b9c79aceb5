"""Trainer speed with the window live, against the same trainer headless, in one run.

    python benchmarks/bench_gui.py [--seconds 8] [--compare]

Prints trainer steps/s headless and with the window shown (offscreen) and all four canvases
redrawing, their ratio, canvas frames/s, and the worst event-loop stall while training (the longest
gap between ticks of a 5 ms timer on the GUI thread, minus 5 ms).
Targets: ratio >= 70 %, >= 30 frames/s, worst stall <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def headless_steps_per_second(cfg, methods, seconds: float) -> float:
    from regviz.gui.controller import members_for
    from regviz.gui.session import build_run

    import torch

    torch.set_num_threads(1)  # as in the trainer process
    engine, _ = build_run(cfg, members_for(cfg, methods))
    engine.step(200)  # warm-up
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        engine.step(100)
        steps += 100
    return steps / (time.perf_counter() - started)


def windowed(cfg, methods, seconds: float):
    from PySide6 import QtCore
    from regviz.gui.app import make_application
    from regviz.gui.main_window import MainWindow

    app = make_application(offscreen=True)
    window = MainWindow(cfg, "seed")
    if methods:
        window.panel.compare_check.setChecked(True)
    window.show()
    controller = window.controller
    controller.set_speed(None)  # the trainer's full speed, not the window's default pace
    # The trainer process needs a moment to start (it imports torch): wait for its first frame.
    deadline = time.perf_counter() + 60
    while (controller.state is None or controller.state.snapshot is None) and time.perf_counter() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    gaps = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append((now - last[0] - 0.005, now - started))
        last[0] = now

    probe = QtCore.QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    controller.start()
    app.processEvents()
    start_step = controller.state.step
    frames_before = controller.frames_drawn
    started = time.perf_counter()
    last[0] = started
    probe.start()
    loop.exec()
    probe.stop()
    elapsed = time.perf_counter() - started
    steps = controller.state.step - start_step
    frames = controller.frames_drawn - frames_before
    controller.pause()
    window.close()
    app.processEvents()
    if os.environ.get("REGVIZ_BENCH_GAPS"):
        print("worst gaps (ms, at s):", [(round(g * 1000), round(t, 2)) for g, t in sorted(gaps)[-8:]])
    return steps / elapsed, frames / elapsed, max(g for g, _ in gaps)


def main() -> None:  # run as a script only: the trainer process re-imports the main module
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--compare", action="store_true", help="L1 and L2 side by side (2 models)")
    args = parser.parse_args()
    from regviz.core.presets import load_preset

    cfg = load_preset("seed").replace(**{"training.epochs": 1_000_000})
    methods = ("l1", "l2") if args.compare else None
    headless = headless_steps_per_second(cfg, methods, args.seconds)
    live, fps, stall = windowed(cfg, methods, args.seconds)
    print(f"models per step: {2 if methods else 1}")
    print(f"trainer headless:             {headless:10,.0f} steps/s")
    print(f"trainer with window + 4 live: {live:10,.0f} steps/s")
    print(f"ratio live / headless:        {live / headless:10.0%}   (target >= 70 %)")
    print(f"canvas frames/s:              {fps:10.1f}   (target >= 30)")
    print(f"worst event-loop stall:       {stall * 1000:10.1f} ms (target <= 50 ms)")


if __name__ == "__main__":
    main()
