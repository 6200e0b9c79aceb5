"""The weights canvas: one heatmap per weight matrix, so L1 switching neurons off is visible.

Each model gets a grid of panels (2x2 for the reference net's four matrices, as in the article);
in compare mode the models' grids stand side by side under their labels, in their colours. A
panel shows W[l] as stored by the engine, [in, out]: row i = input neuron, column j = output
neuron (no transpose: the ImageItems are row-major).

One fixed, symmetric blue-white-red scale serves every panel and model, with a single colour bar:
its limit L is chosen once per run (the largest Xavier/Glorot init bound of the net, rounded up to
0.1) and never follows the data, so frames are comparable and a weight near 0 always reads as white
("off"). Weights beyond +-L show at full colour. A hidden neuron that analysis.disconnected_neurons
finds cut off is marked with a small triangle on its column of the incoming matrix and on its row
of the outgoing matrix.

Items are built once per run (set_setup); render() only calls setImage on every panel and, when
the text or the set of disconnected neurons changed, updates titles and markers.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core import analysis
from regviz.gui.session import METHOD_COLORS, LiveState, RunSetup, member_label
from regviz.gui.views.base import CanvasView, FreeWidthLabel

AXIS_COLOR = "#3c4043"
GRID_COLOR = "#d5d7da"
FRAME_COLOR = "#80868b"
MARKER_COLOR = "#202124"
DIVERGED_COLOR = "#d93025"
# Blue (negative) - white (zero, "off") - red (positive); ColorBrewer RdBu with a pure-white middle.
DIVERGING_COLORS = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#ffffff",
                    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
MARGIN_PX = 14  # room above and left of each matrix for the disconnected-neuron markers
MARKER_SIZE = 9
MAX_GRID_CELLS = 40
LUT_POINTS = 512
HOVER_HINT = "hover over a cell to read its weight"
COMPACT_PANEL_PX = 175  # narrower panels get two-line headings and short axis titles


def diverging_colormap() -> pg.ColorMap:
    positions = np.linspace(0.0, 1.0, len(DIVERGING_COLORS))
    return pg.ColorMap(positions, [pg.mkColor(c) for c in DIVERGING_COLORS], name="regviz-weights")


def weight_level(layer_sizes) -> float:
    """The colour limit L for a run: the largest Xavier/Glorot bound sqrt(6 / (in + out)), rounded
    up to a multiple of 0.1. Fixed for the run; weights beyond +-L saturate."""
    bounds = [math.sqrt(6.0 / (a + b)) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    return math.ceil(max(bounds) * 10.0 - 1e-9) / 10.0


def grid_shape(layers: int) -> tuple[int, int]:
    """(rows, columns) of one model's grid: 2x2 for four matrices, as in the article."""
    cols = max(1, math.ceil(math.sqrt(layers)))
    return math.ceil(layers / cols), cols


def format_weight(value: float) -> str:
    if value == 0.0:
        return "0 (exact zero)"
    text = f"{value:+.4f}"
    if not math.isfinite(value):
        return f"{value}"
    if abs(value) < analysis.SPARSITY_THRESHOLD:
        text += f"  (off: |w| < {analysis.SPARSITY_THRESHOLD:g})"
    return text


def _index_ticks(count: int) -> list[list[tuple[float, str]]]:
    """Ticks at cell centres labelled with the neuron index; multiples of 5 are the major level
    (always drawn), the rest a minor level pyqtgraph draws only when there is room."""
    major = [(i + 0.5, str(i)) for i in range(count) if i % 5 == 0 or count <= 3]
    minor = [(i + 0.5, str(i)) for i in range(count) if not (i % 5 == 0 or count <= 3)]
    return [major, minor]


def _cell_grid(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (connect='pairs') of a rows x cols cell grid."""
    xs, ys = [], []
    for j in range(cols + 1):
        xs += [j, j]
        ys += [0, rows]
    for i in range(rows + 1):
        xs += [0, cols]
        ys += [i, i]
    return np.asarray(xs, float), np.asarray(ys, float)


@dataclass
class _Panel:
    """One weight matrix of one model."""

    model: int
    layer: int  # 0-based; shown as "layer l + 1" / W(l + 1)
    shape: tuple[int, int]  # (in, out)
    plot: pg.PlotItem
    heading: pg.LabelItem  # shape and sparsity
    image: pg.ImageItem
    markers: "_Markers"
    matrix: np.ndarray | None = None
    left_label: bool = False  # this panel carries the grid's axis titles
    bottom_label: bool = False
    sparsity: float | None = None  # percent, of the matrix last drawn
    title: str = ""
    marked: tuple = ()  # (rows, columns) marked as disconnected
    margins: tuple = (0.0, 0.0)  # data units left of and above the matrix
    marker_size: tuple = (MARKER_SIZE, MARKER_SIZE)  # (column, row) marker size in pixels
    cell_px: tuple = (1.0, 1.0)  # (width, height) of one matrix cell in pixels


@dataclass
class _Model:
    label: str
    color: str
    title: pg.LabelItem
    panels: list[_Panel] = field(default_factory=list)
    sparsity: float | None = None  # percent, over every matrix
    disconnected: int = 0
    diverged: bool = False
    text: str = ""


class WeightsView(CanvasView):
    title = "Weights"

    def __init__(self, parent=None):
        super().__init__("weightsCanvas", parent)
        self.graphics.setBackground("w")
        self.colormap = diverging_colormap()
        self.level = 1.0
        self.colorbar: pg.ColorBarItem | None = None
        self.caption: pg.LabelItem | None = None
        self.hover_label: pg.LabelItem | None = None
        self.models: list[_Model] = []
        self._setup: RunSetup | None = None
        self._compact = False
        self._grid_cols = 1
        self._hover_pos: QtCore.QPointF | None = None
        self._hover_text = ""
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # ------------------------------------------------------------------ access for tests and export
    @property
    def panels(self) -> list[_Panel]:
        return [p for m in self.models for p in m.panels]

    def panel(self, model: int, layer: int) -> _Panel:
        return self.models[model].panels[layer]

    @property
    def images(self) -> list[pg.ImageItem]:
        return [p.image for p in self.panels]

    # ------------------------------------------------------------------ once per run
    def set_setup(self, setup: RunSetup) -> None:
        """Items for a new run: built anew when the shapes or the number of models changed, else
        the existing ones are emptied and relabelled (a reset costs milliseconds, not 100+)."""
        shape = (setup.layer_sizes, setup.size)
        if self._setup is not None and shape == (self._setup.layer_sizes, self._setup.size):
            self._refill(setup)
        else:
            self._build(setup)

    def _refill(self, setup: RunSetup) -> None:
        self._setup = setup
        for member, model in zip(setup.members, self.models):
            model.label, model.color = member_label(member), METHOD_COLORS.get(member.method, "#000000")
            model.sparsity, model.disconnected, model.diverged = None, 0, False
            self._update_model_title(model)
            for panel in model.panels:
                panel.matrix, panel.sparsity = None, None
                panel.image.setImage(np.zeros(panel.shape), autoLevels=False)
                self._update_heading(panel)
                if panel.marked != ((), ()):
                    self._mark(panel, (), ())
        self._hover_text = ""
        self.hover_label.setText(HOVER_HINT, color=AXIS_COLOR)
        self.invalidate()

    def _build(self, setup: RunSetup) -> None:
        self._setup = setup
        self.graphics.clear()
        self.models = []
        sizes = setup.layer_sizes
        shapes = list(zip(sizes[:-1], sizes[1:]))
        self.level = weight_level(sizes)
        grid_rows, grid_cols = grid_shape(len(shapes))
        k_models = setup.size
        self._grid_cols = grid_cols
        self._compact = self._wants_compact()

        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.caption = FreeWidthLabel(self._caption_text(), color=AXIS_COLOR, size="8pt")
        layout.addItem(self.caption, row=0, col=0, colspan=k_models + 1)

        for k, member in enumerate(setup.members):
            sub = layout.addLayout(row=1, col=k)
            sub.setContentsMargins(2, 0, 6, 0)
            sub.setSpacing(1)
            title = FreeWidthLabel("", size="10pt", bold=True)
            sub.addItem(title, row=0, col=0, colspan=grid_cols)
            model = _Model(label=member_label(member), color=METHOD_COLORS.get(member.method, "#000000"),
                           title=title)
            for l, (fan_in, fan_out) in enumerate(shapes):
                r, c = divmod(l, grid_cols)
                heading = FreeWidthLabel("", color=AXIS_COLOR, size="8.5pt")
                sub.addItem(heading, row=1 + 2 * r, col=c)
                plot = sub.addPlot(row=2 + 2 * r, col=c)
                # axis titles on the grid's left column and bottom row only: they say the same
                panel = self._make_panel(plot, heading, k, l, fan_in, fan_out, left_label=c == 0,
                                         bottom_label=r == grid_rows - 1 or l + grid_cols >= len(shapes))
                model.panels.append(panel)
            self.models.append(model)
            self._update_model_title(model)

        self.colorbar = pg.ColorBarItem(
            values=(-self.level, self.level), colorMap=self.colormap, interactive=False,
            width=14, colorMapMenu=False)
        for name in ("left", "right", "top", "bottom"):
            axis = self.colorbar.getAxis(name)
            axis.setPen(FRAME_COLOR)
            axis.setTextPen(AXIS_COLOR)
        self.colorbar.axis.setWidth(58)
        L = self.level
        self.colorbar.axis.setTicks([
            [(-L, f"≤ {-L:g}"), (0.0, "0 = off"), (L, f"≥ {L:g}")],
            [(-L / 2, f"{-L / 2:g}"), (L / 2, f"{L / 2:g}")],
        ])
        self.colorbar.getAxis("left").setLabel("weight w", color=AXIS_COLOR)
        self.colorbar.setImageItem(self.images)
        # Same colours, finer table: a table of more than 256 entries makes pyqtgraph map the colours
        # in numpy and hand Qt an RGBX image, which draws about twice as fast as the Indexed8 image
        # (with a 256-entry colour table rebuilt at every frame) that a 256-entry table gives.
        lut = self.colormap.getLookupTable(nPts=LUT_POINTS, alpha=False)
        for image in self.images:
            image.setLookupTable(lut)
        layout.addItem(self.colorbar, row=1, col=k_models)

        self.hover_label = FreeWidthLabel(HOVER_HINT, color=AXIS_COLOR, size="9pt")
        self._hover_text = ""
        layout.addItem(self.hover_label, row=2, col=0, colspan=k_models + 1)
        self.invalidate()

    def _make_panel(self, plot: pg.PlotItem, heading: pg.LabelItem, k: int, l: int, fan_in: int, fan_out: int,
                    left_label: bool, bottom_label: bool) -> _Panel:
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.vb.invertY(True)  # row 0 at the top, as a matrix is written
        font = QtGui.QFont()
        font.setPointSizeF(7.5)
        for name, count in (("left", fan_in), ("bottom", fan_out)):
            axis = plot.getAxis(name)
            axis.setPen(FRAME_COLOR)
            axis.setTextPen(AXIS_COLOR)
            axis.setStyle(tickFont=font, tickLength=-3, tickTextOffset=2)
            axis.setTicks(_index_ticks(count))
        plot.getAxis("left").setWidth(36 if left_label else 20)
        plot.getAxis("bottom").setHeight(32 if bottom_label else 16)

        image = pg.ImageItem(axisOrder="row-major")
        image.setLevels((-self.level, self.level))
        image.setColorMap(self.colormap)
        image.setImage(np.zeros((fan_in, fan_out)), autoLevels=False)
        plot.addItem(image)

        if max(fan_in, fan_out) <= MAX_GRID_CELLS:  # cell lines; on a big matrix they would hide it
            gx, gy = _cell_grid(fan_in, fan_out)
            grid = _static_path(_segments_path(gx, gy), pg.mkPen(GRID_COLOR, width=1))
            grid.setZValue(5)
            plot.addItem(grid)
        outline = QtGui.QPainterPath()
        outline.addRect(QtCore.QRectF(0, 0, fan_out, fan_in))
        frame = _static_path(outline, pg.mkPen(FRAME_COLOR, width=1))
        frame.setZValue(6)
        plot.addItem(frame)
        markers = _Markers()
        markers.setZValue(7)
        plot.addItem(markers)

        plot.disableAutoRange()
        panel = _Panel(model=k, layer=l, shape=(fan_in, fan_out), plot=plot, heading=heading, image=image,
                       markers=markers, left_label=left_label, bottom_label=bottom_label)
        self._update_axis_titles(panel)
        self._update_heading(panel)
        self._fit_range(panel)
        plot.vb.sigResized.connect(lambda _vb, panel=panel: self._fit_range(panel))
        return panel

    @staticmethod
    def _fit_range(panel: _Panel) -> None:
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
            WeightsView._mark(panel, *panel.marked)

    # ------------------------------------------------------------------ texts (full or compact)
    def _wants_compact(self) -> bool:
        """Short texts when a panel is narrower than a one-line heading and axis title need."""
        if self._setup is None:
            return False
        columns = self._setup.size * self._grid_cols
        return self.width() / (columns + 0.7) < COMPACT_PANEL_PX  # + 0.7: the colour bar

    def _caption_text(self) -> str:
        sep = "<br>" if self._compact else "  ·  "
        return (f"W[i, j]: row i = input neuron, column j = output neuron{sep}"
                f"white = off (|w| &lt; {analysis.SPARSITY_THRESHOLD:g})  ·  ▼ ▶ disconnected hidden neuron")

    def _update_axis_titles(self, panel: _Panel) -> None:
        if panel.left_label:
            text = "in i (row)" if self._compact else "input neuron i (row)"
            panel.plot.setLabel("left", text, color=AXIS_COLOR, size="8pt")
        if panel.bottom_label:
            text = "out j (col)" if self._compact else "output neuron j (column)"
            panel.plot.setLabel("bottom", text, color=AXIS_COLOR, size="8pt")

    def _update_heading(self, panel: _Panel) -> None:
        fan_in, fan_out = panel.shape
        title = f"W{panel.layer + 1}  {fan_in}×{fan_out}"
        if panel.sparsity is not None:
            title += ("<br>" if self._compact else "  ") + f"sparsity {panel.sparsity:.0f}%"
        if title != panel.title:
            panel.heading.setText(title)
            panel.title = title

    def _update_model_title(self, model: _Model) -> None:
        text, color = model.label, model.color
        if model.sparsity is not None:
            hidden = sum(self._setup.layer_sizes[1:-1])
            detail = f"sparsity {model.sparsity:.0f}%"
            if hidden:
                detail += f", {model.disconnected}/{hidden} " + (
                    "cut" if self._compact else "hidden neurons disconnected")
            two_lines = self._compact or self._setup.size > 1
            text += ("<br>" if two_lines else "  ") + f"<span style='font-weight:normal'>{detail}</span>"
        if model.diverged:
            text += "  — diverged"
            color = DIVERGED_COLOR
        if text != model.text:
            model.title.setText(text, color=color)
            model.text = text

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        compact = self._wants_compact()
        if compact == self._compact or self._setup is None:
            return
        self._compact = compact
        self.caption.setText(self._caption_text(), color=AXIS_COLOR)
        for model in self.models:
            self._update_model_title(model)
            for panel in model.panels:
                self._update_axis_titles(panel)
                self._update_heading(panel)

    # ------------------------------------------------------------------ every frame
    def render(self, state: LiveState) -> None:
        if state.setup is not self._setup:
            self.set_setup(state.setup)
        snap = state.snapshot
        if snap is None:
            return
        thr = analysis.SPARSITY_THRESHOLD
        members = state.members or self._setup.members
        for k, model in enumerate(self.models):
            weights = [w[k] for w in snap.weights]
            finite = all(np.isfinite(w).all() for w in weights)
            dead = analysis.disconnected_neurons(weights) if finite else [[] for _ in weights[1:]]
            for panel, w in zip(model.panels, weights):
                panel.matrix = w
                panel.image.setImage(w if finite else np.nan_to_num(w, nan=0.0, posinf=1e9, neginf=-1e9),
                                     autoLevels=False)
                l = panel.layer
                cols = tuple(dead[l]) if l < len(dead) else ()  # the hidden layer W[l] feeds
                rows = tuple(dead[l - 1]) if l >= 1 else ()  # the hidden layer W[l] reads
                panel.sparsity = 100.0 * float(np.mean(np.abs(w) < thr))
                self._update_heading(panel)
                if (rows, cols) != panel.marked:
                    self._mark(panel, rows, cols)
            member = members[k] if k < len(members) else self._setup.members[k]
            model.label = member_label(member)
            model.color = METHOD_COLORS.get(member.method, "#000000")
            model.sparsity = 100.0 * analysis.sparsity(weights)
            model.disconnected = sum(len(d) for d in dead)
            model.diverged = bool(snap.diverged[k]) if k < len(snap.diverged) else False
            self._update_model_title(model)
        self._show_hover()

    @staticmethod
    def _mark(panel: _Panel, rows: tuple, cols: tuple) -> None:
        mx, my = panel.margins
        above, left = -my / 2, -mx / 2  # the middle of the margins above and left of the matrix
        col_size, row_size = panel.marker_size
        cell_w, cell_h = panel.cell_px
        # pixel sizes to data units: a cell is 1 x 1, a margin of MARGIN_PX pixels is mx (or my) wide
        col_half = (0.5 * col_size / cell_w, 0.5 * col_size * my / MARGIN_PX)
        row_half = (0.5 * row_size * mx / MARGIN_PX, 0.5 * row_size / cell_h)
        panel.markers.place([(j + 0.5, above) for j in cols], [(left, i + 0.5) for i in rows], col_half, row_half)
        panel.marked = (rows, cols)

    # ------------------------------------------------------------------ hover
    def describe_at(self, scene_pos) -> str | None:
        """'layer l, w[i,j] = value' for the cell under a scene position, or None."""
        for panel in self.panels:
            if panel.matrix is None:
                continue
            if not panel.plot.vb.sceneBoundingRect().contains(scene_pos):
                continue
            p = panel.plot.vb.mapSceneToView(scene_pos)  # = image coordinates: the image sits at (0, 0)
            i, j = math.floor(p.y()), math.floor(p.x())
            fan_in, fan_out = panel.shape
            if not (0 <= i < fan_in and 0 <= j < fan_out):
                return None
            text = f"layer {panel.layer + 1}, w[{i},{j}] = {format_weight(float(panel.matrix[i, j]))}"
            if self._setup is not None and self._setup.size > 1:
                text += f"  ·  {self.models[panel.model].label}"
            return text
        return None

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        self._hover_pos = QtCore.QPointF(scene_pos)
        self._show_hover()

    def _show_hover(self) -> None:
        """Hover label and tooltip for the remembered mouse position (re-read at every frame, so a
        value under a still mouse keeps changing while the net trains)."""
        if self.hover_label is None or self._hover_pos is None:
            return
        text = self.describe_at(self._hover_pos) or ""
        if text == self._hover_text:
            return
        self._hover_text = text
        self.hover_label.setText(html.escape(text) or HOVER_HINT, color=AXIS_COLOR)
        self.graphics.setToolTip(text)


class _Markers(QtWidgets.QGraphicsPathItem):
    """Triangles at disconnected neurons, painted by Qt itself: a ScatterPlotItem's Python paint
    cost about half a millisecond per panel per frame. `data` holds the centres (x, y)."""

    def __init__(self):
        super().__init__()
        self.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.setBrush(pg.mkBrush(MARKER_COLOR))
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


def _static_path(path: QtGui.QPainterPath, pen: QtGui.QPen) -> QtWidgets.QGraphicsPathItem:
    """Lines that never change (cell grid, frame), drawn by Qt without a Python paint call."""
    item = QtWidgets.QGraphicsPathItem(path)
    item.setPen(pen)
    return item


def _segments_path(xs: np.ndarray, ys: np.ndarray) -> QtGui.QPainterPath:
    """A path of separate segments from point pairs (like connect="pairs")."""
    path = QtGui.QPainterPath()
    for i in range(0, len(xs) - 1, 2):
        path.moveTo(float(xs[i]), float(ys[i]))
        path.lineTo(float(xs[i + 1]), float(ys[i + 1]))
    return path
