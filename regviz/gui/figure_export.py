"""Figures for slides: a canvas or the whole window as PNG (at 1x to 4x its pixels, text crisp) or
SVG (heatmap cells as vector rectangles), each with a caption line and without on-screen hints."""

from __future__ import annotations

import contextlib
import html
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui import export
from regviz.gui.views.base import CanvasView
from regviz.gui.views.items import WrapLabel

CAPTION_PT = 8.5


@contextlib.contextmanager
def as_figure(canvas: CanvasView, caption: str, vector: bool = False):
    """The canvas laid out as an exported figure: a caption line at the bottom, hints hidden,
    heatmap cells as rectangles when `vector`. Everything is put back afterwards."""
    layout = canvas.graphics.ci
    theme = canvas.theme
    hidden = [item for item in canvas.hint_items() if item.isVisible()]
    for item in hidden:
        item.setVisible(False)
    label = WrapLabel(html.escape(caption), justify="left", color=theme.muted, size=theme.pt(CAPTION_PT))
    layout.addItem(label, row=layout.layout.rowCount(), col=0, colspan=max(1, layout.layout.columnCount()))
    if vector and hasattr(canvas, "vector_cells"):
        canvas.vector_cells(True)
    _settle(canvas)
    try:
        yield label
    finally:
        if vector and hasattr(canvas, "vector_cells"):
            canvas.vector_cells(False)
        layout.removeItem(label)
        label.setParentItem(None)
        if label.scene() is not None:
            label.scene().removeItem(label)
        for item in hidden:
            item.setVisible(True)
        _settle(canvas)


def _settle(canvas: CanvasView) -> None:
    """Lay the canvas out now (a wrapped label changes its height once it knows its width)."""
    for _ in range(3):
        canvas.fit_layout()
        canvas.graphics.ci.layout.activate()


def export_canvas(canvas: CanvasView, path: str | Path, caption: str, scale: float = 2.0):
    """One canvas as PNG (`scale` x its pixels) or SVG, chosen by the suffix, with its caption."""
    path = Path(path)
    vector = path.suffix.lower() == ".svg"
    with as_figure(canvas, caption, vector):
        item = canvas.export_item()
        width = None if vector else max(1, round(scale * item.mapRectToDevice(item.boundingRect()).width()))
        return export.export_item(item, path, width=width)


def window_image(window: QtWidgets.QWidget, caption: str, scale: float = 2.0) -> QtGui.QImage:
    """The window as it looks, rendered at `scale` x its pixels (crisp text), with a caption band."""
    size = window.size()
    pixmap = QtGui.QPixmap(size * scale)
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(window.palette().color(QtGui.QPalette.ColorRole.Window))
    window.render(pixmap)
    font = QtGui.QFont(window.font())
    font.setPointSizeF(CAPTION_PT * 1.2)
    band = int(QtGui.QFontMetricsF(font).height() * 1.8)
    image = QtGui.QImage(round(size.width() * scale), round((size.height() + band) * scale),
                         QtGui.QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(scale)
    image.fill(window.palette().color(QtGui.QPalette.ColorRole.Window))
    painter = QtGui.QPainter(image)
    painter.drawPixmap(0, 0, pixmap)
    painter.setFont(font)
    painter.setPen(window.palette().color(QtGui.QPalette.ColorRole.WindowText))
    painter.drawText(QtCore.QRectF(10, size.height(), size.width() - 20, band),
                     QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, caption)
    painter.end()
    return image


def export_window(window: QtWidgets.QWidget, path: str | Path, caption: str, scale: float = 2.0,
                  size: tuple[int, int] | None = None) -> QtGui.QImage:
    """The whole window as PNG; with `size`, laid out at that window size for the picture."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise export.ExportError(f"{path}: the window is exported as .png")
    with resized(window, size):
        image = window_image(window, caption, scale)
    export.save_image(image, path)
    return image


@contextlib.contextmanager
def resized(window: QtWidgets.QWidget, size: tuple[int, int] | None):
    """The window at another size while a picture is taken (its canvases re-arrange), then back."""
    if size is None or (window.width(), window.height()) == tuple(size):
        yield
        return
    geometry = window.saveGeometry() if hasattr(window, "saveGeometry") else None
    old = window.size()
    window.resize(*size)
    _process(350)
    try:
        yield
    finally:
        window.resize(old)
        if geometry is not None:
            window.restoreGeometry(geometry)
        _process(50)


def _process(ms: int) -> None:
    """Let layouts and the weights canvas's re-arrangement (120 ms after a resize) run."""
    timer = QtCore.QElapsedTimer()
    timer.start()
    while timer.elapsed() < ms:
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
