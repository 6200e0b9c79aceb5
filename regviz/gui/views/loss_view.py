"""The loss canvas: per model the data term, the penalty term and their total over the steps (top),
and the test error once per epoch (bottom, x axis shared).

Models are told apart by colour (their method's), terms by line style.

Histories grow to 100k+ steps at 30-60 redraws a second, so the top plot never hands pyqtgraph the
whole history: it draws a peak envelope (max and min of each bucket of steps, like pyqtgraph's
'peak' downsampling, so every spike stays visible) that is kept incrementally, together with the
moving average. A frame therefore costs the new rows plus at most ~1,600 points per curve, however
long the run. The ranges are set here, not by pyqtgraph's autorange: x follows the data with some
headroom and only moves when the history outgrows it, y fits the live models (a diverged model's
1e237 would flatten everyone else) and moves only when the data leave it or shrink well inside it,
so the axes are not re-laid out every frame. Zooming or panning by mouse stops the following (the
visible steps are then enveloped at full resolution); pyqtgraph's "A" button resumes it.
"""

from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.engine import MemberSpec
from regviz.gui.plotmath import (ENVELOPE_BUCKETS, IncrementalEnvelope, IncrementalSmooth, clip_far, nice_ceil,
                                 peak_envelope, smoothing_window, y_limits)
from regviz.gui.session import METHOD_COLORS, LiveState, RunSetup
from regviz.gui.views.base import CanvasView
from regviz.gui.views.fit_view import AXIS_COLOR, DIVERGED_COLOR, member_legend_text, style_plot

# Line style per loss term: (key, legend text, Qt pen style). Every pen is 1 px wide on purpose:
# Qt strokes a wider dashed pen along every pixel of a noisy path; measured here, one repaint of
# 4,000 noisy steps took 0.85 s with a 2 px dashed pen against 7 ms with a 1 px one.
TERMS = (
    ("total", "total", QtCore.Qt.PenStyle.SolidLine),
    ("data", "data term", QtCore.Qt.PenStyle.DashLine),
    ("penalty", "penalty term", QtCore.Qt.PenStyle.DotLine),
)
DASH_PATTERN = [5.0, 3.0]  # longer dashes than Qt's default 4-2, easier to tell from solid at 1 px

LOG_FLOOR = 1e-4  # log scale: zeros (the penalty of an unregularised model) are drawn at this floor
MAX_MARKER_POINTS = 600  # test-error markers are drawn while at most this many (all models) are in view
AXIS_WIDTH = 56  # both left axes get the same width so the shared x axis lines up
HEADROOM = 1.25  # when the history reaches the right edge, the x range grows to ~1.25x the steps
CLIP_HEIGHTS = 20.0  # values further than this many view heights outside the view are clipped


def term_pen(color, style, width: float = 1) -> QtGui.QPen:
    pen = pg.mkPen(color, width=width, style=style)
    if style == QtCore.Qt.PenStyle.DashLine:
        pen.setDashPattern(DASH_PATTERN)
    return pen


def has_penalty(member: MemberSpec) -> bool:
    return member.method != "none" and member.lam != 0


class LossView(CanvasView):
    title = "Loss"

    def __init__(self, parent=None):
        super().__init__("lossCanvas", parent)
        self.graphics.setBackground("w")
        self.smooth_check = QtWidgets.QCheckBox("Smooth")
        self.smooth_check.setObjectName("lossSmoothCheck")
        self.smooth_check.setToolTip("Moving average over about one epoch of steps")
        self.smooth_check.setChecked(True)
        self.log_check = QtWidgets.QCheckBox("Log scale")
        self.log_check.setObjectName("lossLogCheck")
        self.log_check.setToolTip(f"Logarithmic loss axis (zeros are drawn at {LOG_FLOOR:g})")
        self.controls.addWidget(self.smooth_check)
        self.controls.addWidget(self.log_check)
        self.controls.addStretch(1)
        self.smooth_check.toggled.connect(self._on_smooth_toggled)
        self.log_check.toggled.connect(self._on_log_toggled)

        self.loss_plot: pg.PlotItem | None = None
        self.error_plot: pg.PlotItem | None = None
        self.legend: pg.LegendItem | None = None
        self.curves: dict[str, list[pg.PlotCurveItem]] = {}  # term -> one curve per model
        self.error_curves: list[pg.PlotCurveItem] = []
        self.error_markers: list[pg.ScatterPlotItem] = []
        self._model_keys: list[pg.PlotDataItem] = []  # legend-only items, one per model
        self._term_keys: list[pg.PlotDataItem] = []  # legend-only items, one per term
        self._setup: RunSetup | None = None
        self._state: LiveState | None = None  # the last state drawn (to redraw on a zoom)
        self._style_key: tuple | None = None
        self._markers_shown = True
        self._errors_key: tuple | None = None  # what the test-error items show (to skip repeats)
        self._follow = True  # the ranges follow the data (until the user zooms or pans)
        self._x_max = 0.0
        self._y_fresh = True  # set the y ranges afresh at the next render (else only on need)
        self._in_render = False
        self._caches: dict = {}
        self._history_versions = (-1, -1)

    # ------------------------------------------------------------------ options
    @property
    def smoothing(self) -> bool:
        return self.smooth_check.isChecked()

    @property
    def log_scale(self) -> bool:
        return self.log_check.isChecked()

    @property
    def following(self) -> bool:
        return self._follow

    # Either option redraws the last state at once (the axis and the data must change together)
    # and invalidates, so the window's next render_if_changed draws too, even while paused.
    def _on_smooth_toggled(self, _checked: bool) -> None:
        self._y_fresh = True  # raw spikes and a smoothed curve want different ranges
        self._redraw()
        self.invalidate()

    def _on_log_toggled(self, checked: bool) -> None:
        if self.loss_plot is not None:
            self.loss_plot.setLogMode(y=checked)
        self._redraw()
        self.invalidate()

    # ------------------------------------------------------------------ once per run
    def set_setup(self, setup: RunSetup) -> None:
        """Items for a new run: the existing plots, curves and legend are emptied and relabelled
        when the number of models is the same, else built anew."""
        same = self._setup is not None and self._setup.size == setup.size and self.loss_plot is not None
        self._setup = setup
        self._state = None
        self._style_key = None  # pens and legend labels follow at the next render
        self._caches = {}
        self._errors_key = None
        self._follow, self._x_max, self._y_fresh = True, 0.0, True
        if same:
            for curve in [c for curves in self.curves.values() for c in curves] + self.error_curves:
                curve.setData([], [])
            for markers in self.error_markers:
                markers.setData([], [])
            for plot in (self.loss_plot, self.error_plot):
                plot.disableAutoRange()
            self.loss_plot.setXRange(0, 1, padding=0)
            self._apply_visibility()
            self.invalidate()
            return
        self._build()

    def _build(self) -> None:
        setup = self._setup
        self.graphics.clear()

        top = self.graphics.addPlot(row=0, col=0)
        bottom = self.graphics.addPlot(row=1, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.loss_plot, self.error_plot = top, bottom
        for plot in (top, bottom):
            style_plot(plot)
            plot.setMenuEnabled(False, enableViewBoxMenu=True)  # keep "View All"; no per-plot options
            plot.getAxis("left").setWidth(AXIS_WIDTH)
        top.setLogMode(y=self.log_scale)  # the test error spans about a decade: it stays linear
        top.setLabel("left", "loss per step", color=AXIS_COLOR)
        top.getAxis("bottom").setStyle(showValues=False)
        bottom.setLabel("left", "test Σ|error|", color=AXIS_COLOR)
        bottom.setLabel("bottom", "step", color=AXIS_COLOR)
        bottom.setXLink(top)
        # Both ranges are set by render (see _render_losses): pyqtgraph's autorange would move the
        # axes every frame and let a diverged model's 1e237 stretch the y axis flat.
        top.disableAutoRange()
        bottom.disableAutoRange()
        top.setXRange(0, 1, padding=0)

        self.curves = {key: [] for key, *_ in TERMS}
        self.error_curves, self.error_markers = [], []
        for member in setup.members:
            color = METHOD_COLORS.get(member.method, "#000000")
            for key, _text, style in TERMS:
                curve = self._add_curve(top, term_pen(color, style))
                # The noisy data term at the bottom, the total over it, the smooth penalty on
                # top (so that it stays visible over the raw, unsmoothed band of the others).
                curve.setZValue({"data": 0, "total": 1, "penalty": 2}[key])
                self.curves[key].append(curve)
            self.error_curves.append(self._add_curve(bottom, pg.mkPen(color, width=1)))
            # Markers are a separate scatter, updated only while few enough are in view.
            markers = pg.ScatterPlotItem(symbol="o", size=5, pen=None, brush=pg.mkBrush(color))
            bottom.addItem(markers)
            self.error_markers.append(markers)
        self._markers_shown = True
        self._errors_key = None

        # Legend: one entry per model (its colour) in the first column, one per term (its line
        # style, in grey) in the second. The entries are legend-only items: clicking one hides that
        # model or that term everywhere.
        self.legend = top.addLegend(offset=(-8, 8), labelTextColor=AXIS_COLOR,
                                    brush=pg.mkBrush(255, 255, 255, 200), pen=pg.mkPen("#dadce0"))
        self._model_keys = [pg.PlotDataItem(pen=pg.mkPen(METHOD_COLORS.get(m.method, "#000000"), width=3))
                            for m in setup.members]
        self._term_keys = [pg.PlotDataItem(pen=term_pen("#5f6368", style, width=1.5))
                           for _key, _text, style in TERMS]
        for k, (item, member) in enumerate(zip(self._model_keys, setup.members)):
            self._add_legend_entry(item, member_legend_text(member, False), k, 0)
        for t, (item, (_key, text, _style)) in enumerate(zip(self._term_keys, TERMS)):
            self._add_legend_entry(item, text, t, 1)
        self.legend.layout.setColumnSpacing(1, 14)  # a gap between the model and term columns
        self.legend.updateSize()
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)

        for vb in (top.vb, bottom.vb):
            vb.sigRangeChangedManually.connect(self._on_manual_range)
            vb.sigStateChanged.connect(self._on_view_state_changed)
        top.vb.sigXRangeChanged.connect(self._on_x_range_changed)
        self.invalidate()

    @staticmethod
    def _add_curve(plot: pg.PlotItem, pen) -> pg.PlotCurveItem:
        # PlotCurveItem, not PlotDataItem: its setData costs ~15 us against ~250 us (measured), and
        # the data it gets is already decimated and, on the log axis, already log10'd.
        curve = pg.PlotCurveItem(pen=pen, connect="finite")
        plot.addItem(curve)
        return curve

    def _add_legend_entry(self, item: pg.PlotDataItem, text: str, row: int, column: int) -> None:
        """LegendItem.addItem fills row by row; this puts models and terms in their own columns."""
        legend = self.legend
        sample = pg.ItemSample(item)
        label = pg.LabelItem(text, color=legend.opts["labelTextColor"], justify="left",
                             size=legend.opts["labelTextSize"])
        sample.sigClicked.connect(legend.sigSampleClicked)
        legend.items.append((sample, label))
        legend.layout.addItem(sample, row, 2 * column, alignment=QtCore.Qt.AlignmentFlag.AlignVCenter)
        legend.layout.addItem(label, row, 2 * column + 1)

    # ------------------------------------------------------------------ interaction
    def _on_legend_clicked(self, _item) -> None:
        self._apply_visibility()
        self._y_fresh = True
        self._redraw()

    def _apply_visibility(self) -> None:
        """A curve shows when its model and its term are on in the legend; the penalty of a model
        without one (method none, or lambda 0) is identically 0 and is not drawn."""
        members = self._style_key[0] if self._style_key else self._setup.members
        for t, (key, *_rest) in enumerate(TERMS):
            term_on = self._term_keys[t].isVisible()
            for k, curve in enumerate(self.curves[key]):
                shown = term_on and self._model_keys[k].isVisible()
                if key == "penalty":
                    shown = shown and has_penalty(members[k])
                curve.setVisible(shown)
        for k, (curve, markers) in enumerate(zip(self.error_curves, self.error_markers)):
            curve.setVisible(self._model_keys[k].isVisible())
            markers.setVisible(self._markers_shown and self._model_keys[k].isVisible())

    def _on_manual_range(self, *_args) -> None:
        if self._follow:
            self._follow = False
            self._redraw()

    def _on_view_state_changed(self, vb) -> None:
        # pyqtgraph's "A" button (auto-range) means: follow the data again, with our ranges.
        if any(vb.autoRangeEnabled()):
            self.follow_data()

    def follow_data(self) -> None:
        """Let the ranges follow the history again (after a zoom or pan)."""
        self._follow, self._x_max, self._y_fresh = True, 0.0, True
        for plot in (self.loss_plot, self.error_plot):
            plot.disableAutoRange()
        self._redraw()

    def _on_x_range_changed(self, *_args) -> None:
        if not self._follow and not self._in_render:
            self._redraw()  # zoomed: envelope the steps now in view

    def _redraw(self) -> None:
        if self._state is not None:
            self.render(self._state)
        else:
            self.invalidate()

    # ------------------------------------------------------------------ every frame
    def render(self, state: LiveState) -> None:
        if state.setup is not self._setup:
            self.set_setup(state.setup)
        versions = (state.history.version, state.epoch_history.version)
        if state is not self._state or versions != self._history_versions:
            # a new history (a reset), or older rows were merged (history.py): no cache applies
            self._caches = {}
            self._errors_key = None
            self._state, self._history_versions = state, versions
        self._in_render = True
        try:
            diverged = np.asarray(state.diverged, bool)
            key = (tuple(state.members), tuple(diverged.tolist()))
            if key != self._style_key:
                self._style_key = key
                self._restyle(state.members, diverged)
            self._render_losses(state)
            self._render_errors(state)
            self._y_fresh = False
        finally:
            self._in_render = False

    def _term_rows(self, state: LiveState, smoothed: bool):
        """Per term, a function rows(start, stop) -> (high, low), each [stop - start, K], over the
        whole history. Raw: each row's highest and lowest value (the same for a row of one step);
        smoothed: the moving average of the rows' means, as both."""
        history = state.history
        if not smoothed:
            return {term: (lambda a, b, t=term: (history.high(t)[a:b], history.low(t)[a:b]))
                    for term, _text, _style in TERMS}
        if "smooth" not in self._caches:
            window, k = smoothing_window(self._setup), self._setup.size
            self._caches["smooth"] = (IncrementalSmooth(window, k), IncrementalSmooth(window, k))
        smooth_data, smooth_penalty = self._caches["smooth"]
        data, penalty = smooth_data(history.mean("data")), smooth_penalty(history.mean("penalty"))

        def same(values):
            return values, values

        return {
            "total": lambda a, b: same(data[a:b] + penalty[a:b]),
            "data": lambda a, b: same(data[a:b]),
            "penalty": lambda a, b: same(penalty[a:b]),
        }

    def _decimated(self, cache_key, n: int, rows, xs: np.ndarray, start: int, stop: int):
        """(x, values [m, K]) to draw for rows start..stop of a history of n rows: the rows as
        they are while few, else a peak envelope (incremental while following the data)."""
        if self._follow:
            envelope = self._caches.get(cache_key)
            if envelope is None:
                envelope = self._caches[cache_key] = IncrementalEnvelope(self._setup.size)
            index, values = envelope(n, rows)
            return (xs if index is None else np.repeat(xs[index], 2)), values
        bucket = max(1, -(-(stop - start) // ENVELOPE_BUCKETS))
        high, low = rows(start, stop)
        if bucket == 1:
            return xs[start:stop], high
        return np.repeat(xs[start:stop:bucket], 2), peak_envelope(high, bucket, low)

    def _visible_rows(self, xs: np.ndarray) -> tuple[int, int]:
        """Indices start..stop of the sorted xs in the x range shown (one more on each side)."""
        if self._follow:
            return 0, len(xs)
        x0, x1 = self.loss_plot.vb.viewRange()[0]
        start = max(0, int(np.searchsorted(xs, x0, "left")) - 1)
        stop = min(len(xs), int(np.searchsorted(xs, x1, "right")) + 1)
        return start, stop

    def _render_losses(self, state: LiveState) -> None:
        steps = state.steps
        n = len(steps)
        if self._follow:
            last = float(steps[-1]) if n else 0.0
            if last > self._x_max or self._x_max == 0.0:
                self._x_max = nice_ceil(max(last, 1.0) * HEADROOM)
                self.loss_plot.setXRange(0, self._x_max, padding=0)
        start, stop = self._visible_rows(steps)
        smoothed, log = self.smoothing, self.log_scale
        rows = self._term_rows(state, smoothed)
        drawn = {}
        for term, _text, _style in TERMS:
            x, values = self._decimated((term, smoothed), n, rows[term], steps, start, stop)
            if log:  # PlotCurveItem draws what it gets: the log axis wants log10 values
                values = np.log10(np.maximum(values, LOG_FLOOR))  # NaN (diverged) stays a gap
            drawn[term] = (x, values)
        shown = {term: [c.isVisible() for c in self.curves[term]] for term in drawn}
        low, high = self._follow_y(self.loss_plot, [(v, shown[t]) for t, (_x, v) in drawn.items()],
                                   state.diverged)
        for term, (x, values) in drawn.items():
            values = clip_far(values, low, high)
            for k, curve in enumerate(self.curves[term]):
                # Antialiasing only for smoothed curves: on a raw, noisy envelope it is invisible
                # and cost ~40% of the repaint (measured).
                curve.setData(x, values[:, k], antialias=smoothed)

    def _render_errors(self, state: LiveState) -> None:
        epoch_steps, errors = state.epoch_steps, state.test_error
        n = len(epoch_steps)
        start, stop = self._visible_rows(epoch_steps)
        key = (self._follow, start, stop, n, self._y_fresh)
        if key == self._errors_key:
            return  # no new epoch and no zoom since the last frame
        self._errors_key = key
        history = state.epoch_history
        x, values = self._decimated("errors", n, lambda a, b: (history.high("test_error")[a:b],
                                                               history.low("test_error")[a:b]),
                                    epoch_steps, start, stop)
        shown = [c.isVisible() for c in self.error_curves]
        low, high = self._follow_y(self.error_plot, [(values, shown)], state.diverged)
        values = clip_far(values, low, high)
        for k, curve in enumerate(self.error_curves):
            curve.setData(x, values[:, k])
        # Markers while few enough are in view to tell apart (ScatterPlotItem.setData is the
        # slowest call here, ~1 ms per 300 points): none once an axis holds more.
        markers_on = (stop - start) * max(1, len(self.error_markers)) <= MAX_MARKER_POINTS
        if markers_on:
            xs = epoch_steps[start:stop]
            for k, markers in enumerate(self.error_markers):
                y = errors[start:stop, k]
                keep = (y >= low) & (y <= high)  # also drops NaN
                markers.setData(x=xs[keep], y=y[keep])
        if markers_on != self._markers_shown:
            self._markers_shown = markers_on
            self._apply_visibility()

    def _follow_y(self, plot: pg.PlotItem, blocks, diverged: np.ndarray) -> tuple[float, float]:
        """While following, fit the y range to the finite values of the shown, live models (a
        diverged model is left out: its last values can be 1e237), growing with a margin at once
        and shrinking only when the data fill less than 60% of it, so the axis rarely moves.
        Returns the band outside which values are clipped for drawing."""
        if self._follow:
            limits = y_limits(blocks, ~np.asarray(diverged, bool))
            if limits is not None:
                low, high = limits
                span = (high - low) or max(abs(high), 1.0) * 0.1
                y0, y1 = plot.vb.viewRange()[1]
                if self._y_fresh or low < y0 or high > y1 or (high - low) < 0.6 * (y1 - y0):
                    plot.setYRange(low - 0.05 * span, high + 0.05 * span, padding=0)
        y0, y1 = plot.vb.viewRange()[1]
        return y0 - CLIP_HEIGHTS * (y1 - y0), y1 + CLIP_HEIGHTS * (y1 - y0)

    def _restyle(self, members, diverged: np.ndarray) -> None:
        for k, member in enumerate(members):
            gone = bool(diverged[k]) if k < len(diverged) else False
            color = METHOD_COLORS.get(member.method, "#000000")
            for key, _text, style in TERMS:
                self.curves[key][k].setPen(term_pen(color, style))
            self.error_curves[k].setPen(pg.mkPen(color, width=1))
            self.error_markers[k].setBrush(pg.mkBrush(color))
            self._model_keys[k].setPen(pg.mkPen(color, width=3))
            label = self.legend.getLabel(self._model_keys[k])
            if label is not None:
                label.setText(member_legend_text(member, gone), color=DIVERGED_COLOR if gone else AXIS_COLOR)
        self.legend.updateSize()
        for sample, _ in self.legend.items:
            sample.update()
        self._y_fresh = True  # e.g. a model diverged: the range can shrink back to the others
        self._apply_visibility()
