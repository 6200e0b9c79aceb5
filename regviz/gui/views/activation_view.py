"""The activations canvas: the chosen activation with its derivative, and what the live net's hidden
units actually receive.

Left: f(x) (solid) and f'(x) (dashed) of the chosen activation over x in [-5, 5], every other
registered activation faint behind it. RReLU adds its random training band (slopes 1/u to 1/l for
x < 0) and its fixed test line (slope 2/(l+u): the paper's convention, not torch.nn.RReLU's);
PReLU adds the slopes the live models have learned, one faint line per hidden unit, and their mean.
The parameters of the chosen activation are edited in the control row above the plots; an edit
redraws the curves at once and emits sigParamsChanged(params) for the window to forward.

Right: a histogram of the hidden units' pre-activations z over the training inputs (every hidden
layer pooled; one step curve per model in compare mode), with the share of units that are dead
(ReLU) or stuck on the negative side (leaky/PReLU/RReLU/ELU), or for sigmoid/tanh the share of
saturated unit·inputs and the mean f'(z) per layer, over it, one line per model; the exact
definitions are in that label's tooltip, in a line under the plots and in activation_math.

The curves change only on set_activation or a parameter edit; render() updates the histogram
(np.histogram on a few thousand values), the PReLU slope lines and, when their text changed, labels.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from regviz.core.activations import ACTIVATIONS, Activation
from regviz.core.config import ConfigError
from regviz.gui.activation_math import STATUS_HELP, inactive_kind, status_definition
from regviz.gui.session import LiveState, RunSetup, member_label
from regviz.gui.views.activation_histogram import PreActivationHistogram, with_alpha
from regviz.gui.views.activation_params import ParamControls
from regviz.gui.views.base import CanvasView, axis_label, style_plot
from regviz.gui.views.items import FlowLegend, WrapLabel

DERIVATIVE_COLOR = "#9334e6"
BAND_COLOR = (230, 159, 0)  # Okabe-Ito orange
TEST_COLOR = "#009e73"
X_RANGE = (-5.0, 5.0)
X_POINTS = 401  # includes x = 0 exactly
SMALL_HEIGHT = 460  # px (at the light theme's fonts): below this the notes shrink to one line

# ---------------------------------------------------------------------- the canvas
class ActivationView(CanvasView):
    title = "Activations"
    sigParamsChanged = QtCore.Signal(dict)

    def __init__(self, parent=None):
        super().__init__("activationCanvas", parent)
        self.activation: Activation | None = None
        self._setup: RunSetup | None = None
        self._state: LiveState | None = None
        self.name_label = QtWidgets.QLabel()
        self.name_label.setObjectName("activationName")
        self.controls.addWidget(self.name_label)
        self.params = ParamControls()
        self.params.sigEdited.connect(self._on_param_edited)
        self.controls.addWidget(self.params)
        self.controls.addStretch(1)
        self.x = np.linspace(*X_RANGE, X_POINTS)
        self.prelu_lines: list[pg.PlotCurveItem] = []
        self._build_static()

    def _build_static(self) -> None:
        """The items that live as long as the view (built again for another theme)."""
        self.graphics.clear()
        self.graphics.setBackground(self.theme.background)
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self._build_curve_plot()
        self.histogram = PreActivationHistogram(layout, 1, self.theme)
        layout.layout.setColumnStretchFactor(0, 1)
        layout.layout.setColumnStretchFactor(1, 1)
        self.prelu_lines = []
        self._slope_text = ""
        self._note_base = ""
        self._band_in_legend = False
        self.fit_layout()

    def rebuild(self) -> None:
        activation, self.activation = self.activation, None
        self._build_static()
        if self._setup is not None:
            setup, self._setup = self._setup, None
            self.set_setup(setup)
            if activation is not None:
                self.set_activation(activation)
            if self._state is not None:
                self.render(self._state)

    def _build_curve_plot(self) -> None:
        theme = self.theme
        layout = self.graphics.ci
        # headings and legends are items of the layout, above the plots: they wrap, never overflow
        top = layout.addLayout(row=0, col=0)  # the heading with the legend under it, over the plot
        top.setContentsMargins(0, 0, 0, 0)
        self.curve_heading = WrapLabel("f and its derivative f′", color=theme.foreground, size=theme.pt(9))
        top.addItem(self.curve_heading, row=0, col=0)
        self.curve_legend = FlowLegend(theme.foreground, theme.pt(8))
        top.addItem(self.curve_legend, row=1, col=0)
        plot = layout.addPlot(row=1, col=0)
        self.curve_plot = plot
        style_plot(plot, theme)
        axis_label(plot, "bottom", "x", theme)
        axis_label(plot, "left", "f(x), f′(x)", theme)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)  # a fixed view: x in [-5, 5], y set per activation
        plot.hideButtons()
        grid = pg.PlotCurveItem(*_grid_lines(), connect="pairs", pen=pg.mkPen(theme.grid, width=1))
        grid.setZValue(-20)
        plot.addItem(grid, ignoreBounds=True)
        plot.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(theme.muted, width=1)))
        plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(theme.muted, width=1)))
        self.other_curves: dict[str, pg.PlotDataItem] = {}
        for name, act in ACTIVATIONS.items():
            curve = plot.plot(self.x, act.value(self.x), pen=pg.mkPen(theme.faint, width=1))
            curve.setZValue(-10)
            self.other_curves[name] = curve
        self.value_curve = plot.plot(pen=pg.mkPen(theme.foreground, width=theme.width(2.5)))
        self.derivative_curve = plot.plot(
            pen=pg.mkPen(DERIVATIVE_COLOR, width=theme.width(2.5), style=QtCore.Qt.PenStyle.DashLine))
        self.value_curve.setZValue(10)
        self.derivative_curve.setZValue(9)
        self.curve_legend.addItem(self.value_curve, "f(x)")
        self.curve_legend.addItem(self.derivative_curve, "f'(x)")
        # one legend entry stands for every faint curve
        self._other_proxy = pg.PlotDataItem(pen=pg.mkPen(theme.faint, width=1))
        self.curve_legend.addItem(self._other_proxy, "other activations")

        # RReLU: the training band and the test line (shown only for RReLU)
        xn = self.x[self.x <= 0]
        band_pen = pg.mkPen(BAND_COLOR + (200,), width=1)
        self.band_low = pg.PlotDataItem(xn, 0 * xn, pen=band_pen)  # slope 1/u (the flatter edge)
        self.band_high = pg.PlotDataItem(xn, 0 * xn, pen=band_pen)  # slope 1/l (the steeper edge)
        self.band = pg.FillBetweenItem(self.band_low, self.band_high, brush=pg.mkBrush(BAND_COLOR + (90,)))
        self.test_line = pg.PlotDataItem(
            xn, 0 * xn, pen=pg.mkPen(TEST_COLOR, width=theme.width(2), style=QtCore.Qt.PenStyle.DotLine))
        self._band_proxy = pg.PlotDataItem(pen=band_pen, fillLevel=0, fillBrush=pg.mkBrush(BAND_COLOR + (90,)))
        for item, z in ((self.band, -5), (self.band_low, -4), (self.band_high, -4), (self.test_line, 11)):
            item.setZValue(z)
            item.setVisible(False)
            plot.addItem(item)
        # the formula and notes run under both plots (a long label would widen one column)
        self.info_label = WrapLabel("", justify="left", color=theme.foreground, size=theme.pt(8))
        layout.addItem(self.info_label, row=2, col=0, colspan=2)

    # ------------------------------------------------------------------ once per run
    def set_setup(self, setup: RunSetup) -> None:
        self._setup = setup
        for line in self.prelu_lines:
            self.curve_plot.removeItem(line)
            self.curve_legend.removeItem(line)
        self.prelu_lines = []
        self.histogram.set_models(setup)
        for member in setup.members:
            line = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(with_alpha(self.theme.method_color(member.method), 120),
                                                                  width=1))
            line.setZValue(8)
            line.setVisible(False)
            self.curve_plot.addItem(line)
            self.prelu_lines.append(line)
        self._slope_text = ""
        self.set_activation(setup.activation)
        self.invalidate()

    # ------------------------------------------------------------------ the chosen activation
    def set_activation(self, activation: Activation) -> None:
        """Show another activation (or other parameters) without rebuilding the canvas."""
        self.activation = activation
        self.params.show_activation(activation)
        self.name_label.setText(f"<b>{html.escape(activation.label)}</b>")
        self.name_label.setToolTip(activation.formula)
        self._update_status_kind()
        learnable = activation.learnable
        for line in self.prelu_lines:
            line.setVisible(learnable)
            if not learnable:
                line.setData([], [])
        if learnable:
            for line, member in zip(self.prelu_lines, self._setup.members if self._setup else ()):
                if self.curve_legend.getLabel(line) is None:
                    self.curve_legend.addItem(line, "learned slopes" + (
                        f" ({member_label(member)})" if self._setup.size > 1 else " (one line per unit)"))
        else:
            for line in self.prelu_lines:
                self.curve_legend.removeItem(line)
        self._slope_text = ""
        self.histogram.set_activation(self.activation)
        self._update_curves()
        self.invalidate()

    def _update_status_kind(self) -> None:
        """Tooltips say what the legend counts; the next render rewrites the counts."""
        help_text = STATUS_HELP[inactive_kind(self.activation)]
        self.status_label.setToolTip(help_text)
        self.hist_plot.setToolTip(help_text)
        self.histogram.stale = True

    def _on_param_edited(self, key: str, value: float) -> None:
        if self.activation is None or self.activation.params.get(key) == value:
            return
        try:
            activation = self.activation.with_params(**{key: float(value)})
        except ConfigError:
            self.params.sync(self.activation)  # put the last valid value back
            return
        self.activation = activation
        self.params.sync(activation)
        self._update_status_kind()
        self.histogram.set_activation(self.activation)
        self._update_curves()
        self.invalidate()
        self.sigParamsChanged.emit(dict(activation.params))

    def _update_curves(self) -> None:
        act = self.activation
        x = self.x
        f, df = act.value(x), act.derivative(x)
        self.value_curve.setData(x, f)
        self.derivative_curve.setData(x, df)
        for name, curve in self.other_curves.items():
            curve.setVisible(name != act.name)
        value_name = {"rrelu": "f(x) at test time", "prelu": "f(x) with the initial a"}.get(act.name, "f(x)")
        label = self.curve_legend.getLabel(self.value_curve)
        if label is not None and label.text != value_name:
            label.setText(value_name, color=self.theme.foreground)
            self.curve_legend.updateSize()
        is_rrelu = hasattr(act, "train_slope_band")
        for item in (self.band, self.band_low, self.band_high, self.test_line):
            item.setVisible(is_rrelu)
        note = ""
        if is_rrelu:
            low, high = act.train_slope_band()
            test = act.negative_slope()
            xn = self.band_low.xData
            self.band_low.setData(xn, low * xn)
            self.band_high.setData(xn, high * xn)
            self.test_line.setData(xn, test * xn)
            torch_test = (low + high) / 2.0
            note = (f"RReLU, paper convention (Xu et al. 2015): train slope random in [1/u, 1/l] = "
                    f"[{low:.3f}, {high:.3f}], test slope 2/(l+u) = {test:.3f}"
                    f"<br>(torch.nn.RReLU(1/u, 1/l) would use the mean slope {torch_test:.3f} at test time)")
        if is_rrelu and not self._band_in_legend:
            self.curve_legend.addItem(self._band_proxy, "train: slopes in [1/u, 1/l]")
            self.curve_legend.addItem(self.test_line, "test: 2/(l+u)")
            self._band_in_legend = True
        elif not is_rrelu and self._band_in_legend:
            self.curve_legend.removeItem(self._band_proxy)
            self.curve_legend.removeItem(self.test_line)
            self._band_in_legend = False
        self._note_base = "<br>".join(
            [html.escape(act.formula)] + ([note] if note else []) + [status_definition(act)])
        self._slope_text = ""
        self._set_info(self._note_base)
        # y range from the chosen curves, within sensible bounds (set here, never per frame)
        both = np.concatenate([f, df])
        low = min(-1.2, max(-3.0, float(both.min()) - 0.2))
        high = max(1.2, min(3.0, float(both.max()) + 0.2))
        self.curve_plot.disableAutoRange()
        self.curve_plot.setXRange(*X_RANGE, padding=0)
        self.curve_plot.setYRange(low, high, padding=0)

    def _set_info(self, text: str) -> None:
        """The notes under the plots: all of them where there is room; on a small canvas only the
        first line (the formula), the rest in the tooltip."""
        self._info_full = text
        self.graphics.setToolTip("<p>" + text + "</p>")
        shown = text.split("<br>")[0] if self._small() else text
        self.info_label.setText(shown, color=self.theme.foreground)

    def _small(self) -> bool:
        return self.height() < SMALL_HEIGHT * self.theme.font_scale

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        small = self._small()
        if small != getattr(self, "_was_small", None):
            self._was_small = small
            if getattr(self, "_info_full", None) is not None:
                self._set_info(self._info_full)
            self.histogram.stale = True  # rewritten at the next render

    # ------------------------------------------------------------------ every frame
    def render(self, state: LiveState) -> None:
        if state.setup is not self._setup:
            self.set_setup(state.setup)
        self._state = state
        members = state.members or self._setup.members
        snap = state.snapshot
        if snap is not None and self.activation.learnable and snap.prelu_slopes:
            self._render_slopes(snap.prelu_slopes, members)
        if state.pre_activations:
            self.histogram.render(state.pre_activations, members, self.activation, self._small())

    def _render_slopes(self, slopes: Sequence[np.ndarray], members) -> None:
        lines = []
        for k, line in enumerate(self.prelu_lines):
            a = np.concatenate([s[k] for s in slopes])
            a = a[np.isfinite(a)]
            x = np.tile([X_RANGE[0], 0.0], len(a))
            line.setData(x, np.repeat(a, 2) * x)
            if len(a):
                who = f"{member_label(members[k])}: " if len(self.prelu_lines) > 1 else ""
                lines.append(f"<span style='color:{self.theme.method_color(members[k].method)}'>{html.escape(who)}"
                             f"learned a: mean {a.mean():.3f}, from {a.min():.3f} to {a.max():.3f} "
                             f"over {len(a)} units</span>")
        text = "<br>".join(lines)
        if text != self._slope_text:
            self._slope_text = text
            self._set_info(self._note_base + ("<br>" + text if text else ""))

    # ------------------------------------------------------------------ for tests and the window
    @property
    def spin_boxes(self) -> dict[str, QtWidgets.QDoubleSpinBox]:
        return self.params.spin_boxes

    @property
    def status_text(self) -> str:
        return self.histogram.status_text

    def status_lines(self) -> list[str]:
        """The dead / saturated lines over the histogram, one per model (none for linear)."""
        return list(self.histogram.status_lines)

    # the histogram's items, under the names tests and the window used
    hist_plot = property(lambda self: self.histogram.plot)
    hist_curves = property(lambda self: self.histogram.curves)
    status_label = property(lambda self: self.histogram.status_label)
    regions = property(lambda self: self.histogram.regions)

    @property
    def info_text(self) -> str:
        """Every note, shown or in the tooltip."""
        return getattr(self, "_info_full", "") or self.info_label.text


def _grid_lines() -> tuple[np.ndarray, np.ndarray]:
    """Segments (connect='pairs') of a fixed grid: every 1 in x over [-5, 5], every 0.5 in y over
    [-10, 10] (the curve plot's y range stays inside it)."""
    xs, ys = [], []
    for x in np.arange(X_RANGE[0], X_RANGE[1] + 0.5, 1.0):
        xs += [x, x]
        ys += [-10.0, 10.0]
    for y in np.arange(-10.0, 10.25, 0.5):
        xs += [X_RANGE[0] - 1, X_RANGE[1] + 1]
        ys += [y, y]
    return np.asarray(xs), np.asarray(ys)
