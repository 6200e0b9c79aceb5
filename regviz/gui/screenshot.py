"""`regviz screenshot`: headless (offscreen Qt) pictures of every canvas and of the window, after
training a few steps, or from a saved session without training.

Size and sharpness: the window is laid out at --size (logical pixels), on an offscreen screen made
larger than that, and Qt's device pixel ratio is set to --scale through QT_SCALE_FACTOR before the
QApplication exists, so the window's PNG has scale x size pixels, drawn at that resolution (text
and lines crisp, not an enlarged bitmap). The canvas PNGs come from pyqtgraph's exporter, which
draws in logical pixels whatever the ratio; it is asked for scale x the canvas's width and redraws
the scene (vector: text, lines) at that size.

Qt's own chatter (the offscreen plugin's "does not support propagateSizeHints()") is dropped, so
the command prints the paths it wrote and nothing else; other Qt warnings go to the error log
(errors.py), critical ones to stderr. Python exceptions are untouched.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from regviz.core.config import ExperimentConfig
from regviz.core.data import make_dataset

TIMEOUT_MS = 600_000
WINDOW_SIZE = (1600, 1000)
# Harmless messages of the offscreen platform and of fonts in a bare container
QT_NOISE = ("propagateSizeHints", "QFont::", "Fontconfig", "fontconfig", "QStandardPaths:",
            "This plugin does not support")


def prepare_offscreen(scale: float, size: tuple[int, int], folder: Path) -> None:
    """Before the QApplication exists: the offscreen platform on a screen larger than the window
    (so nothing clamps the window to the plugin's default 800x600), with exactly this device pixel
    ratio (no rounding, no factors of the user's own multiplying in)."""
    width, height = (math.ceil(side * scale) + 400 for side in size)
    screen = {"name": "regviz-screenshot", "x": 0, "y": 0, "width": width, "height": height,
              "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}
    config = folder / "offscreen-screen.json"
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
    os.environ["QT_SCALE_FACTOR_ROUNDING_POLICY"] = "PassThrough"
    for name in ("QT_SCREEN_SCALE_FACTORS", "QT_AUTO_SCREEN_SCALE_FACTOR", "QT_FONT_DPI"):
        os.environ.pop(name, None)


def quiet_qt_messages():
    """Install a Qt message handler that keeps Qt's noise off stderr; returns the previous one."""
    from PySide6 import QtCore

    from regviz.gui.errors import log_path

    def handler(kind, _context, message: str) -> None:
        if kind in (QtCore.QtMsgType.QtDebugMsg, QtCore.QtMsgType.QtInfoMsg):
            return
        if any(noise in message for noise in QT_NOISE):
            return
        if kind in (QtCore.QtMsgType.QtCriticalMsg, QtCore.QtMsgType.QtFatalMsg):
            sys.stderr.write(f"regviz: qt: {message}\n")
            return
        try:  # a real warning: kept for whoever debugs, out of the user's output
            path = log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} regviz screenshot, Qt warning: {message}\n")
        except OSError:
            pass

    return QtCore.qInstallMessageHandler(handler)


def run_screenshot(config: ExperimentConfig, preset: str, steps: int, out: Path, svg: bool = False,
                   compare: bool = False, size: tuple[int, int] = WINDOW_SIZE, scale: float = 1.0,
                   session=None, step: int | None = None) -> list[Path]:
    """Write every canvas (PNG, optionally SVG) and the window (PNG) into `out`; returns the paths.

    With `session` (a checked session_file.Session named `preset`) nothing is trained: the figures
    show the session's newest snapshot, or with `step` the newest recorded one at or before it
    (the file names then say '-stepN', N the step shown)."""
    from regviz.gui.app import make_application

    with tempfile.TemporaryDirectory(prefix="regviz-screenshot-") as scratch:
        prepare_offscreen(scale, size, Path(scratch))
        from PySide6 import QtCore

        # The window's remembered settings (geometry, splitters, speed) are the user's, not the
        # figures': a scratch store keeps the pictures reproducible and the user's file untouched.
        QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope, scratch)
        previous_handler = quiet_qt_messages()  # first: Qt may speak while it starts
        try:
            app = make_application(offscreen=True)
            if abs(app.devicePixelRatio() - scale) > 1e-6:
                raise RuntimeError(f"--scale {scale:g} needs a process of its own (this one's QApplication "
                                   f"has ratio {app.devicePixelRatio():g})")
            if session is None:  # enough epochs that the run does not stop before `steps`
                per_epoch = math.ceil(make_dataset(config.data).n_train / config.training.batch_size)
                epochs = max(config.training.epochs, math.ceil(steps / per_epoch))
                config = config.replace(**{"training.epochs": epochs})
            return _shoot(app, config, preset, steps, out, svg, compare, size, scale, session, step)
        finally:
            QtCore.qInstallMessageHandler(previous_handler)


def _shoot(app, config, preset, steps, out, svg, compare, size, scale, session, step) -> list[Path]:
    from regviz.gui.app import destroy_window
    from regviz.gui.main_window import MainWindow

    window = MainWindow(config, preset)
    try:
        window.resize(*size)  # the offscreen screen is small; the figures are not
        if session is not None:
            window.sessions.show_session(session, preset)
        elif compare:
            window.panel.compare_check.setChecked(True)
        window.show()
        controller = window.controller
        if session is None:
            controller.set_speed(None)  # full speed, whatever pace the window would remember
            _train(controller, steps)
        elif step is not None:
            shown = controller.replay_step(step, nearest=False)
            window.preset = f"{preset}-step{shown}"
        app.processEvents()  # the layout at its final size, the canvases rebuilt for the run
        for view in window.canvases:
            view.invalidate()
        controller.redraw()
        app.processEvents()
        return window.export_all(str(out), svg=svg, scale=scale)
    finally:
        destroy_window(window)


def _train(controller, steps: int) -> None:
    from PySide6 import QtCore

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
