"""The window's speed, in one run: launch, first paint, first Step, and live training in single
and compare mode against the same trainer headless.

    python benchmarks/bench_gui.py [--seconds 8] [--launches 2]

Launch (a fresh process per launch, timed from just before the process is created):
  - time to first paint: the fit canvas's first paint with the untrained model;
  - first Step: from the window's first paint to the first trained frame after a Step click;
  - whether torch or numba were imported by the window's process (they must not be).
  The first launch may fill caches (bytecode, the compiled engine); the second is what a user meets
  every day after. Targets: first paint <= 1.0 s, first Step <= 0.3 s on the second launch.
Live (1, 2 and 4 models, the trainer at full speed, all canvases redrawing, offscreen):
  canvas frames/s, the worst event-loop stall after the first second (the longest gap between ticks
  of a 5 ms timer on the GUI thread, minus 5 ms) and the trainer's steps/s as a share of the same
  engine's headless speed (measured just before and just after, in calls sized as the trainer
  sizes them), and the CPU the window's process used (of one core). Targets: >= 30 frames/s, stall <= 50 ms, share >= 90 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
COMPARE = {1: None, 2: ("l1", "l2"), 4: ("none", "l1", "l2", "elasticnet")}


# ---------------------------------------------------------------- launch (in a child process)
def launch_child(t0: float) -> None:
    """Runs in its own process: the window as `regviz gui` builds it, timed against t0."""
    from regviz.gui.app import destroy_window, make_application, start_trainer_early

    start_trainer_early()  # as `regviz gui` does, before Qt's widgets and pyqtgraph load
    app = make_application(offscreen=True)
    from PySide6 import QtCore
    from regviz.core.presets import load_preset
    from regviz.gui.main_window import MainWindow

    window = MainWindow(load_preset("seed"), "seed")
    times: dict[str, float] = {}

    class FirstPaint(QtCore.QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
            if event.type() == QtCore.QEvent.Type.Paint and "paint" not in times:
                times["paint"] = time.time() - t0
                QtCore.QTimer.singleShot(0, on_painted)
            return False

    def on_painted() -> None:
        times["modules"] = {"torch": "torch" in sys.modules, "numba": "numba" in sys.modules}
        times["step_clicked"] = time.time()
        window.controller.step()

    def poll() -> None:
        state = window.controller.state
        if "step_clicked" in times and state is not None and state.step >= 1 and "step" not in times:
            times["step"] = time.time() - times["step_clicked"]
            app.quit()

    watcher = FirstPaint()
    window.fit_view.graphics.viewport().installEventFilter(watcher)
    timer = QtCore.QTimer(interval=2)
    timer.timeout.connect(poll)
    timer.start()
    QtCore.QTimer.singleShot(60_000, app.quit)
    window.show()
    app.exec()
    timer.stop()
    destroy_window(window)
    app.processEvents()
    print(json.dumps({"paint": times.get("paint"), "step": times.get("step"), **times.get("modules", {})}))


def launch(child_args: list[str]) -> dict:
    t0 = time.time()
    out = subprocess.run([sys.executable, __file__, "--child", repr(t0), *child_args], capture_output=True,
                         text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"the window's process failed: {out.stderr[-2000:]}")
    return json.loads(lines[-1])


# ---------------------------------------------------------------- live training
def headless_steps_per_second(cfg, methods, seconds: float) -> float:
    """The engine the trainer uses, in this process, one thread, no window, in calls sized as
    the trainer sizes them (next_chunk)."""
    from regviz.gui.controller import members_for
    from regviz.gui.session import build_run
    from regviz.gui.trainer_loop import next_chunk

    try:
        import torch

        torch.set_num_threads(1)  # as in the trainer process
    except ImportError:
        pass
    engine, _ = build_run(cfg, members_for(cfg, methods))
    chunk = 1
    for _ in range(20):  # warm-up, and the chunk size settles
        began = time.perf_counter()
        engine.step(chunk)
        chunk = next_chunk(chunk, time.perf_counter() - began)
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        began = time.perf_counter()
        engine.step(chunk)
        steps += chunk
        chunk = next_chunk(chunk, time.perf_counter() - began)
    return steps / (time.perf_counter() - started)


def windowed(cfg, methods, seconds: float):
    from PySide6 import QtCore
    from regviz.gui.app import destroy_window, make_application
    from regviz.gui.main_window import MainWindow

    app = make_application(offscreen=True)
    window = MainWindow(cfg, "seed")
    if methods:
        window.panel.compare_check.setChecked(True)
        for method, check in window.panel.compare_extra_checks.items():
            check.setChecked(method in methods)
    window.show()
    controller = window.controller
    controller.set_speed(None)  # the trainer's full speed, not the window's default pace
    deadline = time.perf_counter() + 60
    app.processEvents()
    controller.step(1)  # the untrained frame is drawn by the window itself: wait for the trainer's
    while controller.state is None or controller.state.step < 1:  # (its process is starting)
        if time.perf_counter() > deadline:
            raise SystemExit("no trained frame within 60 s")
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    gaps: list[tuple[float, float]] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append((now - last[0] - 0.005, now - started))
        last[0] = now

    probe = QtCore.QTimer(interval=5)
    probe.timeout.connect(tick)
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    controller.start()
    app.processEvents()
    start_step, frames_before = controller.state.step, controller.frames_drawn
    started = time.perf_counter()
    cpu_started = time.process_time()
    last[0] = started
    probe.start()
    loop.exec()
    probe.stop()
    elapsed = time.perf_counter() - started
    window_cpu = (time.process_time() - cpu_started) / elapsed
    steps = controller.state.step - start_step
    frames = controller.frames_drawn - frames_before
    models = controller.state.setup.size
    controller.pause()
    destroy_window(window)
    app.processEvents()
    after_first_second = [g for g, t in gaps if t > 1.0] or [0.0]
    if os.environ.get("REGVIZ_BENCH_GAPS"):
        print("worst gaps (ms, at s):", [(round(g * 1000), round(t, 2)) for g, t in sorted(gaps)[-8:]])
    return models, steps / elapsed, frames / elapsed, max(after_first_second), window_cpu


def main() -> None:  # run as a script only: the trainer process re-imports the main module
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="live training per mode")
    parser.add_argument("--launches", type=int, default=2, help="fresh launches to time")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        launch_child(float(args.child))
        return
    from regviz.core.presets import load_preset

    print("launch  first paint  first Step  torch/numba in the window's process")
    for number in range(1, args.launches + 1):
        result = launch([])
        paint, step = result["paint"], result["step"]
        print(f"{number:>6}  {paint:9.2f} s  {step:8.2f} s  torch {'yes' if result['torch'] else 'no'}, "
              f"numba {'yes' if result['numba'] else 'no'}")
    print("targets: first paint <= 1.0 s, first Step <= 0.3 s (second launch), neither module imported\n")

    cfg = load_preset("seed").replace(**{"training.epochs": 1_000_000})
    print("models  headless steps/s  live steps/s  share  frames/s  worst stall  window CPU")
    for count, methods in COMPARE.items():
        # headless before and after the live run, so a machine that speeds up or slows down
        # meanwhile (shared, or changing its clock) shifts both sides of the ratio alike
        before = headless_steps_per_second(cfg, methods, args.seconds / 2)
        models, live, fps, stall, window_cpu = windowed(cfg, methods, args.seconds)
        headless = (before + headless_steps_per_second(cfg, methods, args.seconds / 2)) / 2
        assert models == count, (models, count)
        print(f"{count:>6}  {headless:16,.0f}  {live:12,.0f}  {live / headless:5.0%}  {fps:8.1f}  "
              f"{stall * 1000:8.1f} ms  {window_cpu:6.0%} of a core")
    print("targets: share >= 90 %, >= 30 frames/s, worst stall <= 50 ms after the first second")


if __name__ == "__main__":
    main()
