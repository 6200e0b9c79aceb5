"""The weights canvas: one heatmap per weight matrix, so L1 switching neurons off is visible.

Each model gets a grid of panels (2x2 for the reference net's four matrices, as in the article).
In compare mode the models' grids are laid out side by side or in rows, whichever keeps the cells
biggest; when not all fit with cells of at least 8 px (weights_math.arrange_models), the control
row offers "Show:" toggles to pick which. A panel shows W[l] as stored by the engine, [in, out]:
row i = input neuron, column j = output neuron.

One fixed, symmetric blue-white-red scale serves every panel and model, with a single colour bar:
its limit L is chosen once per run (the largest Xavier/Glorot bound of the net, rounded up to 0.1)
and never follows the data, so frames are comparable and a weight near 0 always reads as white
("off"). A hidden neuron that analysis.disconnected_neurons finds cut off is marked with a small
triangle on its column of the incoming matrix and on its row of the outgoing matrix.

Items are built once per run (set_setup), or again when the arrangement changes with the size;
render() only calls setImage on every panel and, when texts or marks changed, updates them.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from regviz.core import analysis
from regviz.gui.session import LiveState, RunSetup, member_label
from regviz.gui.views.base import CanvasView
from regviz.gui.views.items import HintLabel, WrapLabel
from regviz.gui.views.weights_items import weight_colorbar
from regviz.gui.views.weights_panel import HeatmapPanel, diverging_colormap, make_panel, mark
from regviz.gui.weights_math import (MIN_CELL_PX, Arrangement, Overheads, arrange_models, column_widths,
                                    format_weight, row_heights, weight_level, without_header)

LUT_POINTS = 512
HOVER_HINT = "hover over a cell to read its weight"
HOVER_HINTS = (HOVER_HINT, "hover a cell: its weight", "")  # the longest that fits the row is shown
CAPTION_MIN_HEIGHT = 460  # px: below this the caption line goes to the tooltip
CAPTION = (f"W[i, j]: row i = input neuron (in), column j = output neuron (out) · white = off: |w| &lt; "
           f"{analysis.SPARSITY_THRESHOLD:g} · ▼ ▶ a disconnected hidden neuron")


@dataclass
class _Model:
    index: int
    label: str
    color: str
    title: WrapLabel
    panels: list[HeatmapPanel] = field(default_factory=list)
    sparsity: float | None = None  # percent, over every matrix
    disconnected: int = 0
    diverged: bool = False
    text: str = ""


class WeightsView(CanvasView):
    title = "Weights"

    def __init__(self, parent=None):
        super().__init__("weightsCanvas", parent)
        self.graphics.setBackground(self.theme.background)
        self.colormap = diverging_colormap()
        self.level = 1.0
        self.colorbar: pg.ColorBarItem | None = None
        self.caption: WrapLabel | None = None
        self.models: list[_Model] = []  # the models shown
        self._setup: RunSetup | None = None
        self._state: LiveState | None = None
        self._arrangement: Arrangement | None = None
        self._cap: int | None = None  # at most this many models: more measured cells below the minimum
        self._caption_shown = False
        self._priority: list[int] = []  # every model, the ones to show first (the user's picks) first
        self._hover_pos: QtCore.QPointF | None = None
        self._hover_text = ""
        # the hover read-out lives in the control row: no room taken from the cells, and never exported
        self.hover_label = HintLabel(HOVER_HINTS, objectName="weightsHoverLabel")
        self.hover_label.setMinimumWidth(10)
        self.hover_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.show_label = QtWidgets.QLabel("Show:")
        self.show_buttons: list[QtWidgets.QToolButton] = []
        self.controls.addWidget(self.show_label)
        self._buttons_row = QtWidgets.QHBoxLayout()
        self.controls.addLayout(self._buttons_row)
        self.controls.addStretch(1)
        self.controls.addWidget(self.hover_label, 100)
        self.show_label.setVisible(False)
        self._relayout = QtCore.QTimer(self, singleShot=True, interval=120)
        self._relayout.timeout.connect(self._rearrange_if_needed)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # ------------------------------------------------------------------ access for tests and export
    @property
    def panels(self) -> list[HeatmapPanel]:
        return [p for m in self.models for p in m.panels]

    def panel(self, model: int, layer: int) -> HeatmapPanel:
        return self.models[model].panels[layer]

    @property
    def images(self) -> list[pg.ImageItem]:
        return [p.image for p in self.panels]

    @property
    def shown(self) -> list[int]:
        return [m.index for m in self.models]


    # ------------------------------------------------------------------ once per run
    def set_setup(self, setup: RunSetup) -> None:
        """Items for a new run: built anew when the shapes or the number of models changed, else
        the existing ones are emptied and relabelled (a reset costs milliseconds, not 100+)."""
        same = self._setup is not None and (setup.layer_sizes, setup.size) == (self._setup.layer_sizes, self._setup.size)
        if same and self.models:
            self._refill(setup)
        else:
            if len(self._priority) != setup.size:
                self._priority = list(range(setup.size))
            self._build(setup)

    def rebuild(self) -> None:
        if self._setup is not None:
            self._build(self._setup)
            if self._state is not None:
                self.render(self._state)

    def _refill(self, setup: RunSetup) -> None:
        self._setup = setup
        for model in self.models:
            member = setup.members[model.index]
            model.label, model.color = member_label(member), self.theme.method_color(member.method)
            model.sparsity, model.disconnected, model.diverged = None, 0, False
            self._update_model_title(model)
            for panel in model.panels:
                panel.matrix, panel.sparsity = None, None
                panel.image.setImage(np.zeros(panel.shape), autoLevels=False)
                self._update_heading(panel)
                if panel.marked != ((), ()):
                    mark(panel, (), ())
        self._set_hover("")
        self.invalidate()

    def _fit_arrangement(self, setup: RunSetup) -> Arrangement:
        shapes = list(zip(setup.layer_sizes[:-1], setup.layer_sizes[1:]))
        overheads = Overheads().scaled(self.theme.font_scale)
        if self.height() < CAPTION_MIN_HEIGHT * self.theme.font_scale:
            overheads = without_header(overheads)  # the caption is then the tooltip
        # the canvas's own size (its plot area is not laid out until it is shown), less the controls
        height = self.height() - self.controls.sizeHint().height() - 2
        models = setup.size if self._cap is None else min(setup.size, self._cap)
        return arrange_models(models, shapes, self.width(), height, overheads)

    def _build(self, setup: RunSetup) -> None:
        self._setup = setup
        theme = self.theme
        self.graphics.clear()
        self.models = []
        sizes = setup.layer_sizes
        shapes = list(zip(sizes[:-1], sizes[1:]))
        self.level = weight_level(sizes)
        arrangement = self._arrangement = self._fit_arrangement(setup)
        grid_rows, grid_cols = arrangement.grid
        across, bar_below, model_rows = arrangement.across, arrangement.bar_below, arrangement.model_rows
        visible = sorted(self._priority[:arrangement.shown])
        self._update_show_buttons(setup, visible)

        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.caption = WrapLabel(CAPTION, color=theme.muted, size=theme.pt(8))
        self.graphics.setToolTip(CAPTION.replace("&lt;", "<"))
        self._caption_shown = self.height() >= CAPTION_MIN_HEIGHT * theme.font_scale
        if self._caption_shown:  # on a small canvas the cells need the room: the caption is the tooltip
            layout.addItem(self.caption, row=0, col=0, colspan=across + (0 if bar_below else 1))
        for position, k in enumerate(visible):
            member = setup.members[k]
            r, c = divmod(position, across)
            sub = layout.addLayout(row=1 + r, col=c)
            sub.setContentsMargins(2, 0, 6, 4)
            sub.setSpacing(1)
            # columns and rows share the space in proportion to their cells (weights_math)
            for column, cells in enumerate(column_widths(shapes, arrangement.grid)):
                sub.layout.setColumnStretchFactor(column, cells)
            for grid_row, cells in enumerate(row_heights(shapes, arrangement.grid)):
                sub.layout.setRowStretchFactor(2 + 2 * grid_row, cells)
            title = WrapLabel("", size=theme.pt(9.5), bold=True)
            sub.addItem(title, row=0, col=0, colspan=grid_cols)
            model = _Model(index=k, label=member_label(member), color=theme.method_color(member.method), title=title)
            for l, (fan_in, fan_out) in enumerate(shapes):
                pr, pc = divmod(l, grid_cols)
                heading = WrapLabel("", color=theme.foreground, size=theme.pt(8))
                sub.addItem(heading, row=1 + 2 * pr, col=pc)
                plot = sub.addPlot(row=2 + 2 * pr, col=pc)
                last_row = pr == grid_rows - 1 or l + grid_cols >= len(shapes)
                panel = make_panel(plot, heading, theme, self.level, self.colormap, k, l, (fan_in, fan_out),
                                   left_title=c == 0 and pc == 0, bottom_title=r == model_rows - 1 and last_row)
                self._update_heading(panel)
                model.panels.append(panel)
            self.models.append(model)
            self._update_model_title(model)

        # the colour bar under the grids or at their right, whichever leaves bigger cells
        orientation = "horizontal" if bar_below else "vertical"
        self.colorbar = weight_colorbar(self.colormap, self.level, theme, orientation)
        if bar_below:
            self.colorbar.axis.setHeight(22 * theme.font_scale)
        else:
            self.colorbar.axis.setWidth(58 * theme.font_scale)
            self.colorbar.axis.setLabel("weight w", color=theme.foreground, size=theme.pt(9))
        self.colorbar.setImageItem(self.images)
        # Same colours, finer table: a table of more than 256 entries makes pyqtgraph map the colours
        # in numpy and hand Qt an RGBX image, which draws about twice as fast as the Indexed8 image
        # (with a 256-entry colour table rebuilt at every frame) that a 256-entry table gives.
        lut = self.colormap.getLookupTable(nPts=LUT_POINTS, alpha=False)
        for image in self.images:
            image.setLookupTable(lut)
        if bar_below:
            bar_row = layout.addLayout(row=1 + model_rows, col=0, colspan=across)
            bar_row.setContentsMargins(0, 0, 0, 0)
            bar_title = WrapLabel("weight w", color=theme.foreground, size=theme.pt(8.5), justify="right")
            bar_row.addItem(bar_title, row=0, col=0)
            bar_row.addItem(self.colorbar, row=0, col=1)
            bar_row.layout.setColumnStretchFactor(0, 1)
            bar_row.layout.setColumnStretchFactor(1, 3)
        else:
            layout.addItem(self.colorbar, row=1, col=across, rowspan=model_rows)
        self._set_hover("")
        self.fit_layout()
        self.invalidate()
        self._relayout.start()  # check the cells once laid out

    # ------------------------------------------------------------------ which models, at what size
    def _update_show_buttons(self, setup: RunSetup, visible: list[int]) -> None:
        for button in self.show_buttons:
            self._buttons_row.removeWidget(button)
            button.hide()  # at once: deleteLater waits for the event loop
            button.deleteLater()
        self.show_buttons = []
        shown = len(visible)
        needed = shown < setup.size
        self.show_label.setVisible(needed)
        if not needed:
            return
        tip = f"Room for {shown} of the {setup.size} models at this size (cells of at least 8 px): pick which."
        self.show_label.setToolTip(tip)
        for k, member in enumerate(setup.members):
            button = QtWidgets.QToolButton(objectName=f"showModel{k}")
            button.setText(member_label(member).split(" λ")[0])
            button.setCheckable(True)
            button.setChecked(k in visible)
            button.setToolTip(tip)
            button.toggled.connect(lambda on, k=k: self._on_show_toggled(k, on))
            self._buttons_row.addWidget(button)
            self.show_buttons.append(button)

    def _on_show_toggled(self, k: int, on: bool) -> None:
        """A model picked goes first (the one shown longest makes room), one dropped goes last."""
        self._priority.remove(k)
        self._priority.insert(0, k) if on else self._priority.append(k)
        QtCore.QTimer.singleShot(0, self.rebuild)

    def resizeEvent(self, event) -> None:
        grown = event.oldSize().width() < event.size().width() or event.oldSize().height() < event.size().height()
        super().resizeEvent(event)
        if grown:
            self._cap = None  # more room: try every model again
        if self._setup is not None:
            self._relayout.start()  # once the resizing settles

    def _rearrange_if_needed(self) -> None:
        """After a resize settles: lay out anew if another arrangement fits better, and show one
        model fewer if the cells really drawn came out smaller than the minimum."""
        if self._setup is None or self._arrangement is None:
            return
        cells = [min(p.cell_px) for p in self.panels]
        if cells and min(cells) < MIN_CELL_PX - 0.05 and len(self.models) > 1 and self.isVisible():
            self._cap = len(self.models) - 1
            self.rebuild()
        elif self._fit_arrangement(self._setup).key != self._arrangement.key:
            self.rebuild()

    # ------------------------------------------------------------------ texts
    def _update_heading(self, panel: HeatmapPanel) -> None:
        fan_in, fan_out = panel.shape
        title = f"W{panel.layer + 1} {fan_in}×{fan_out}"
        if panel.sparsity is not None:  # "off": |w| < 0.01, as the caption says
            title += f" · {panel.sparsity:.0f}% off"
        if title != panel.title:
            panel.heading.setText(title)
            panel.title = title

    def _update_model_title(self, model: _Model) -> None:
        text, color = html.escape(model.label), model.color
        if model.sparsity is not None:
            hidden = sum(self._setup.layer_sizes[1:-1])
            detail = f"{model.sparsity:.0f}% off"
            if hidden:
                detail += f", {model.disconnected}/{hidden} hidden neurons disconnected"
            text += f" · <span style='font-weight:normal'>{detail}</span>"  # wraps where narrow
        if model.diverged:
            text += "  — diverged"
            color = self.theme.diverged
        if text != model.text:
            model.title.setText(text, color=color)
            model.text = text

    # ------------------------------------------------------------------ every frame
    def render(self, state: LiveState) -> None:
        if state.setup is not self._setup:
            self.set_setup(state.setup)
        self._state = state
        snap = state.snapshot
        if snap is None:
            return
        thr = analysis.SPARSITY_THRESHOLD
        members = state.members or self._setup.members
        for model in self.models:
            k = model.index
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
                    mark(panel, rows, cols)
            member = members[k] if k < len(members) else self._setup.members[k]
            model.label = member_label(member)
            model.color = self.theme.method_color(member.method)
            model.sparsity = 100.0 * analysis.sparsity(weights)
            model.disconnected = sum(len(d) for d in dead)
            model.diverged = bool(snap.diverged[k]) if k < len(snap.diverged) else False
            self._update_model_title(model)
        self._show_hover()
        if len(self.models) > 1 and min(min(p.cell_px) for p in self.panels) < MIN_CELL_PX - 0.05:
            self._relayout.start()  # longer titles took room from the cells: check again

    # ------------------------------------------------------------------ SVG
    def vector_cells(self, on: bool) -> None:
        """Cells as vector rectangles (while an SVG is written) or as the fast image (on screen)."""
        lut = self.colormap.getLookupTable(nPts=LUT_POINTS, alpha=True)
        for panel in self.panels:
            if on and panel.matrix is not None:
                scaled = np.clip((np.nan_to_num(panel.matrix) + self.level) / (2 * self.level), 0.0, 1.0)
                panel.cells.set_colors(lut[np.round(scaled * (LUT_POINTS - 1)).astype(int)])
            panel.cells.setVisible(on and panel.matrix is not None)
            panel.image.setVisible(not (on and panel.matrix is not None))

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
                text += f"  ·  {next(m.label for m in self.models if m.index == panel.model)}"
            return text
        return None

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        self._hover_pos = QtCore.QPointF(scene_pos)
        self._show_hover()

    def _show_hover(self) -> None:
        """The read-out for the remembered mouse position (re-read at every frame, so a value under
        a still mouse keeps changing while the net trains)."""
        if self._hover_pos is not None:
            self._set_hover(self.describe_at(self._hover_pos) or "")

    def _set_hover(self, text: str) -> None:
        if text != self._hover_text or not self.hover_label.text():
            self._hover_text = text
            self.hover_label.show_text(text)
            self.graphics.setToolTip(text or CAPTION.replace("&lt;", "<"))

