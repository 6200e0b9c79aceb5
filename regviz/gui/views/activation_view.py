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
(ReLU), stuck on the negative side (leaky/PReLU/RReLU/ELU) or saturated (sigmoid/tanh) over it, one
line per model; the exact definitions are in that label's tooltip, in a line under the plots and in
inactive_units().

The curves change only on set_activation or a parameter edit; render() updates the histogram
(np.histogram on a few thousand values), the PReLU slope lines and, when their text changed, labels.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from regviz.core.activations import ACTIVATIONS, Activation
from regviz.core.config import ConfigError
from regviz.gui.session import METHOD_COLORS, LiveState, RunSetup, member_label
from regviz.gui.views.base import CanvasView, FreeWidthLabel

AXIS_COLOR = "#3c4043"
VALUE_COLOR = "#202124"
DERIVATIVE_COLOR = "#9334e6"
OTHER_COLOR = "#c4c7c5"
BAND_COLOR = (251, 188, 4)
TEST_COLOR = "#0b8043"
REGION_BRUSH = (60, 64, 67, 22)
GRID_COLOR = "#e1e3e5"
X_RANGE = (-5.0, 5.0)
X_POINTS = 401  # includes x = 0 exactly
HIST_BINS = 40  # at most this many bins on the wider side of 0; 0 is always an edge
SATURATION_FRACTION = 0.05  # saturated: f'(z) below 5 % of its peak on every training input

RELU_FAMILY = {"relu", "leaky_relu", "prelu", "rrelu", "elu"}
SATURATING = {"sigmoid", "tanh"}

STATUS_HELP = {
    "dead": (
        "Dead unit (ReLU, or any unit with no slope for z < 0): its pre-activation z is <= 0 on every "
        "training input, so f(z) = 0 and f'(z) = 0 on all of them. It outputs nothing and receives no gradient, so plain training "
        "cannot revive it."
    ),
    "negative": (
        "Negative-side unit: its pre-activation z is <= 0 on every training input (what would make a "
        "ReLU unit dead). With this activation it is NOT dead: for z < 0 it still passes a gradient "
        "of slope a (ELU: alpha*e^z), so it can recover."
    ),
    "saturated": (
        "Saturated unit: its derivative f'(z) is below 5 % of the peak f'(0) (0.25 for sigmoid, 1 for "
        "tanh) on every training input, i.e. |z| > 4.36 (sigmoid) or |z| > 2.18 (tanh) everywhere. "
        "The gradient through it has all but vanished."
    ),
    None: "Linear units: f'(z) = 1 everywhere, so no unit can die or saturate.",
}
STATUS_WORD = {"dead": "dead", "negative": "always z ≤ 0", "saturated": "saturated"}


# ---------------------------------------------------------------------- Qt-free helpers
def inactive_kind(activation: Activation) -> str | None:
    """Which kind of inactive unit this activation can have: 'dead', 'negative', 'saturated' or None.

    'dead' is ReLU, and any fixed ReLU-family member whose parameters give it no gradient for z < 0
    (leaky slope 0, ELU alpha 0); the rest of the family only has units stuck on the negative side.
    """
    if activation.name in RELU_FAMILY:
        flat = float(activation.derivative(np.array([-1.0]))[0]) == 0.0
        return "dead" if flat and not activation.learnable else "negative"
    if activation.name in SATURATING:
        return "saturated"
    return None


def inactive_units(activation: Activation, pre_activation: np.ndarray) -> np.ndarray:
    """Which units of one hidden layer are inactive, from pre-activations [K, n_inputs, units]:
    [K, units] bool.

    ReLU family: z <= 0 on every input. Sigmoid/tanh: f'(z) < 5 % of f'(0) on every input.
    Linear (or anything else): never.
    """
    z = np.asarray(pre_activation, dtype=np.float64)
    kind = inactive_kind(activation)
    if kind in ("dead", "negative"):
        return np.all(z <= 0.0, axis=1)
    if kind == "saturated":
        peak = float(activation.derivative(np.zeros(1))[0])
        return np.all(activation.derivative(z) < SATURATION_FRACTION * peak, axis=1)
    return np.zeros((z.shape[0], z.shape[2]), dtype=bool)


def inactive_share(activation: Activation, pre_activations: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """Per model, how many hidden units (every hidden layer) are inactive, and the number of units."""
    if not pre_activations:
        return np.zeros(0, dtype=int), 0
    counts = sum(inactive_units(activation, z).sum(axis=1) for z in pre_activations)
    total = sum(int(z.shape[2]) for z in pre_activations)
    return np.asarray(counts, dtype=int), total


def saturation_bound(activation: Activation) -> float | None:
    """|z| beyond which f'(z) < 5 % of its peak, for the saturating activations (else None)."""
    if inactive_kind(activation) != "saturated":
        return None
    z = np.linspace(0.0, 50.0, 50001)
    below = np.flatnonzero(activation.derivative(z) < SATURATION_FRACTION * activation.derivative(np.zeros(1))[0])
    return float(z[below[0]]) if len(below) else None


def status_definition(activation: Activation) -> str:
    """One line (HTML) under the plots saying what the histogram legend counts."""
    kind = inactive_kind(activation)
    if kind == "dead":
        return "dead unit: z ≤ 0 on every training input, so f'(z) = 0 there and it gets no gradient"
    if kind == "negative":
        return ("always z ≤ 0: on every training input (a ReLU unit would be dead; this one still passes "
                "a gradient for z &lt; 0)")
    if kind == "saturated":
        bound = saturation_bound(activation)
        return (f"saturated unit: f'(z) &lt; 5% of its peak on every training input, i.e. |z| &gt; {bound:.2f} "
                "on all of them (shaded)")
    return "linear: f'(z) = 1 everywhere, so no unit can die or saturate"


def nice_range(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^n at or above value (value > 0)."""
    value = max(float(value), 1e-12)
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        candidate = mantissa * 10.0**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)


def histogram_edges(low: float, high: float) -> np.ndarray:
    """Bin edges covering [low, high] (low <= 0 <= high) with 0 on an edge and a round (1-2-5) bin
    width: the wider side of 0 gets from HIST_BINS / 2.5 to HIST_BINS bins."""
    width = nice_range(max(-low, high, 1e-3) / HIST_BINS)
    below = max(1, math.ceil(-low / width - 1e-9))
    above = max(1, math.ceil(high / width - 1e-9))
    return np.arange(-below, above + 1) * width


def _step_for(key: str, spec) -> float:
    steps = {"slope": 0.01, "alpha": 0.1, "lower": 0.5, "upper": 0.5, "init": 0.05}
    return steps.get(key, 10.0 ** math.floor(math.log10(max(spec.high - spec.low, 1e-9))) / 100.0)


def _with_alpha(color: str, alpha: int):
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    return c


# ---------------------------------------------------------------------- the canvas
class ActivationView(CanvasView):
    title = "Activations"
    sigParamsChanged = QtCore.Signal(dict)

    def __init__(self, parent=None):
        super().__init__("activationCanvas", parent)
        self.graphics.setBackground("w")
        self.activation: Activation | None = None
        self.spin_boxes: dict[str, QtWidgets.QDoubleSpinBox] = {}
        self._setup: RunSetup | None = None
        self._param_widgets: list[QtWidgets.QWidget] = []
        self.name_label = QtWidgets.QLabel()
        self.name_label.setObjectName("activationName")
        self.controls.addWidget(self.name_label)
        self._param_layout = QtWidgets.QHBoxLayout()
        self._param_layout.setContentsMargins(8, 0, 0, 0)
        self.controls.addLayout(self._param_layout)
        self.controls.addStretch(1)
        self.x = np.linspace(*X_RANGE, X_POINTS)
        self._build_curve_plot()
        self._build_hist_plot()
        self.prelu_lines: list[pg.PlotCurveItem] = []
        self.hist_curves: list[pg.PlotDataItem] = []
        self._edges = histogram_edges(-1.0, 1.0)
        self._saturation: float | None = None
        self._hist_top = 0.0
        self._status_text = ""
        self._status_shown = False
        self._status_lines: list[str] = []
        self._hist_heading = "hidden pre-activations"
        self._slope_text = ""
        self._note_base = ""

    # ------------------------------------------------------------------ items that live as long as the view
    def _build_curve_plot(self) -> None:
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        # headings are labels of the layout, not plot titles: a plot title sets a minimum width
        self.curve_heading = FreeWidthLabel("the activation f and its derivative f'", color=AXIS_COLOR, size="9pt")
        layout.addItem(self.curve_heading, row=0, col=0)
        plot = layout.addPlot(row=1, col=0)
        self.curve_plot = plot
        _style(plot)
        plot.setLabel("bottom", "x", color=AXIS_COLOR)
        plot.setLabel("left", "f(x), f'(x)", color=AXIS_COLOR)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)  # a fixed view: x in [-5, 5], y set per activation
        plot.hideButtons()
        grid = pg.PlotCurveItem(*_grid_lines(), connect="pairs", pen=pg.mkPen(GRID_COLOR, width=1))
        grid.setZValue(-20)
        plot.addItem(grid, ignoreBounds=True)
        plot.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#9aa0a6", width=1)))
        plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#9aa0a6", width=1)))
        self.curve_legend = plot.addLegend(offset=(6, 6), labelTextColor=AXIS_COLOR, labelTextSize="8pt",
                                           brush=pg.mkBrush(255, 255, 255, 225), pen=pg.mkPen("#dadce0"),
                                           verSpacing=-4)
        self.other_curves: dict[str, pg.PlotDataItem] = {}
        for name, act in ACTIVATIONS.items():
            curve = plot.plot(self.x, act.value(self.x), pen=pg.mkPen(OTHER_COLOR, width=1))
            curve.setZValue(-10)
            self.other_curves[name] = curve
        # one legend entry stands for every faint curve
        self._other_proxy = pg.PlotDataItem(pen=pg.mkPen(OTHER_COLOR, width=1))
        self.value_curve = plot.plot(pen=pg.mkPen(VALUE_COLOR, width=2.5), name="f(x)")
        self.derivative_curve = plot.plot(
            pen=pg.mkPen(DERIVATIVE_COLOR, width=2.5, style=QtCore.Qt.PenStyle.DashLine), name="f'(x)")
        self.value_curve.setZValue(10)
        self.derivative_curve.setZValue(9)
        self.curve_legend.addItem(self._other_proxy, "other activations")

        # RReLU: the training band and the test line (shown only for RReLU)
        xn = self.x[self.x <= 0]
        band_pen = pg.mkPen(BAND_COLOR + (200,), width=1)
        self.band_low = pg.PlotDataItem(xn, 0 * xn, pen=band_pen)  # slope 1/u (the flatter edge)
        self.band_high = pg.PlotDataItem(xn, 0 * xn, pen=band_pen)  # slope 1/l (the steeper edge)
        self.band = pg.FillBetweenItem(self.band_low, self.band_high, brush=pg.mkBrush(BAND_COLOR + (90,)))
        self.test_line = pg.PlotDataItem(
            xn, 0 * xn, pen=pg.mkPen(TEST_COLOR, width=2, style=QtCore.Qt.PenStyle.DotLine))
        self._band_proxy = pg.PlotDataItem(pen=band_pen, fillLevel=0, fillBrush=pg.mkBrush(BAND_COLOR + (90,)))
        for item, z in ((self.band, -5), (self.band_low, -4), (self.band_high, -4), (self.test_line, 11)):
            item.setZValue(z)
            item.setVisible(False)
            plot.addItem(item)
        self._band_in_legend = False
        # the formula and notes run under both plots (a long label would widen one column)
        self.info_label = FreeWidthLabel("", color=AXIS_COLOR, size="8pt", justify="left")
        layout.addItem(self.info_label, row=2, col=0, colspan=2)

    def _build_hist_plot(self) -> None:
        layout = self.graphics.ci
        # heading and, one line per model in its colour, the dead / saturated share
        self.status_label = FreeWidthLabel("", color=AXIS_COLOR, size="9pt")
        layout.addItem(self.status_label, row=0, col=1)
        plot = layout.addPlot(row=1, col=1)
        self.hist_plot = plot
        _style(plot)
        plot.setLabel("left", "count", color=AXIS_COLOR)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.disableAutoRange()
        plot.setLabel("bottom", "pre-activation z", color=AXIS_COLOR)
        self.hist_zero = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#5f6368", width=1))
        plot.addItem(self.hist_zero)
        # shaded z ranges where a unit is inactive (z <= 0, or the saturated tails)
        self.regions = [pg.LinearRegionItem((-1e6, 0), movable=False, brush=pg.mkBrush(*REGION_BRUSH),
                                            pen=pg.mkPen(None)) for _ in range(2)]
        for region in self.regions:
            region.setZValue(-10)
            region.setVisible(False)
            plot.addItem(region)
        layout.layout.setColumnStretchFactor(0, 1)
        layout.layout.setColumnStretchFactor(1, 1)

    # ------------------------------------------------------------------ once per run
    def set_setup(self, setup: RunSetup) -> None:
        self._setup = setup
        for curve in self.hist_curves:
            self.hist_plot.removeItem(curve)
        for line in self.prelu_lines:
            self.curve_plot.removeItem(line)
            self.curve_legend.removeItem(line)
        self.hist_curves, self.prelu_lines = [], []
        hidden = setup.layer_sizes[1:-1]
        for k, member in enumerate(setup.members):
            color = METHOD_COLORS.get(member.method, "#000000")
            curve = pg.PlotDataItem(stepMode="center", fillLevel=0, fillOutline=True,
                                    pen=pg.mkPen(color, width=1.5), brush=pg.mkBrush(_with_alpha(color, 55)))
            curve.setZValue(k)
            self.hist_plot.addItem(curve)
            self.hist_curves.append(curve)
            line = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(_with_alpha(color, 120), width=1))
            line.setZValue(8)
            line.setVisible(False)
            self.curve_plot.addItem(line)
            self.prelu_lines.append(line)
        self._hist_heading = f"hidden pre-activations: {sum(hidden)} units × {setup.dataset.n_train} inputs"
        self.hist_plot.setLabel(
            "bottom", "pre-activation z" + (f" (all {len(hidden)} hidden layers)" if len(hidden) > 1 else ""),
            color=AXIS_COLOR)
        self._hist_top = 0.0
        self._status_text = self._slope_text = ""
        self._status_lines = []
        self.status_label.setText(html.escape(self._hist_heading), color=AXIS_COLOR)
        self.set_activation(setup.activation)
        self._set_hist_range(-1.0, 1.0)
        for curve in self.hist_curves:
            curve.setData([], [])
        self.invalidate()

    # ------------------------------------------------------------------ the chosen activation
    def set_activation(self, activation: Activation) -> None:
        """Show another activation (or other parameters) without rebuilding the canvas."""
        rebuild = self.activation is None or type(activation) is not type(self.activation)
        self.activation = activation
        if rebuild:
            self._build_param_controls()
        else:
            self._sync_spin_boxes()
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
        self._update_regions()
        self._update_curves()
        self.invalidate()

    def _update_status_kind(self) -> None:
        """Tooltips say what the legend counts; the next render rewrites the counts."""
        help_text = STATUS_HELP[inactive_kind(self.activation)]
        self.status_label.setToolTip(help_text)
        self.hist_plot.setToolTip(help_text)
        self._status_shown = False

    def _build_param_controls(self) -> None:
        for widget in self._param_widgets:
            self._param_layout.removeWidget(widget)
            widget.deleteLater()
        self._param_widgets = []
        self.spin_boxes = {}
        specs = self.activation.param_specs
        if not specs:
            label = QtWidgets.QLabel("no parameters")
            label.setEnabled(False)
            self._param_layout.addWidget(label)
            self._param_widgets.append(label)
            return
        for key, spec in specs.items():
            label = QtWidgets.QLabel(key)
            spin = QtWidgets.QDoubleSpinBox()
            spin.setObjectName(f"param_{key}")
            spin.setDecimals(3)
            spin.setRange(spec.low, spec.high)
            spin.setSingleStep(_step_for(key, spec))
            spin.setKeyboardTracking(False)  # typed numbers apply on Enter / focus out, arrows at once
            spin.setValue(float(self.activation.params[key]))
            tip = f"{spec.help} (from {spec.low:g} to {spec.high:g}; default {spec.default:g})"
            spin.setToolTip(tip)
            label.setToolTip(tip)
            spin.valueChanged.connect(lambda value, key=key: self._on_param_edited(key, value))
            self._param_layout.addWidget(label)
            self._param_layout.addWidget(spin)
            self._param_widgets += [label, spin]
            self.spin_boxes[key] = spin
        self._sync_spin_boxes()

    def _sync_spin_boxes(self) -> None:
        """Spin boxes show the activation's parameters; RReLU keeps lower <= upper via the ranges."""
        specs = self.activation.param_specs
        for key, spin in self.spin_boxes.items():
            spin.blockSignals(True)
            spin.setRange(specs[key].low, specs[key].high)  # full range first, so no value is clamped
            spin.setValue(float(self.activation.params[key]))
            spin.blockSignals(False)
        if "lower" in self.spin_boxes and "upper" in self.spin_boxes:
            lower, upper = self.spin_boxes["lower"], self.spin_boxes["upper"]
            for spin, setter, value in ((lower, lower.setMaximum, upper.value()),
                                        (upper, upper.setMinimum, lower.value())):
                spin.blockSignals(True)
                setter(value)
                spin.blockSignals(False)

    def _on_param_edited(self, key: str, value: float) -> None:
        if self.activation is None or self.activation.params.get(key) == value:
            return
        try:
            activation = self.activation.with_params(**{key: float(value)})
        except ConfigError:
            self._sync_spin_boxes()  # put the last valid value back
            return
        self.activation = activation
        self._sync_spin_boxes()
        self._update_status_kind()
        self._update_regions()
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
            label.setText(value_name, color=AXIS_COLOR)
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
            self.curve_legend.addItem(self._band_proxy, "train: random slope in [1/u, 1/l]")
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
        self.info_label.setText(text, color=AXIS_COLOR)

    def _update_regions(self) -> None:
        kind = inactive_kind(self.activation)
        self._saturation = saturation_bound(self.activation)
        first, second = self.regions
        if kind in ("dead", "negative"):
            first.setRegion((-1e6, 0.0))
            first.setVisible(True)
            second.setVisible(False)
        elif kind == "saturated":
            bound = self._saturation
            first.setRegion((-1e6, -bound))
            second.setRegion((bound, 1e6))
            first.setVisible(True)
            second.setVisible(True)
        else:
            first.setVisible(False)
            second.setVisible(False)

    # ------------------------------------------------------------------ every frame
    def render(self, state: LiveState) -> None:
        if state.setup is not self._setup:
            self.set_setup(state.setup)
        members = state.members or self._setup.members
        snap = state.snapshot
        if snap is not None and self.activation.learnable and snap.prelu_slopes:
            self._render_slopes(snap.prelu_slopes, members)
        if state.pre_activations:
            self._render_histogram(state.pre_activations, members)

    def _render_slopes(self, slopes: Sequence[np.ndarray], members) -> None:
        lines = []
        for k, line in enumerate(self.prelu_lines):
            a = np.concatenate([s[k] for s in slopes])
            a = a[np.isfinite(a)]
            x = np.tile([X_RANGE[0], 0.0], len(a))
            line.setData(x, np.repeat(a, 2) * x)
            if len(a):
                who = f"{member_label(members[k])}: " if len(self.prelu_lines) > 1 else ""
                lines.append(f"<span style='color:{METHOD_COLORS.get(members[k].method, '#000')}'>{html.escape(who)}"
                             f"learned a: mean {a.mean():.3f}, from {a.min():.3f} to {a.max():.3f} "
                             f"over {len(a)} units</span>")
        text = "<br>".join(lines)
        if text != self._slope_text:
            self._slope_text = text
            self._set_info(self._note_base + ("<br>" + text if text else ""))

    def _render_histogram(self, pre_activations: Sequence[np.ndarray], members) -> None:
        pooled = [np.concatenate([z[k].ravel() for z in pre_activations]) for k in range(len(self.hist_curves))]
        finite = [v[np.isfinite(v)] for v in pooled]
        low = min((float(v.min()) for v in finite if len(v)), default=0.0)
        high = max((float(v.max()) for v in finite if len(v)), default=0.0)
        low, high = min(low, 0.0), max(high, 0.0)
        if self._saturation is not None:  # keep the shaded saturated tails in view
            low, high = min(low, -1.1 * self._saturation), max(high, 1.1 * self._saturation)
        lo_edge, hi_edge = self._edges[0], self._edges[-1]
        # hysteresis: the bins move only when the data leave them or fill less than a quarter
        if low < lo_edge or high > hi_edge or (high - low) < (hi_edge - lo_edge) / 4:
            self._set_hist_range(low, high)
        edges = self._edges
        top = 1.0
        for curve, values in zip(self.hist_curves, finite):
            counts, _ = np.histogram(values, bins=edges)
            curve.setData(edges, counts)
            top = max(top, float(counts.max()) if len(counts) else 1.0)
        if top > self._hist_top or top < 0.6 * self._hist_top:
            self._hist_top = top * 1.1
            self.hist_plot.setYRange(0, self._hist_top, padding=0)

        self._render_status(pre_activations, members)

    def _render_status(self, pre_activations: Sequence[np.ndarray], members) -> None:
        """Under the heading, one line per model (in its colour): how many hidden units are dead /
        stuck at z <= 0 / saturated."""
        kind = inactive_kind(self.activation)
        counts, total = inactive_share(self.activation, pre_activations)
        compare = len(self.hist_curves) > 1
        lines = []
        if kind is not None:
            for k in range(min(len(self.hist_curves), len(counts))):
                share = 100.0 * counts[k] / total if total else 0.0
                who = f"{member_label(members[k])} — " if compare else ""
                lines.append((who + f"{STATUS_WORD[kind]}: {counts[k]}/{total} units ({share:.0f}%)",
                              METHOD_COLORS.get(members[k].method, "#000000") if compare else AXIS_COLOR))
        joined = "\n".join(text for text, _ in lines)
        if joined == self._status_text and self._status_shown:
            return
        self._status_text = joined
        self._status_shown = True
        self._status_lines = [text for text, _ in lines]
        html_lines = [html.escape(self._hist_heading)] + [
            f"<span style='color:{color}; font-size:8pt'>{html.escape(text)}</span>" for text, color in lines]
        self.status_label.setText("<br>".join(html_lines), color=AXIS_COLOR)

    def _set_hist_range(self, low: float, high: float) -> None:
        self._edges = histogram_edges(low, high)
        self.hist_plot.setXRange(self._edges[0], self._edges[-1], padding=0.02)

    # ------------------------------------------------------------------ for tests and the window
    @property
    def status_text(self) -> str:
        return self._status_text

    def status_lines(self) -> list[str]:
        """The dead / saturated lines over the histogram, one per model (none for linear)."""
        return list(self._status_lines)

    @property
    def info_text(self) -> str:
        return self.info_label.text


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


def _style(plot: pg.PlotItem) -> None:
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(AXIS_COLOR)
        axis.setTextPen(AXIS_COLOR)
    # No showGrid(): its translucent grid lines cost about 5 ms per plot per repaint offscreen here,
    # more than everything else in the canvas; the curve plot draws an opaque grid of its own.
