"""Composition root: the QApplication, the main window, and shutdown wiring."""

from __future__ import annotations

import os
import sys

from regviz.core.config import ExperimentConfig


def make_application(offscreen: bool = False):
    """The QApplication (created once); offscreen for headless use such as the screenshot command."""
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets
    import pyqtgraph as pg

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("regviz")
    app.setOrganizationName("regviz")
    pg.setConfigOptions(antialias=True, background="w", foreground="#202124")
    return app


def destroy_window(window) -> None:
    """Close and destroy a window now, while Python is whole: left to interpreter exit, a canvas
    item whose Python override Qt still calls crashed the process after its work was done (about
    one exit in ten for a script that builds the window and returns)."""
    from PySide6 import QtCore

    window.close()
    window.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def start_trainer_early() -> None:
    """Spawn the window's trainer before the plotting libraries load and the window is built: its
    engine is ready about when the window shows (the window's first worker adopts it)."""
    from regviz.gui.engine_menu import initial_engine
    from regviz.gui.settings import Settings
    from regviz.gui.trainer_spawn import start_early

    start_early(initial_engine(Settings()))


def run_app(config: ExperimentConfig, preset: str = "seed", compare: bool = False, start: bool = False,
            session=None) -> int:
    """The window on a config, or on a saved session (a checked session_file.Session; `preset` is
    then its name)."""
    start_trainer_early()
    app = make_application()
    from PySide6 import QtCore
    from regviz.gui.main_window import MainWindow

    from regviz.gui.errors import ErrorReporter

    window = MainWindow(config, preset)
    reporter = ErrorReporter(window.report_unexpected).install()
    app.aboutToQuit.connect(reporter.uninstall)
    if session is not None:
        window.sessions.show_session(session, preset)
    elif compare:
        window.panel.compare_check.setChecked(True)
    if start:
        QtCore.QTimer.singleShot(0, window.controller.start)
    app.aboutToQuit.connect(window.controller.shutdown)
    window.show()
    return app.exec()
