"""The last line of defence: an exception that escapes a Qt slot reaches the user as a red status
line and a dialog, its traceback goes to a log file, and the application goes on.

Installed by the composition root (app.py), not by the window: under pytest-qt the tests keep
pytest-qt's own hook, which fails a test on any exception escaping a slot.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

MAX_MESSAGE = 300


def log_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "regviz" / "errors.log"


class ErrorReporter:
    """sys.excepthook that hands a one-line description to `show(text)` (the window's dialog)."""

    def __init__(self, show: Callable[[str], None], log: Path | None = None):
        self.show = show
        self.log = log if log is not None else log_path()
        self._previous = None

    def install(self) -> "ErrorReporter":
        self._previous = sys.excepthook
        sys.excepthook = self.handle
        return self

    def uninstall(self) -> None:
        if self._previous is not None and sys.excepthook == self.handle:
            sys.excepthook = self._previous
        self._previous = None

    def handle(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):  # Ctrl+C in the terminal: quit as usual
            (self._previous or sys.__excepthook__)(exc_type, exc, tb)
            return
        saved = self._write_log(exc_type, exc, tb)
        text = f"Something went wrong: {exc_type.__name__}: {exc}"
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 1] + "…"
        if saved is not None:
            text += f"\nDetails were saved to {saved}."
        try:
            self.show(text)
        except Exception:  # never recurse into the hook from the hook
            traceback.print_exception(exc_type, exc, tb)

    def _write_log(self, exc_type, exc, tb) -> Path | None:
        try:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
                out.write("".join(traceback.format_exception(exc_type, exc, tb)))
        except OSError:
            return None
        return self.log
