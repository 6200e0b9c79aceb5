"""How long a reset blocks the window: the reset call plus the canvases' rebuild on the next turn of
the event loop, on the seed preset, for one model and for four in compare mode.

    python benchmarks/bench_reset.py [--repeats 6]

Two cases each: a reset onto a run of the same shape (new data seed: the canvases refill their
items) and onto another shape (new hidden layers: the canvases build their items anew), as a
burst of ten resets (only the newest is built). Prints the median milliseconds. Target: at most
100 ms for the seed preset (issue 6); before this change a reset took 130 ms (one model) and
240-320 ms (four models) on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:  # run as a script only: the trainer process re-imports the main module
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=6)
    args = parser.parse_args()
    from regviz.core.presets import load_preset
    from regviz.gui.app import make_application
    from regviz.gui.main_window import MainWindow

    app = make_application(offscreen=True)
    window = MainWindow(load_preset("seed"), "seed")
    window.resize(1600, 1000)
    window.show()
    controller = window.controller
    deadline = time.perf_counter() + 60
    while controller.state.snapshot is None and time.perf_counter() < deadline:
        app.processEvents()

    def timed(configs) -> float:
        started = time.perf_counter()
        for config in configs:
            controller.reset(config)
        app.processEvents()  # the canvases are rebuilt here, once
        elapsed = time.perf_counter() - started
        for _ in range(5):
            app.processEvents()
        return 1000 * elapsed

    for label, extras in (("1 model ", False), ("4 models", True)):
        if extras:
            window.panel.compare_check.setChecked(True)
            for check in window.panel.compare_extra_checks.values():
                check.setChecked(True)
            for _ in range(10):
                app.processEvents()
        base = controller.config
        same = [timed([base.replace(**{"data.seed": i + 1})]) for i in range(args.repeats)]
        shapes = [timed([base.replace(**{"model.hidden_layers": (10, 10, 10) if i % 2 else (8, 8, 8)})])
                  for i in range(args.repeats)]
        burst = [timed([base.replace(**{"data.seed": 100 + 10 * i + j}) for j in range(10)])
                 for i in range(args.repeats)]
        print(f"{label}: same shape {statistics.median(same):6.1f} ms   new shape {statistics.median(shapes):6.1f} ms"
              f"   burst of 10 {statistics.median(burst):6.1f} ms   (target <= 100 ms)")
    controller.shutdown()
    window.close()


if __name__ == "__main__":
    main()
