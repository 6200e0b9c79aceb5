"""Run ▸ Engine: which engine the trainer process trains with. Automatic takes the compiled engine
wherever numba imports; torch is the reference. Remembered; `regviz gui --engine` wins for that
launch. The window's process imports neither engine: it only names one to the trainer."""

from __future__ import annotations

import importlib.util
import os

from PySide6 import QtGui, QtWidgets

from regviz.core.engines import ENGINE_ENV, ENGINES

LABELS = {"auto": "Automatic (compiled where numba is installed)", "numba": "Compiled (numba)",
          "torch": "torch (the reference)"}


def initial_engine(settings) -> str | None:
    """The command line's choice (REGVIZ_ENGINE), else the remembered one, else None (automatic)."""
    for name in (os.environ.get(ENGINE_ENV), settings.engine()):
        if name in ENGINES:
            return name
    return None


class EngineMenu(QtWidgets.QMenu):
    def __init__(self, window) -> None:
        super().__init__("&Engine", window)
        self.setObjectName("engineMenu")
        self.window = window
        self.group = QtGui.QActionGroup(self)
        self.group.setExclusive(True)
        current = window.controller.engine or "auto"
        has_numba = importlib.util.find_spec("numba") is not None  # found, not imported
        self.actions_by_name: dict[str, QtGui.QAction] = {}
        for name in ENGINES:
            action = QtGui.QAction(LABELS[name], self, checkable=True, objectName=f"engine_{name}_Action")
            action.setChecked(name == current)
            action.setEnabled(name != "numba" or has_numba)
            if name == "numba" and not has_numba:
                action.setToolTip("numba is not installed here")
            action.triggered.connect(lambda _checked=False, n=name: self.choose(n))
            self.group.addAction(action)
            self.addAction(action)
            self.actions_by_name[name] = action
        self.setToolTipsVisible(True)

    def choose(self, name: str) -> None:
        """Train with `name` from now on (a new trainer process takes over, paused) and remember it."""
        self.actions_by_name[name].setChecked(True)
        self.window.controller.set_engine(name)
        self.window.settings.set_engine(name)
        self.window.controller.sigMessage.emit(f"Engine: {LABELS[name]}. The run goes on from where it is; "
                                               "press Start.")
