"""The tabs' *Export…* buttons: one file dialog that starts in the folder of the last export and
names the file after the preset, the export scale chosen in the window's export options, and that
folder remembered after a figure was written. Each tab keeps its own writer (its caption, and how it
reports a failure)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6 import QtWidgets

from regviz.gui import export

FILTER = "PNG image (*.png);;SVG vector image (*.svg)"


def export_figure_dialog(parent: QtWidgets.QWidget, window, title: str, stem: str,
                         write: Callable[[str, float], bool]) -> None:
    """Ask for a PNG/SVG path and `write(path, scale)`; `window` is the main window, or None for
    a tab shown on its own."""
    settings = getattr(window, "settings", None)
    name = export.default_name(getattr(window, "preset", "regviz"), stem)
    start = settings.export_path(name) if settings is not None else name
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, str(start), FILTER)
    if not path:
        return
    scale = settings.export_scale() if settings is not None else 2.0
    if write(path, scale) and settings is not None:
        settings.set_export_folder(Path(path).parent)


def show_error(window, parent: QtWidgets.QWidget, title: str, text: str) -> None:
    """The window's error dialog, or a message box of the tab's own when it stands alone."""
    if hasattr(window, "show_error"):
        window.show_error(title, text)
        return
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, f"regviz: {title}", text,
                                QtWidgets.QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.open()
