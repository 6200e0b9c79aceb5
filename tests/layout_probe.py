"""Builds the window as the app does on a screen of a given size, in several states, and prints as
JSON every text that is cut off or overlaps another (layout_check.py), with the smallest heatmap
cell. Run in a subprocess by tests/gui/test_layout_sizes.py: the offscreen screen's size is fixed
per process.

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json python tests/layout_probe.py
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

STATES = [  # (models compared, activation, theme or None)
    (1, "linear", None), (2, "linear", None), (4, "linear", None), (2, "rrelu", None), (1, "sigmoid", None),
    (2, "prelu", None), (2, "linear", "high-contrast"), (4, "rrelu", "dark"),
]


def settle(app, window, seconds: float = 20.0) -> None:
    """Redraw and process events until the weights canvas stops re-arranging (it checks its cells
    120 ms after each layout and after a redraw that left them too small) or `seconds` pass."""
    import time

    deadline, quiet = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and quiet < 5:
        window.controller.redraw()
        app.processEvents()
        app.thread().msleep(60)
        quiet = 0 if window.weights_view._relayout.isActive() else quiet + 1


def main() -> None:
    from layout_check import text_problems, widget_problems
    from regviz.core.presets import load_preset
    from regviz.gui.app import make_application
    from regviz.gui.main_window import MainWindow
    from regviz.gui.session import engine_for, make_frame
    from regviz.gui.style import LIGHT, THEMES

    app = make_application()
    window = MainWindow(load_preset("seed"), "seed")
    window.show()
    controller = window.controller
    report = []
    for models, activation, theme in STATES:
        methods = {1: None, 2: ("l1", "l2"), 4: ("l1", "l2", "none", "elasticnet")}[models]
        controller.compare = methods
        controller.reset(controller.config.replace(**{"model.activation": activation}))
        # a trained state, computed here (the window's own trainer is not waited for)
        engine = engine_for(controller.setup)
        controller.state.apply(make_frame(engine, controller.setup, controller.generation, [engine.step(120)]))
        if theme is None:
            window.presentation.leave()
        else:
            window.enter_presentation(THEMES[theme])
        settle(app, window)
        cells = [min(p.cell_px) for p in window.weights_view.panels]
        problems = {c.objectName(): text_problems(c) + widget_problems(c) for c in window.canvases}
        report.append({"state": [models, activation, theme], "window": [window.width(), window.height()],
                       "min_cell": min(cells), "shown": len(window.weights_view.models),
                       "problems": {k: v for k, v in problems.items() if v}})
    window.presentation.apply(LIGHT)
    controller.shutdown()
    window.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
