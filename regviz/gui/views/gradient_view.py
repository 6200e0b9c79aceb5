"""The Gradients canvas: how much gradient reaches each layer of a deep net, per activation, and the
activation derivatives f'(z) that multiply it on the way back.

Top left: mean |dL/dW| per hidden layer (log scale), now (bold) and at step 0 (faint). Bottom left:
the gradient reaching layer 1 over training. Right: per layer, the spread of f'(z) over every unit
and training input (a bar from the 10th to the 90th percentile, a marker at the mean), with the
largest value f' can take (1/4 for sigmoid, 1 for tanh, ReLU and ELU) dotted. Under it all, a
caption with the current numbers. Each activation has its colour, dash pattern and marker; the
legend sits above the plots.

Unlike the Live canvases it is fed GradientFrames (show_frame), not LiveStates.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from regviz.core.deep_gradients import ACTIVATION_NAMES, FPRIME_MAX, GradientFrame
from regviz.gui.gradient_math import (ACTIVATION_LABEL, ACTIVATION_LOOK, ACTIVATION_SYMBOL, GradientHistory, dodge,
                                      log_range, positive_or_nan, what_is_seen)
from regviz.gui.views.base import CanvasView, axis_label, method_pen, style_plot
from regviz.gui.views.items import FlowLegend, WrapLabel

FPRIME_TOP = 1.1  # the f'(z) plot's y range is [0, FPRIME_TOP]


class GradientView(CanvasView):
    title = "Gradients"

    def __init__(self, parent=None):
        super().__init__("gradientCanvas", parent)
        self.activations: tuple[str, ...] = ACTIVATION_NAMES
        self.depth = 8
        self.frame: GradientFrame | None = None
        self.start: GradientFrame | None = None  # this run's step-0 frame, drawn faint
        self.history = GradientHistory()
        self._diverged_key: tuple | None = None
        self._ranges: dict[str, tuple[float, float]] = {}
        self._build()

    # ------------------------------------------------------------------ building
    def set_run(self, activations: tuple[str, ...], depth: int) -> None:
        """A new run (a reset): no frame yet, the history starts over. The items are built again
        only for other activations (a rebuild takes ~0.3 s; a new depth only needs new ticks)."""
        rebuild = tuple(activations) != self.activations
        self.activations, self.depth = tuple(activations), int(depth)
        self.frame = self.start = None
        self.history.clear()
        self._diverged_key, self._ranges = None, {}
        if rebuild:
            self._build()
        else:
            self._set_layer_axes()

    def rebuild(self) -> None:
        self._build()
        if self.frame is not None:
            self._draw()

    def _build(self) -> None:
        theme = self.theme
        self.graphics.clear()
        self.graphics.setBackground(theme.background)
        self._diverged_key = None
        self._ranges = {}
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.legend = FlowLegend(theme.foreground, theme.pt(9))
        layout.addItem(self.legend, row=0, col=0, colspan=2)
        left = layout.addLayout(row=1, col=0)
        right = layout.addLayout(row=1, col=1)
        for part in (left, right):
            part.setContentsMargins(0, 0, 0, 0)
            part.setSpacing(2)
        self.profile_heading = self._heading(left, 0, "Gradient reaching each layer: mean |∂L/∂W| (log scale)")
        self.profile_plot = self._plot(left, 1, "hidden layer (1 = next to the input)", "mean |∂L/∂W|", log=True)
        self.history_heading = self._heading(left, 2, "Mean |∂L/∂W| reaching layer 1, over training (log scale)")
        self.history_plot = self._plot(left, 3, "step", "|∂L/∂W₁|", log=True)
        left.layout.setRowStretchFactor(1, 3)
        left.layout.setRowStretchFactor(3, 2)
        self.fprime_heading = self._heading(
            right, 0, "f′(z) in each layer, over every unit and training input: bar 10–90 %, marker the mean; "
                      "dotted: the largest f′ can be (¼ sigmoid, 1 the others)")
        self.fprime_plot = self._plot(right, 1, "hidden layer", "f′(z)", log=False)
        self.caption_label = WrapLabel("", justify="left", color=theme.foreground, size=theme.pt(8.5))
        layout.addItem(self.caption_label, row=2, col=0, colspan=2)
        layout.layout.setColumnStretchFactor(0, 1)
        layout.layout.setColumnStretchFactor(1, 1)

        dotted = pg.mkPen(theme.muted, width=theme.width(1.2), style=QtCore.Qt.PenStyle.DotLine)
        for level in sorted({FPRIME_MAX[name] for name in self.activations}):
            self.fprime_plot.addItem(pg.InfiniteLine(level, angle=0, pen=dotted))
        self.fprime_plot.setYRange(0.0, FPRIME_TOP, padding=0)
        self.now_curves, self.start_curves, self.history_curves = [], [], []
        self.bars, self.means = [], []
        scale = theme.font_scale
        for name in self.activations:
            look, color = ACTIVATION_LOOK[name], theme.method_color(ACTIVATION_LOOK[name])
            now = pg.PlotDataItem(pen=method_pen(theme, look), symbol=ACTIVATION_SYMBOL[name],
                                  symbolSize=8 * scale, symbolBrush=color, symbolPen=color, connect="finite")
            now.setZValue(10)
            start = pg.PlotDataItem(pen=method_pen(theme, look, 1.2, alpha=90), connect="finite")
            self.profile_plot.addItem(start)
            self.profile_plot.addItem(now)
            history = pg.PlotDataItem(pen=method_pen(theme, look, 2.0), connect="finite")
            self.history_plot.addItem(history)
            bar = pg.PlotCurveItem(connect="pairs", pen=method_pen(theme, look, 3.5))
            mean = pg.ScatterPlotItem(symbol=ACTIVATION_SYMBOL[name], size=8 * scale, brush=pg.mkBrush(color),
                                      pen=pg.mkPen(theme.background, width=1))
            mean.setZValue(5)
            self.fprime_plot.addItem(bar)
            self.fprime_plot.addItem(mean)
            self.legend.addItem(now, ACTIVATION_LABEL[name])
            self.now_curves.append(now)
            self.start_curves.append(start)
            self.history_curves.append(history)
            self.bars.append(bar)
            self.means.append(mean)
        self._start_proxy = pg.PlotDataItem(pen=pg.mkPen(theme.muted, width=theme.width(1.2)))
        self.legend.addItem(self._start_proxy, "faint: at step 0")
        self._set_layer_axes()
        self.fit_layout()
        self.invalidate()

    def _set_layer_axes(self) -> None:
        ticks = [[(float(i), str(i)) for i in range(1, self.depth + 1)]]
        for plot in (self.profile_plot, self.fprime_plot):
            plot.getAxis("bottom").setTicks(ticks)
            plot.setXRange(0.5, self.depth + 0.5, padding=0)
        self.history_plot.setXRange(0, 10, padding=0)

    def _heading(self, layout, row: int, text: str) -> WrapLabel:
        label = WrapLabel(html.escape(text), color=self.theme.foreground, size=self.theme.pt(8.5))
        layout.addItem(label, row=row, col=0)
        return label

    def _plot(self, layout, row: int, bottom: str, left: str, log: bool) -> pg.PlotItem:
        plot = layout.addPlot(row=row, col=0)
        style_plot(plot, self.theme)
        axis_label(plot, "bottom", bottom, self.theme)
        axis_label(plot, "left", left, self.theme)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.disableAutoRange()
        if log:
            plot.setLogMode(False, True)
        return plot

    # ------------------------------------------------------------------ every frame
    def show_frame(self, frame: GradientFrame) -> None:
        """Draw a frame of the current run (the first one of a run is kept as its step-0 look)."""
        if frame.activations != self.activations or frame.fprime_mean.shape[1] != self.depth:
            self.set_run(frame.activations, frame.fprime_mean.shape[1])
        if self.start is None or frame.step == 0:
            self.start = frame
        self.frame = frame
        self.history.add(frame.step, frame.grad_mean[:, 0])
        self._draw()

    def _draw(self) -> None:
        frame, depth = self.frame, self.depth
        layers = np.arange(1, depth + 1, dtype=np.float64)
        for k, (now, start) in enumerate(zip(self.now_curves, self.start_curves)):
            now.setData(layers, positive_or_nan(frame.grad_mean[k, :depth]))
            start.setData(layers, positive_or_nan(self.start.grad_mean[k, :depth]))
        shown = np.concatenate([frame.grad_mean[:, :depth].ravel(), self.start.grad_mean[:, :depth].ravel()])
        self._set_log_range(self.profile_plot, "profile", shown)
        steps, values = self.history.arrays()
        for k, curve in enumerate(self.history_curves):
            curve.setData(steps, positive_or_nan(values[k]))
        self._set_log_range(self.history_plot, "history", values)
        self.history_plot.setXRange(0, max(10.0, float(steps[-1]) if len(steps) else 10.0), padding=0.02)
        offsets = dodge(len(self.activations))
        for k, (bar, mean) in enumerate(zip(self.bars, self.means)):
            x = layers + offsets[k]
            low, high = frame.fprime_quantiles[k, :, 0], frame.fprime_quantiles[k, :, -1]
            keep = np.isfinite(low) & np.isfinite(high)
            bar.setData(np.repeat(x[keep], 2), np.column_stack([low[keep], high[keep]]).ravel())
            finite = np.isfinite(frame.fprime_mean[k])
            mean.setData(x[finite], frame.fprime_mean[k][finite])
        self._restyle(frame)
        self.caption_label.setText(html.escape(what_is_seen(frame), quote=False), color=self.theme.foreground)

    def _set_log_range(self, plot: pg.PlotItem, key: str, values: np.ndarray) -> None:
        """A new y range only when the data leave the current one or fill under a third of it."""
        wanted = log_range(values)
        if wanted is None:
            return
        current = self._ranges.get(key)
        if current is not None and current[0] <= wanted[0] and wanted[1] <= current[1] \
                and (wanted[1] - wanted[0]) > (current[1] - current[0]) / 3:
            return
        self._ranges[key] = wanted
        plot.setYRange(*wanted, padding=0)

    def _restyle(self, frame: GradientFrame) -> None:
        key = tuple(bool(d) for d in frame.diverged)
        if key == self._diverged_key:
            return
        self._diverged_key = key
        for k, name in enumerate(self.activations):
            label = self.legend.getLabel(self.now_curves[k])
            if label is not None:
                gone = key[k]
                label.setText(ACTIVATION_LABEL[name] + (" (diverged)" if gone else ""),
                              color=self.theme.diverged if gone else self.theme.foreground)
        self.legend.updateSize()

    # ------------------------------------------------------------------ for tests and the tab
    def figure_title(self) -> str:
        return "gradients"

    @property
    def caption_text(self) -> str:
        return self.caption_label.text
