"""Pruning, before and after side by side: one run's weight matrices as heatmaps (the Live
weights canvas's panels: same colours, same triangles at disconnected neurons) for the net L1
trained and for the pruned net retrained from the same seed. A disconnected neuron's column (in the
matrix that feeds it) and row (in the matrix it feeds) are also hatched and outlined: those are
what pruning removes."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.analysis import SPARSITY_THRESHOLD
from regviz.gui.experiment_rows import format_error, layers_text, method_label
from regviz.gui.prune_math import panel_marks
from regviz.gui.views.base import CanvasView
from regviz.gui.views.items import WrapLabel
from regviz.gui.views.weights_items import weight_colorbar
from regviz.gui.views.weights_panel import HeatmapPanel, diverging_colormap, make_panel, mark
from regviz.gui.weights_math import grid_shape, weight_level

LEGEND = (f"▼ ▶ and hatching: a disconnected hidden neuron (all its incoming or all its outgoing |w| &lt; "
          f"{SPARSITY_THRESHOLD:g}): pruning removes it · white = off · rows: input neuron i, columns: output j")


def hatch_path(rows: tuple, cols: tuple, shape: tuple[int, int]) -> QtGui.QPainterPath:
    """A diagonal in every cell of the marked rows and columns, and an outline around each: drawn as
    lines in the matrix's own units, so they stay crisp at any size and in SVG."""
    fan_in, fan_out = shape
    path = QtGui.QPainterPath()
    cells = {(i, j) for j in cols for i in range(fan_in)} | {(i, j) for i in rows for j in range(fan_out)}
    for i, j in sorted(cells):
        path.moveTo(j, i + 1)
        path.lineTo(j + 1, i)
    for j in cols:
        path.addRect(QtCore.QRectF(j, 0, 1, fan_in))
    for i in rows:
        path.addRect(QtCore.QRectF(0, i, fan_out, 1))
    return path


def run_matrices(run: dict) -> list[np.ndarray]:
    """A run's weight matrices as float arrays (a diverged run's null entries become NaN)."""
    return [np.array([[np.nan if v is None else v for v in row] for row in w], dtype=float) for w in run["weights"]]


class PruneView(CanvasView):
    title = "Pruning"

    def __init__(self, parent=None):
        super().__init__("pruneCanvas", parent)
        self.graphics.setBackground(self.theme.background)
        self.colormap = diverging_colormap()
        self.before: dict | None = None
        self.after: dict | None = None
        self.panels: dict[str, list[HeatmapPanel]] = {"before": [], "after": []}
        self.hatches: dict[str, list[QtWidgets.QGraphicsPathItem]] = {"before": [], "after": []}
        self.colorbar: pg.ColorBarItem | None = None
        self.level = 1.0
        self.rebuild()

    def set_runs(self, before: dict | None, after: dict | None) -> None:
        """The runs to draw: one of the first stage and the same seed's retrained run (or None)."""
        self.before, self.after = before, after
        self.rebuild()

    def rebuild(self) -> None:
        theme = self.theme
        self.graphics.clear()
        self.panels = {"before": [], "after": []}
        self.hatches = {"before": [], "after": []}
        self.colorbar = None
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        if self.before is None:
            layout.addItem(WrapLabel("Train with L1: its weights appear here, the neurons it disconnected marked; "
                                     "then retrain the smaller net and compare.", color=theme.muted,
                                     size=theme.pt(9)), row=0, col=0)
            self.fit_layout()
            return
        layout.addItem(WrapLabel(LEGEND, color=theme.muted, size=theme.pt(8)), row=0, col=0, colspan=2)
        runs = [("before", self.before), ("after", self.after)]
        sizes = [tuple(run["layer_sizes"]) for _, run in runs if run is not None]
        self.level = max(weight_level(s) for s in sizes)
        for col, (stage, run) in enumerate(runs):
            sub = layout.addLayout(row=1, col=col)
            sub.setContentsMargins(2, 0, 6, 2)
            sub.setSpacing(1)
            layout.layout.setColumnStretchFactor(col, 1)
            if run is None:
                sub.addItem(WrapLabel("After: type the hidden sizes above and retrain; the pruned net appears "
                                      "here.", color=theme.muted, size=theme.pt(9)), row=0, col=0)
                continue
            self._add_model(sub, stage, run)
        images = [p.image for stage in self.panels.values() for p in stage]
        self.colorbar = weight_colorbar(self.colormap, self.level, theme, "horizontal", halves=False)
        self.colorbar.axis.setHeight(22 * theme.font_scale)
        self.colorbar.setImageItem(images)
        bar_row = layout.addLayout(row=2, col=0, colspan=2)
        bar_row.setContentsMargins(0, 0, 0, 0)
        bar_row.addItem(WrapLabel("weight w", color=theme.foreground, size=theme.pt(8.5), justify="right"),
                        row=0, col=0)
        bar_row.addItem(self.colorbar, row=0, col=1)
        bar_row.layout.setColumnStretchFactor(0, 1)
        bar_row.layout.setColumnStretchFactor(1, 3)
        self.fit_layout()

    def _add_model(self, sub: pg.GraphicsLayout, stage: str, run: dict) -> None:
        theme = self.theme
        matrices = run_matrices(run)
        shapes = [m.shape for m in matrices]
        rows, cols = grid_shape(len(shapes))
        dead = run["disconnected_by_layer"]
        hidden = sum(run["layer_sizes"][1:-1])
        error = "diverged" if run["diverged"] else f"test error {format_error(run['test_total_abs_error'])}"
        title = (f"{'Before' if stage == 'before' else 'After'}: {layers_text(run['layer_sizes'])} · "
                 f"{method_label(run['method'])} · seed {run['seed']} · {error} · "
                 f"<span style='font-weight:normal'>{run['disconnected_neurons']}/{hidden} hidden neurons "
                 f"disconnected</span>")
        sub.addItem(WrapLabel(title, color=theme.method_color(run["method"]), size=theme.pt(9), bold=True),
                    row=0, col=0, colspan=cols)
        for layer, matrix in enumerate(matrices):
            r, c = divmod(layer, cols)
            off = 100.0 * float(np.mean(np.abs(np.nan_to_num(matrix, nan=1.0)) < SPARSITY_THRESHOLD))
            heading = WrapLabel(html.escape(f"W{layer + 1} {shapes[layer][0]}×{shapes[layer][1]} · {off:.0f}% off"),
                                color=theme.foreground, size=theme.pt(8))
            sub.addItem(heading, row=1 + 2 * r, col=c)
            plot = sub.addPlot(row=2 + 2 * r, col=c)
            last_row = r == rows - 1 or layer + cols >= len(shapes)
            panel = make_panel(plot, heading, theme, self.level, self.colormap, 0 if stage == "before" else 1,
                               layer, shapes[layer], left_title=c == 0, bottom_title=last_row)
            panel.matrix = matrix
            panel.image.setImage(np.nan_to_num(matrix, nan=0.0), autoLevels=False)
            marked_rows, marked_cols = panel_marks(dead, layer)
            mark(panel, marked_rows, marked_cols)
            hatch = QtWidgets.QGraphicsPathItem(hatch_path(marked_rows, marked_cols, shapes[layer]))
            color = pg.mkColor(theme.foreground)
            color.setAlpha(150)
            hatch.setPen(pg.mkPen(color, width=1))
            hatch.setZValue(6.5)
            plot.addItem(hatch)
            self.panels[stage].append(panel)
            self.hatches[stage].append(hatch)

    def vector_cells(self, on: bool) -> None:
        """Cells as vector rectangles while an SVG is written (as the Live weights canvas does)."""
        lut = self.colormap.getLookupTable(nPts=512, alpha=True)
        for panel in (p for stage in self.panels.values() for p in stage):
            if on and panel.matrix is not None:
                scaled = np.clip((np.nan_to_num(panel.matrix) + self.level) / (2 * self.level), 0.0, 1.0)
                panel.cells.set_colors(lut[np.round(scaled * 511).astype(int)])
            panel.cells.setVisible(on and panel.matrix is not None)
            panel.image.setVisible(not (on and panel.matrix is not None))

    def figure_title(self) -> str:
        return "pruning: weights before and after"
