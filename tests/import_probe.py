"""The window as a user opens it, trained for a few steps, then a report of which heavy modules its
process imported (JSON on stdout). Run in a fresh process by tests/gui/test_gui_imports.py: the
test process itself has imported torch for other tests."""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from regviz.core.presets import load_preset
    from regviz.gui.app import destroy_window, make_application
    from regviz.gui.main_window import MainWindow

    app = make_application(offscreen=True)
    window = MainWindow(load_preset("seed"), "seed")
    window.show()
    app.processEvents()
    shown = {name: name in sys.modules for name in ("torch", "numba")}
    window.controller.step(5)  # a trained frame from the trainer process, drawn here
    started = time.monotonic()
    while window.controller.state.step < 5 and time.monotonic() - started < 120:
        app.processEvents()
        time.sleep(0.01)
    for index in range(window.tabs.count()):  # every tab shown once
        window.tabs.setCurrentIndex(index)
        app.processEvents()
    trained = {name: name in sys.modules for name in ("torch", "numba")}
    step = window.controller.state.step
    destroy_window(window)
    print(json.dumps({"shown": shown, "trained": trained, "step": step}), flush=True)


if __name__ == "__main__":
    main()
