"""The weights canvas's graphics items: markers for disconnected neurons, static grid lines, and
the cells drawn as vector rectangles (for SVG, where an image would be an embedded bitmap)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets


class Markers(QtWidgets.QGraphicsPathItem):
    """Triangles at disconnected neurons, painted by Qt itself: a ScatterPlotItem's Python paint
    cost about half a millisecond per panel per frame. `data` holds the centres (x, y)."""

    def __init__(self, color: str):
        super().__init__()
        self.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.setBrush(pg.mkBrush(color))
        self.data = {"x": np.zeros(0), "y": np.zeros(0)}

    def place(self, down: list, right: list, down_half: tuple, right_half: tuple) -> None:
        """Triangles pointing down (at columns, from above) and right (at rows, from the left)."""
        path = QtGui.QPainterPath()
        (dw, dh), (rw, rh) = down_half, right_half
        for cx, cy in down:  # row 0 is at the top: "down" is +y
            path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(cx - dw, cy - dh), QtCore.QPointF(cx + dw, cy - dh),
                                             QtCore.QPointF(cx, cy + dh)]))
        for cx, cy in right:
            path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(cx - rw, cy - rh), QtCore.QPointF(cx - rw, cy + rh),
                                             QtCore.QPointF(cx + rw, cy)]))
        self.setPath(path)
        centres = list(down) + list(right)
        self.data = {"x": np.array([c[0] for c in centres], dtype=float),
                     "y": np.array([c[1] for c in centres], dtype=float)}


class CellRects(QtWidgets.QGraphicsItem):
    """A matrix as one filled rectangle per cell. Shown instead of the ImageItem while an SVG is
    written, so every renderer draws crisp cells (an image becomes a blurred embedded bitmap)."""

    def __init__(self):
        super().__init__()
        self._colors: np.ndarray = np.zeros((0, 0, 4), dtype=np.uint8)

    def set_colors(self, rgba: np.ndarray) -> None:
        self.prepareGeometryChange()
        self._colors = np.asarray(rgba, dtype=np.uint8)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt's name)
        rows, cols = self._colors.shape[:2]
        return QtCore.QRectF(0, 0, cols, rows)

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        for (i, j), _ in np.ndenumerate(self._colors[:, :, 0]):
            r, g, b, a = (int(v) for v in self._colors[i, j])
            painter.setBrush(QtGui.QColor(r, g, b, a))
            painter.drawRect(QtCore.QRectF(j, i, 1, 1))


def static_path(path: QtGui.QPainterPath, pen: QtGui.QPen) -> QtWidgets.QGraphicsPathItem:
    """Lines that never change (cell grid, frame), drawn by Qt without a Python paint call."""
    item = QtWidgets.QGraphicsPathItem(path)
    item.setPen(pen)
    return item


def cell_grid_path(rows: int, cols: int) -> QtGui.QPainterPath:
    """The lines between the cells of a rows x cols matrix."""
    path = QtGui.QPainterPath()
    for j in range(cols + 1):
        path.moveTo(j, 0)
        path.lineTo(j, rows)
    for i in range(rows + 1):
        path.moveTo(0, i)
        path.lineTo(cols, i)
    return path


def index_ticks(count: int) -> list[list[tuple[float, str]]]:
    """Ticks at cell centres labelled with the neuron index; multiples of 5 are the major level
    (always drawn), the rest a minor level pyqtgraph draws only when there is room."""
    major = [(i + 0.5, str(i)) for i in range(count) if i % 5 == 0 or count <= 3]
    minor = [(i + 0.5, str(i)) for i in range(count) if not (i % 5 == 0 or count <= 3)]
    return [major, minor]


def weight_colorbar(colormap, level: float, theme, orientation: str, halves: bool = True) -> pg.ColorBarItem:
    """The weights' symmetric colour bar, -level..level with 0 = off in the middle (themed ticks; the
    values as they are, never rescaled by an SI prefix)."""
    bar = pg.ColorBarItem(values=(-level, level), colorMap=colormap, interactive=False,
                          width=12 * theme.font_scale, colorMapMenu=False, orientation=orientation)
    font = QtGui.QFont()
    font.setPointSizeF(8 * theme.font_scale)
    for name in ("left", "right", "top", "bottom"):
        axis = bar.getAxis(name)
        axis.setPen(theme.frame)
        axis.setTextPen(theme.foreground)
        axis.setStyle(tickFont=font)
        axis.enableAutoSIPrefix(False)
    major = [(-level, f"≤ {-level:g}"), (0.0, "0 = off"), (level, f"≥ {level:g}")]
    bar.axis.setTicks([major, [(-level / 2, f"{-level / 2:g}"), (level / 2, f"{level / 2:g}")]] if halves else [major])
    return bar
