"""`regviz screenshot`: train headless (offscreen Qt) and write every canvas and the window."""

from __future__ import annotations

import math
from pathlib import Path

from regviz.core.config import ExperimentConfig
from regviz.core.data import make_dataset

TIMEOUT_MS = 600_000
WINDOW_SIZE = (1600, 1000)


def run_screenshot(config: ExperimentConfig, preset: str, steps: int, out: Path, svg: bool = False,
                   compare: bool = False) -> list[Path]:
    from regviz.gui.app import make_application

    app = make_application(offscreen=True)
    from PySide6 import QtCore
    from regviz.gui.main_window import MainWindow

    # Enough epochs that the run does not stop before `steps`.
    per_epoch = math.ceil(make_dataset(config.data).n_train / config.training.batch_size)
    epochs = max(config.training.epochs, math.ceil(steps / per_epoch))
    config = config.replace(**{"training.epochs": epochs})
    window = MainWindow(config, preset)
    window.resize(WINDOW_SIZE[0], WINDOW_SIZE[1])  # the offscreen screen is small; figures are not
    try:
        if compare:
            window.panel.compare_check.setChecked(True)
        window.show()
        controller = window.controller
        loop = QtCore.QEventLoop()
        done = {"ok": False}

        def check() -> None:
            state = controller.state
            if state is not None and (state.step >= steps or state.diverged.all()):
                done["ok"] = True
                loop.quit()

        controller.sigRendered.connect(check)
        QtCore.QTimer.singleShot(TIMEOUT_MS, loop.quit)
        controller.step(steps)
        loop.exec()
        controller.sigRendered.disconnect(check)
        if not done["ok"]:
            raise RuntimeError(f"training did not reach {steps} steps in {TIMEOUT_MS // 1000} s")
        for view in window.canvases:
            view.invalidate()
        controller.redraw()
        app.processEvents()
        return window.export_all(str(out), svg=svg)
    finally:
        window.close()
