"""A window that starts training, prints its trainer's process id, and waits to be killed.
Run in a subprocess by tests/gui/test_robustness.py (a killed window runs no clean-up)."""

from __future__ import annotations

import os
import time


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from regviz.core.presets import load_preset
    from regviz.gui.app import make_application
    from regviz.gui.main_window import MainWindow

    app = make_application(offscreen=True)
    window = MainWindow(load_preset("seed"), "seed")
    window.show()
    window.controller.start()
    started = time.monotonic()
    while window.controller.state.step == 0 and time.monotonic() - started < 120:
        app.processEvents()
        time.sleep(0.02)
    print(window.controller.worker._process.pid, flush=True)
    while True:  # until killed
        app.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    main()
