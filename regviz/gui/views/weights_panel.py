"""One weight matrix as a heatmap panel: its items, its range and its disconnected-neuron marks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from regviz.gui.style import Theme
from regviz.gui.views.items import WrapLabel
from regviz.gui.views.weights_items import CellRects, Markers, cell_grid_path, index_ticks, static_path

# Blue (negative) - white (zero, "off") - red (positive); ColorBrewer RdBu with a pure-white middle.
DIVERGING_COLORS = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#ffffff",
                    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
MARGIN_PX = 14  # room above and left of each matrix for the disconnected-neuron markers
MARKER_SIZE = 9
MAX_GRID_CELLS = 40

def diverging_colormap() -> pg.ColorMap:
    positions = np.linspace(0.0, 1.0, len(DIVERGING_COLORS))
    return pg.ColorMap(positions, [pg.mkColor(c) for c in DIVERGING_COLORS], name="regviz-weights")


@dataclass
class HeatmapPanel:
    """One weight matrix of one model."""

    model: int  # the model's index in the ensemble
    layer: int  # 0-based; shown as W(l + 1)
    shape: tuple[int, int]  # (in, out)
    plot: pg.PlotItem
    heading: WrapLabel  # shape and sparsity
    image: pg.ImageItem
    cells: CellRects
    markers: Markers
    matrix: np.ndarray | None = None
    sparsity: float | None = None  # percent, of the matrix last drawn
    title: str = ""
    marked: tuple = ()  # (rows, columns) marked as disconnected
    margins: tuple = (0.0, 0.0)  # data units left of and above the matrix
    marker_size: tuple = (MARKER_SIZE, MARKER_SIZE)  # (column, row) marker size in pixels
    cell_px: tuple = (1.0, 1.0)  # (width, height) of one matrix cell in pixels


def make_panel(plot: pg.PlotItem, heading: WrapLabel, theme: Theme, level: float, colormap: pg.ColorMap,
           model: int, layer: int, shape: tuple[int, int], left_title: bool, bottom_title: bool) -> HeatmapPanel:
    """Dress a plot as one matrix's heatmap: index ticks, the image, the cells for SVG, grid lines,
    a frame and the markers; its range follows its size (fit_range)."""
    fan_in, fan_out = shape
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.vb.invertY(True)  # row 0 at the top, as a matrix is written
    font = QtGui.QFont()
    font.setPointSizeF(7.5 * theme.font_scale)
    for name, count in (("left", fan_in), ("bottom", fan_out)):
        axis = plot.getAxis(name)
        axis.setPen(theme.frame)
        axis.setTextPen(theme.foreground)
        axis.setStyle(tickFont=font, tickLength=-3, tickTextOffset=2)
        axis.setTicks(index_ticks(count))
    plot.getAxis("left").setWidth((34 if left_title else 20) * theme.font_scale)
    plot.getAxis("bottom").setHeight((30 if bottom_title else 16) * theme.font_scale)
    if left_title:  # short titles; the caption (or the tooltip) says it in words
        plot.setLabel("left", "in i", color=theme.muted, size=theme.pt(8))
    if bottom_title:
        plot.setLabel("bottom", "out j", color=theme.muted, size=theme.pt(8))

    image = pg.ImageItem(axisOrder="row-major")
    image.setLevels((-level, level))
    image.setColorMap(colormap)
    image.setImage(np.zeros((fan_in, fan_out)), autoLevels=False)
    plot.addItem(image)
    cells = CellRects()
    cells.setVisible(False)
    plot.addItem(cells)
    if max(fan_in, fan_out) <= MAX_GRID_CELLS:  # cell lines; on a big matrix they would hide it
        grid = static_path(cell_grid_path(fan_in, fan_out), pg.mkPen(theme.grid, width=1))
        grid.setZValue(5)
        plot.addItem(grid)
    outline = QtGui.QPainterPath()
    outline.addRect(QtCore.QRectF(0, 0, fan_out, fan_in))
    frame = static_path(outline, pg.mkPen(theme.frame, width=1))
    frame.setZValue(6)
    plot.addItem(frame)
    markers = Markers(theme.foreground)
    markers.setZValue(7)
    plot.addItem(markers)
    plot.disableAutoRange()
    panel = HeatmapPanel(model=model, layer=layer, shape=shape, plot=plot, heading=heading, image=image,
                         cells=cells, markers=markers)
    fit_range(panel)
    plot.vb.sigResized.connect(lambda _vb, panel=panel: fit_range(panel))
    return panel


def fit_range(panel: HeatmapPanel) -> None:
    """The matrix fills the panel but for a MARGIN_PX strip above and left (for the markers)."""
    fan_in, fan_out = panel.shape
    width, height = panel.plot.vb.width(), panel.plot.vb.height()
    mx = MARGIN_PX * fan_out / max(width - MARGIN_PX, MARGIN_PX)
    my = MARGIN_PX * fan_in / max(height - MARGIN_PX, MARGIN_PX)
    panel.margins = (mx, my)
    cell_w, cell_h = (width - MARGIN_PX) / fan_out, (height - MARGIN_PX) / fan_in
    panel.cell_px = (max(cell_w, 1e-6), max(cell_h, 1e-6))
    panel.marker_size = (float(np.clip(0.8 * cell_w, 4.0, MARKER_SIZE)),  # column markers
                          float(np.clip(0.8 * cell_h, 4.0, MARKER_SIZE)))  # row markers
    panel.plot.setXRange(-mx, fan_out, padding=0)
    panel.plot.setYRange(-my, fan_in, padding=0)
    if panel.marked:
        mark(panel, *panel.marked)


def mark(panel: HeatmapPanel, rows: tuple, cols: tuple) -> None:
    """Triangles at the disconnected neurons: above the columns and left of the rows given."""
    mx, my = panel.margins
    above, left = -my / 2, -mx / 2  # the middle of the margins above and left of the matrix
    col_size, row_size = panel.marker_size
    cell_w, cell_h = panel.cell_px
    # pixel sizes to data units: a cell is 1 x 1, a margin of MARGIN_PX pixels is mx (or my) wide
    col_half = (0.5 * col_size / cell_w, 0.5 * col_size * my / MARGIN_PX)
    row_half = (0.5 * row_size * mx / MARGIN_PX, 0.5 * row_size / cell_h)
    panel.markers.place([(j + 0.5, above) for j in cols], [(left, i + 0.5) for i in rows], col_half, row_half)
    panel.marked = (rows, cols)
