"""Export canvases and the window as images, through pyqtgraph's exporters.

Every function writes through the shared atomic writer (a temporary file and a rename), so a
failure never leaves a half-written image, and returns what it wrote (a QImage for PNG) so tests can
check the pixels.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

import pyqtgraph.exporters as pg_exporters
from PySide6 import QtGui, QtWidgets

from regviz.core.io import FileProblem, write_with_atomic

FORMATS = ("png", "svg")


class ExportError(Exception):
    """An image could not be written; the message says where and why."""


def timestamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def default_name(preset: str, what: str, fmt: str = "png", stamp: str | None = None) -> str:
    return f"regviz-{preset}-{what}-{stamp or timestamp()}.{fmt}"


def export_item(item, path: str | Path, width: int | None = None) -> QtGui.QImage | bytes:
    """Write a pyqtgraph item (a canvas's export_item()) as PNG or SVG, chosen by the suffix."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"{path}: unknown image format '.{fmt}'; use .png or .svg")
    if fmt == "svg":
        data = pg_exporters.SVGExporter(item).export(toBytes=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        _write_atomic(path, lambda tmp: Path(tmp).write_bytes(data))
        return data
    exporter = pg_exporters.ImageExporter(item)
    if width:
        exporter.parameters()["width"] = int(width)
    image = exporter.export(toBytes=True)
    save_image(image, path)
    return image


def export_widget(widget: QtWidgets.QWidget, path: str | Path) -> QtGui.QImage:
    """The whole window (or any widget) as it looks on screen, as PNG."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ExportError(f"{path}: the window is exported as .png")
    image = widget.grab().toImage()
    save_image(image, path)
    return image


def save_image(image: QtGui.QImage, path: Path) -> None:
    if image.isNull():
        raise ExportError(f"{path}: nothing to draw (the canvas has no size yet)")

    def save(tmp: str) -> None:
        if not image.save(tmp, "PNG"):
            raise ExportError(f"{path}: the PNG encoder failed")

    _write_atomic(path, save)


def _write_atomic(path: Path, write: Callable[[str], None]) -> None:
    """Through the shared atomic writer (regviz.core.io): umask permissions, never a partial file."""
    try:
        write_with_atomic(path, write)
    except FileProblem as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
