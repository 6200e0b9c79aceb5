"""The Presets menu: one action per shipped preset, titled in words, its description as tip.

Choosing one loads it as Open config does (the current one again resets to it) and remembers it:
`regviz` started without --preset or --config opens it next time.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from regviz.core.config import ConfigError
from regviz.core.presets import load_preset, preset_descriptions

WORDS = {"relu": "ReLU", "l1": "L1", "l2": "L2"}  # words a plain capitalisation would get wrong


def preset_title(name: str) -> str:
    """'seed-exact-zeros' -> 'Seed exact zeros', 'relu-net' -> 'ReLU net'."""
    words = [WORDS.get(word, word) for word in name.split("-")]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


class PresetsMenu(QtWidgets.QMenu):
    def __init__(self, window):
        super().__init__("&Presets", window)
        self.setObjectName("presetsMenu")
        self.setToolTipsVisible(True)
        self._window = window
        for name, description in preset_descriptions():
            action = self.addAction(preset_title(name))
            action.setObjectName(f"preset_{name}_Action")
            action.setData(name)
            action.setStatusTip(description)
            action.setToolTip(description)
            action.triggered.connect(lambda _checked=False, n=name: self.choose(n))

    def choose(self, name: str) -> bool:
        """Reset onto a preset; the window then carries its name (title, export names)."""
        window = self._window
        try:
            config = load_preset(name)
        except ConfigError as exc:  # a preset file edited by hand in an installed copy
            window.show_error("Cannot open this preset", str(exc))
            return False
        if not window._apply_reset(config):
            return False
        window.preset = name
        window.setWindowTitle(f"regviz — {name}")
        window.settings.set_last_preset(name)
        return True
