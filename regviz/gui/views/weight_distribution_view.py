"""The weights canvas's second mode: the distribution of each model's weights over training, as a
heatmap of histogram (up) against step (across), so L1 piling weights onto 0 while L2 only narrows
them is visible over the whole run, not just at one moment.

Colour is the share of the model's weights in a bin, on a log scale (0.1 % to 100 %); an empty bin
shows the background. Two reference lines per model: the "off" threshold |w| < 0.01 the sparsity
figures count under (dotted, grey), and, for an L1 term under the subgradient rule, the band +-lr x
lambda where its "zero" weights chatter (dashed, the model's colour): past lambda ~ 0.01 / lr that
band is wider than the threshold, which is why a sweep's L1 "sparsity" falls again at large lambda.
"Log near 0" spreads |w| over decades (1e-4 to 10) with a middle bin for |w| < 1e-4, where the
exact zeros of the clip and proximal rules land.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core import analysis
from regviz.gui.session import LiveState, RunSetup, member_label
from regviz.gui.views.base import CanvasView, axis_label, style_plot
from regviz.gui.views.items import WrapLabel
from regviz.gui.weight_distribution import (LOG_CEILING, LOG_FLOOR, Binning, all_weights,
                                            chatter_band, histogram_limit, linear_binning, log_binning, symlog)

SHARE_FLOOR_DECADES = 3  # colours span shares from 10^-3 (0.1 %) to 1
MAX_COLUMNS = 400
CAPTION = ("Up: weight w. Colour: share of the model's weights per bin, step by step. "
           f"Grey dots: |w| = {analysis.SPARSITY_THRESHOLD:g} (below: off).")
BAND_NOTE = " Dashes: ±lr·λ, where the subgradient rule's zeros chatter."


def share_colors(shares: np.ndarray, colormap: pg.ColorMap) -> np.ndarray:
    """RGBA bytes for shares in [0, 1]: log-scaled colours from 0.1 % up, transparent where empty."""
    with np.errstate(divide="ignore"):
        level = (np.log10(np.maximum(shares, 10.0 ** -SHARE_FLOOR_DECADES)) + SHARE_FLOOR_DECADES) / SHARE_FLOOR_DECADES
    rgba = colormap.map(level.ravel(), mode="byte").reshape(shares.shape + (4,))
    rgba[shares <= 0, 3] = 0
    return rgba


def display_rows(binning: Binning) -> np.ndarray:
    """For each row of the drawn image (equal heights), the bin it shows: the log binning's middle
    bin is taller than the others and spans several rows."""
    edges = binning.display_edges
    height = float(np.min(np.diff(edges)))
    rows = int(round((edges[-1] - edges[0]) / height))
    centres = edges[0] + (np.arange(rows) + 0.5) * (edges[-1] - edges[0]) / rows
    return np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, binning.bins - 1)


def log_ticks() -> list[list[tuple[float, str]]]:
    """Major ticks (always labelled): about 0, +-0.01 (the "off" threshold) and +-1; minor ticks
    (labelled when there is room): the other decades."""
    major = [(0.0, "≈0")]
    minor = []
    low, high = int(round(np.log10(LOG_FLOOR))), int(round(np.log10(LOG_CEILING)))
    for d in range(low + 1, high + 1):
        value = 10.0 ** d
        pair = [(float(symlog(value)), f"{value:g}"), (float(symlog(-value)), f"-{value:g}")]
        (major if d in (-2, 0) else minor).extend(pair)
    return [major, minor]


class _ModelPlot:
    def __init__(self, index: int, plot: pg.PlotItem, title: WrapLabel, image: pg.ImageItem,
                 band: tuple[pg.InfiniteLine, pg.InfiniteLine]):
        self.index, self.plot, self.title, self.image, self.band = index, plot, title, image, band
        self.text = ""
        self.x_range: tuple[float, float] | None = None


class WeightDistributionView(CanvasView):
    title = "Weight distribution over time"

    def __init__(self, parent=None):
        super().__init__("weightDistributionCanvas", parent)
        self.graphics.setBackground(self.theme.background)
        self.colormap = pg.colormap.get("viridis")
        self.log_check = QtWidgets.QCheckBox("Log scale near 0", objectName="weightDistributionLogCheck")
        self.log_check.setToolTip(f"Spread |w| over decades from {LOG_FLOOR:g} to {LOG_CEILING:g}; the middle band "
                                  f"holds |w| < {LOG_FLOOR:g}, where exact zeros land.")
        self.log_check.toggled.connect(lambda _on: self.rebuild())
        self.controls.addWidget(self.log_check)
        self.controls.addStretch(1)
        self.models: list[_ModelPlot] = []
        self.caption: WrapLabel | None = None
        self.colorbar: pg.ColorBarItem | None = None
        self._setup: RunSetup | None = None
        self._state: LiveState | None = None

    @property
    def log(self) -> bool:
        return self.log_check.isChecked()

    def figure_title(self) -> str:
        return "the weight distribution over time" + (" (log scale near 0)" if self.log else "")

    def set_setup(self, setup: RunSetup) -> None:
        self._setup = setup
        self._state = None
        self.rebuild()

    def rebuild(self) -> None:
        if self._setup is None:
            return
        setup, theme = self._setup, self.theme
        self.graphics.clear()
        self.models = []
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        columns = 1 if setup.size <= 2 else 2
        rows = -(-setup.size // columns)
        self.caption = WrapLabel(CAPTION, color=theme.muted, size=theme.pt(8))
        layout.addItem(self.caption, row=0, col=0, colspan=columns + 1)
        binning = self._binning()
        low, high = binning.display_edges[0], binning.display_edges[-1]
        for k, member in enumerate(setup.members):
            r, c = divmod(k, columns)
            title = WrapLabel("", size=theme.pt(9), bold=True)
            layout.addItem(title, row=1 + 2 * r, col=c)
            plot = layout.addPlot(row=2 + 2 * r, col=c)
            style_plot(plot, theme)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setYRange(low, high, padding=0)
            if binning.log:
                plot.getAxis("left").setTicks(log_ticks())
            if r == rows - 1 or k + columns >= setup.size:
                axis_label(plot, "bottom", "step", theme)
            image = pg.ImageItem()
            plot.addItem(image)
            off = analysis.SPARSITY_THRESHOLD
            for value in (-off, off):  # where "off" ends, for every model
                plot.addItem(pg.InfiniteLine(binning.to_display(value), angle=0, movable=False,
                                             pen=pg.mkPen(theme.muted, width=theme.width(1.2),
                                                          style=QtCore.Qt.PenStyle.DotLine)))
            band_pen = pg.mkPen(theme.method_color(member.method), width=theme.width(1.6),
                                style=QtCore.Qt.PenStyle.DashLine)
            band = tuple(pg.InfiniteLine(0.0, angle=0, movable=False, pen=band_pen) for _ in range(2))
            for line in band:
                line.setVisible(False)
                plot.addItem(line)
            self.models.append(_ModelPlot(k, plot, title, image, band))
        self.colorbar = pg.ColorBarItem(values=(-SHARE_FLOOR_DECADES, 0), colorMap=self.colormap, interactive=False,
                                        width=12 * theme.font_scale, colorMapMenu=False)
        font = QtGui.QFont()
        font.setPointSizeF(8 * theme.font_scale)
        axis = self.colorbar.axis
        axis.setPen(theme.frame)
        axis.setTextPen(theme.foreground)
        axis.setStyle(tickFont=font)
        axis.setTicks([[(-3.0, "0.1%"), (-2.0, "1%"), (-1.0, "10%"), (0.0, "100%")]])
        axis.setLabel("share of weights", color=theme.foreground, size=theme.pt(9))
        layout.addItem(self.colorbar, row=1, col=columns, rowspan=2 * rows)
        self.fit_layout()
        self.invalidate()
        if self._state is not None:
            self.render(self._state)

    def _binning(self) -> Binning:
        return log_binning() if self.log else linear_binning(histogram_limit(self._setup.layer_sizes))

    def render(self, state: LiveState) -> None:
        if self._setup is None or not self.models:
            return
        self._state = state
        history = state.weights_over_time
        binning = history.binning(self.log)
        rows = display_rows(binning)
        low, high = binning.display_edges[0], binning.display_edges[-1]
        steps = history.steps
        live_last = float(steps[-1]) if len(steps) else 0.0
        for model in self.models:
            width = model.plot.vb.width() if model.plot.vb.width() > 0 else MAX_COLUMNS
            columns = int(np.clip(width, 50, MAX_COLUMNS))
            shares, first, last = history.resampled(model.index, self.log, columns, up_to=state.step)
            if len(shares):
                model.image.setImage(share_colors(shares[:, rows], self.colormap), autoLevels=False)
                model.image.setRect(QtCore.QRectF(first, low, last - first, high - low))
            x_range = (first, max(live_last, last, first + 1.0))
            if x_range != model.x_range:
                model.plot.setXRange(*x_range, padding=0)
                model.x_range = x_range
            self._update_model(model, state, binning)
        self._update_caption(state)

    def _update_caption(self, state) -> None:
        banded = any(chatter_band(member) is not None for member in state.members)
        text = CAPTION + (BAND_NOTE if banded else "")
        if self.caption is not None and text != self.caption.text:
            self.caption.setText(text)

    def _update_model(self, model: _ModelPlot, state, binning: Binning) -> None:
        member = state.members[model.index]
        band = chatter_band(member)
        for line, sign in zip(model.band, (-1.0, 1.0)):
            line.setVisible(band is not None)
            if band is not None:
                line.setValue(binning.to_display(sign * band))
        text = html.escape(member_label(member))
        if state.snapshot is not None:
            weights = all_weights(state.snapshot, model.index)
            off = float(np.mean(np.abs(weights) < analysis.SPARSITY_THRESHOLD)) * 100
            text += f" · <span style='font-weight:normal'>{off:.0f}% off"
            if band is not None:
                text += f" · dashes ±{band:.2g}"
            text += "</span>"
        if text != model.text:
            model.title.setText(text, color=self.theme.method_color(member.method))
            model.text = text
