"""File ▸ Save session / Open session: the dialogs around session_file.py (which does the work).

A file that cannot be used (damaged, foreign, newer, inconsistent, unreadable) is refused with a
dialog and the window changes nothing; a save writes atomically or not at all.
"""

from __future__ import annotations

import os

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.config import ConfigError
from regviz.core.data import DataError
from regviz.core.io import short_path
from regviz.gui import export
from regviz.gui.session_file import (Session, SessionError, read_session, save_session, session_from_state,
                                     session_path_stem)

FILE_FILTER = "regviz session (*.json);;All files (*)"


class SessionActions(QtCore.QObject):
    """The two File menu actions of a main window, and what they do."""

    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__(window)
        self.window = window
        self.open_action = self._action("Open session…", self.open_dialog, "Ctrl+Shift+O", "openSessionAction",
                                        "A saved session: every canvas as it was; Start goes on from its step")
        self.save_action = self._action("Save session…", self.save_dialog, "Ctrl+Shift+S", "saveSessionAction",
                                        "The run so far (config, histories, weight snapshots) as one JSON file")

    def _action(self, text: str, slot, shortcut: str, name: str, tip: str) -> QtGui.QAction:
        act = QtGui.QAction(text, self.window)
        act.setShortcut(QtGui.QKeySequence(shortcut))
        act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        act.setObjectName(name)
        act.setStatusTip(tip)
        act.triggered.connect(slot)
        self.window.addAction(act)
        return act

    # ---------------------------------------------------------------- save
    def save_dialog(self) -> None:
        default = export.default_name(self.window.preset, "session", "json")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save session", default, FILE_FILTER)
        if path:
            self.save_file(path)

    def save_file(self, path: str | os.PathLike) -> bool:
        controller = self.window.controller
        if controller.state is None:
            return False
        try:
            session = session_from_state(controller.state, controller.config, controller.compare)
            size = save_session(path, session)
        except (SessionError, OSError) as exc:  # OSError: FileProblem names the file and the reason
            self.window.show_error("Cannot save the session", str(exc))
            return False
        self.window.statusBar().showMessage(
            f"Saved step {session.step:,} to {short_path(path)} ({size / 2**20:.1f} MB)", 5000)
        return True

    # ---------------------------------------------------------------- open
    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open session", "", FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | os.PathLike) -> bool:
        """Read, check and show a session file; a bad one gets a dialog and nothing changes."""
        try:
            session = read_session(path)
        except SessionError as exc:
            self.window.show_error("Cannot open this session", str(exc))
            return False
        return self.show_session(session, session_path_stem(path))

    def show_session(self, session: Session, name: str) -> bool:
        """Put a checked session on screen: canvases, panel, title; the trainer waits at its step."""
        window = self.window
        try:
            window.controller.open_session(session)
        except (SessionError, ConfigError, DataError, ValueError) as exc:
            window.show_error("Cannot open this session", str(exc))
            return False
        window.panel.set_config(session.config)
        window.panel.set_compare(session.compare)
        window.preset = name  # exports are named after the session
        window.setWindowTitle(f"regviz — {name}")
        # the message line, not statusBar().showMessage(): before the window is first shown (regviz gui
        # --session) a temporary message would be painted over the status line instead of hiding it
        window.controller.sigMessage.emit(
            f"Opened session {name} at step {session.step:,}: Start goes on from there, Reset starts over")
        return True
