"""What the window remembers between launches (QSettings, INI format): geometry, splitter sizes,
the last preset picked from the Presets menu, the speed, the collapsed panel sections and the
folder of the last export.

Every getter tolerates a missing or corrupt value (a hand-edited file, an older version) and falls
back to its default. The file lives in Qt's user scope for INI files; tests redirect it with
QSettings.setPath(IniFormat, UserScope, folder) before creating a Settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.panel_fields import DEFAULT_SPEED

ORGANIZATION = APPLICATION = "regviz"

GEOMETRY = "window/geometry"
SPLITTER = "window/splitter/"  # + the splitter's objectName
LAST_PRESET = "session/lastPreset"
SPEED = "run/speed"  # steps/s, or "max"
COLLAPSED = "panel/collapsedSections"
EXPORT_FOLDER = "export/folder"
EXPORT_SCALE = "export/scale"
ENGINE = "run/engine"  # core.engines.ENGINES


class Settings:
    def __init__(self) -> None:
        # Explicit names and format: usable before the QApplication exists (the CLI reads the last
        # preset first) and independent of QSettings.defaultFormat().
        self._store = QtCore.QSettings(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope,
                                       ORGANIZATION, APPLICATION)
        self._store.setFallbacksEnabled(False)  # never read a system-wide file

    def file_name(self) -> str:
        return self._store.fileName()

    def _set(self, key: str, value: object) -> None:
        self._store.setValue(key, value)
        self._store.sync()  # on disk at once: a crash later must not lose it

    def _text(self, key: str) -> str | None:
        value = self._store.value(key)
        if isinstance(value, list):  # INI reads an unquoted "a,b" as a list
            value = ",".join(str(v) for v in value)
        return value if isinstance(value, str) else None

    # ---------------------------------------------------------------- window
    def geometry(self) -> QtCore.QByteArray | None:
        value = self._store.value(GEOMETRY)
        return value if isinstance(value, QtCore.QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QtCore.QByteArray) -> None:
        self._set(GEOMETRY, geometry)

    def splitter_sizes(self, name: str) -> list[int] | None:
        text = self._text(SPLITTER + name)
        try:
            sizes = [int(part) for part in text.split(",")] if text else None
        except ValueError:
            return None
        return sizes if sizes and all(0 <= s <= 100_000 for s in sizes) else None

    def set_splitter_sizes(self, name: str, sizes: Iterable[int]) -> None:
        self._set(SPLITTER + name, ",".join(str(int(s)) for s in sizes))

    # ---------------------------------------------------------------- session
    def last_preset(self) -> str | None:
        """The preset last picked from the Presets menu, if it still ships."""
        from regviz.core.presets import preset_names

        name = self._text(LAST_PRESET)
        return name if name in preset_names() else None

    def set_last_preset(self, name: str) -> None:
        self._set(LAST_PRESET, name)

    def speed(self) -> float | None:
        """Max steps per second, None for max speed; DEFAULT_SPEED when unset or unreadable."""
        text = self._text(SPEED)
        if text == "max":
            return None
        try:
            value = float(text) if text else DEFAULT_SPEED
        except ValueError:
            return DEFAULT_SPEED
        return value if 0 < value < float("inf") else DEFAULT_SPEED

    def set_speed(self, steps_per_second: float | None) -> None:
        self._set(SPEED, "max" if steps_per_second is None else repr(float(steps_per_second)))

    def engine(self) -> str | None:
        """The engine picked in Run > Engine, None when unset."""
        return self._text(ENGINE)

    def set_engine(self, name: str) -> None:
        self._set(ENGINE, name)

    def collapsed_sections(self) -> set[str]:
        text = self._text(COLLAPSED)
        return {part.strip() for part in text.split(",") if part.strip()} if text else set()

    def set_collapsed_sections(self, keys: Iterable[str]) -> None:
        self._set(COLLAPSED, ",".join(sorted(keys)))

    def export_folder(self) -> str:
        """The folder of the last export, or "" when none is stored or it no longer exists."""
        text = self._text(EXPORT_FOLDER)
        return text if text and "\0" not in text and Path(text).is_dir() else ""

    def set_export_folder(self, folder: str | Path) -> None:
        self._set(EXPORT_FOLDER, str(folder))

    def export_scale(self) -> float:
        """The scale of the last export (1 to 4), 2 by default."""
        try:
            value = float(self._text(EXPORT_SCALE) or 2.0)
        except ValueError:
            return 2.0
        return value if 1.0 <= value <= 4.0 else 2.0

    def set_export_scale(self, scale: float) -> None:
        self._set(EXPORT_SCALE, f"{float(scale):g}")

    def export_path(self, file_name: str) -> str:
        """Where a save dialog starts: the file name inside the last export folder."""
        folder = self.export_folder()
        return str(Path(folder) / file_name) if folder else file_name

    # ---------------------------------------------------------------- the main window
    def save_window(self, window: QtWidgets.QMainWindow) -> None:
        self.set_geometry(window.saveGeometry())
        for splitter in window.findChildren(QtWidgets.QSplitter):
            if splitter.objectName():
                self.set_splitter_sizes(splitter.objectName(), splitter.sizes())

    def restore_window(self, window: QtWidgets.QMainWindow) -> None:
        """The saved geometry and splitter sizes, the window then clamped to its screen."""
        geometry = self.geometry()
        if geometry is not None:
            window.restoreGeometry(geometry)  # returns False on garbage: the current size stays
            # full screen is a choice for one talk (F11), not a layout to come back to
            window.setWindowState(window.windowState() & ~QtCore.Qt.WindowState.WindowFullScreen)
        for splitter in window.findChildren(QtWidgets.QSplitter):
            sizes = self.splitter_sizes(splitter.objectName()) if splitter.objectName() else None
            if sizes is not None and len(sizes) == splitter.count():
                splitter.setSizes(sizes)
        fit_on_screen(window)
        window.installEventFilter(_RefitWhenShown(window))  # the frame's size is known once shown


class _RefitWhenShown(QtCore.QObject):
    """Fits a window on its screen again after its first show, frame included; then goes away."""

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Show and isinstance(watched, QtWidgets.QWidget):
            watched.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, watched, lambda: fit_on_screen(watched))
            self.deleteLater()
        return False


def fit_on_screen(window: QtWidgets.QWidget) -> None:
    """Shrink and move a window so that its frame lies within its screen's available area (a
    geometry saved on a larger screen would otherwise open partly out of reach)."""
    screen = window.screen() or QtGui.QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), area.width() - extra_w)
    height = min(window.height(), area.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


def remembered_preset() -> str | None:
    """The preset `regviz` opens when started without --preset or --config (None: the default)."""
    return Settings().last_preset()
