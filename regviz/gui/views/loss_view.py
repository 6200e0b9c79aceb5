"""The loss canvas: per model the data term, the penalty term and their total over the steps (top),
and the test error once per epoch (bottom, x axis shared).

Models are told apart by colour and dash pattern (their method's), terms by width and opacity:
the total thick, the data term faint, the penalty thin. The legend flows above the plots.

Histories grow to 100k+ steps at 30-60 redraws a second, so the top plot never hands pyqtgraph the
whole history (bounded by merging, history.py): it draws a peak envelope (max and min of the
rows in each pixel column, like pyqtgraph's 'peak' downsampling, so every spike stays visible), so
a curve has at most two points per pixel, however long the run; the moving average is kept
incrementally. The ranges are set here, not by pyqtgraph's autorange: x follows the data with some
headroom and only moves when the history outgrows it, y fits the live models (a diverged model's
1e237 would flatten everyone else) and moves only when the data leave it or shrink well inside it,
so the axes are not re-laid out every frame. Zooming or panning by mouse stops the following (the
visible steps are then enveloped at full resolution); pyqtgraph's "A" button resumes it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from regviz.gui.plotmath import (ENVELOPE_BUCKETS, MIN_COLUMNS, CurveData, clip_far, nice_ceil, smoothing_window,
                                 y_limits)
from regviz.gui.session import LiveState, RunSetup
from regviz.gui.views.base import CanvasView, axis_label, member_legend_text, method_pen, style_plot
from regviz.gui.views.items import FlowLegend
from regviz.gui.views.loss_pens import TERMS, error_pen, has_penalty, term_key_pen, term_pen

LOG_FLOOR = 1e-4  # log scale: zeros (the penalty of an unregularised model) are drawn at this floor
MAX_MARKER_POINTS = 600  # test-error markers are drawn while at most this many (all models) are in view
AXIS_WIDTH = 56  # both left axes get the same width so the shared x axis lines up
HEADROOM = 1.25  # when the history reaches the right edge, the x range grows to ~1.25x the steps
CLIP_HEIGHTS = 20.0  # values further than this many view heights outside the view are clipped
SMOOTHED_BUCKET_PX = 2  # a smoothed curve's envelope buckets are this many pixels wide


class LossView(CanvasView):
    title = "Loss"

    def __init__(self, parent=None):
        super().__init__("lossCanvas", parent)
        self.graphics.setBackground(self.theme.background)
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
        self.legend: FlowLegend | None = None
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
        self._errors_dense = False  # more epochs than pixels: the test error is drawn thin
        self._follow = True  # the ranges follow the data (until the user zooms or pans)
        self._x_max = 0.0
        self._y_fresh = True  # set the y ranges afresh at the next render (else only on need)
        self._in_render = False
        self._curves: CurveData | None = None  # the smoothing, kept incrementally
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
        self._style_key = None  # and different pens (see TERMS)
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
        self._curves = None
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

    def rebuild(self) -> None:
        if self._setup is not None:
            state = self._state
            self._setup, setup = None, self._setup
            self.set_setup(setup)
            if state is not None:
                self.render(state)

    def _build(self) -> None:
        setup, theme = self._setup, self.theme
        self.graphics.clear()
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        # The legend flows above the plots (models, then terms), never over a curve. Its entries
        # are legend-only items: clicking one hides that model or that term everywhere.
        self.legend = FlowLegend(theme.foreground, theme.pt(9))
        layout.addItem(self.legend, row=0, col=0)
        top = layout.addPlot(row=1, col=0)
        bottom = layout.addPlot(row=2, col=0)
        layout.layout.setRowStretchFactor(1, 3)
        layout.layout.setRowStretchFactor(2, 2)
        self.loss_plot, self.error_plot = top, bottom
        for plot in (top, bottom):
            style_plot(plot, theme)
            plot.setMenuEnabled(False, enableViewBoxMenu=True)  # keep "View All"; no per-plot options
            plot.getAxis("left").setWidth(AXIS_WIDTH * theme.font_scale)
        top.setLogMode(y=self.log_scale)  # the test error spans about a decade: it stays linear
        # short: with four compare models at 1280x720 each of the two plots is about 80 px tall
        axis_label(top, "left", "loss", theme)
        top.getAxis("bottom").setStyle(showValues=False)
        axis_label(bottom, "left", "test Σ|error|", theme)
        axis_label(bottom, "bottom", "step", theme)
        bottom.setXLink(top)
        # Both ranges are set by render (see _render_losses): pyqtgraph's autorange would move the
        # axes every frame and let a diverged model's 1e237 stretch the y axis flat.
        top.disableAutoRange()
        bottom.disableAutoRange()
        top.setXRange(0, 1, padding=0)

        self.curves = {key: [] for key, *_ in TERMS}
        self.error_curves, self.error_markers = [], []
        smoothed = self.smoothing
        for member in setup.members:
            for key, *_rest in TERMS:
                curve = self._add_curve(top, term_pen(theme, member.method, key, smoothed))
                # The noisy data term at the bottom, the total over it, the smooth penalty on
                # top (so that it stays visible over the raw, unsmoothed band of the others).
                curve.setZValue({"data": 0, "total": 1, "penalty": 2}[key])
                self.curves[key].append(curve)
            self.error_curves.append(self._add_curve(bottom, error_pen(theme, member.method, False)))
            # Markers are a separate scatter, updated only while few enough are in view.
            markers = pg.ScatterPlotItem(symbol="o", size=5 * theme.font_scale, pen=None,
                                         brush=pg.mkBrush(theme.method_color(member.method)))
            bottom.addItem(markers)
            self.error_markers.append(markers)
        self._markers_shown = True
        self._errors_key = None
        self._errors_dense = False

        self._model_keys = [pg.PlotDataItem(pen=method_pen(theme, m.method, 2.5)) for m in setup.members]
        self._term_keys = [pg.PlotDataItem(pen=term_key_pen(theme, width, alpha)) for _k, _t, width, alpha in TERMS]
        for item, member in zip(self._model_keys, setup.members):
            self.legend.addItem(item, member_legend_text(member, False))
        for item, (_key, text, _width, _alpha) in zip(self._term_keys, TERMS):
            self.legend.addItem(item, text)
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)

        for vb in (top.vb, bottom.vb):
            vb.sigRangeChangedManually.connect(self._on_manual_range)
            vb.sigStateChanged.connect(self._on_view_state_changed)
        top.vb.sigXRangeChanged.connect(self._on_x_range_changed)
        self.fit_layout()
        self.invalidate()

    @staticmethod
    def _add_curve(plot: pg.PlotItem, pen) -> pg.PlotCurveItem:
        # PlotCurveItem, not PlotDataItem: its setData costs ~15 us against ~250 us (measured), and
        # the data it gets is already decimated and, on the log axis, already log10'd.
        curve = pg.PlotCurveItem(pen=pen, connect="finite")
        plot.addItem(curve)
        return curve

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
            self._curves = CurveData(self._setup.size, smoothing_window(self._setup))
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

    def _visible_rows(self, xs: np.ndarray) -> tuple[int, int]:
        """Indices start..stop of the sorted xs in the x range shown (one more on each side)."""
        if self._follow:
            return 0, len(xs)
        x0, x1 = self.loss_plot.vb.viewRange()[0]
        start = max(0, int(np.searchsorted(xs, x0, "left")) - 1)
        stop = min(len(xs), int(np.searchsorted(xs, x1, "right")) + 1)
        return start, stop

    def _columns(self) -> int:
        """Envelope buckets: one per pixel column of the plot (within bounds, see plotmath)."""
        return max(MIN_COLUMNS, min(ENVELOPE_BUCKETS, int(self.loss_plot.vb.width())))

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
        rows = self._curves.term_rows(state.history, smoothed, [term for term, *_rest in TERMS])
        # A smoothed curve is antialiased and 2 px wide, which costs per point (4 curves of 450
        # points: 4.0 ms, of 225: 1.5 ms, measured); it changes little within 2 px, so its
        # buckets are 2 px wide.
        columns = self._columns() // (SMOOTHED_BUCKET_PX if smoothed else 1)
        x_range = self.loss_plot.vb.viewRange()[0]
        drawn = {}
        for term, *_rest in TERMS:
            x, values, _ = self._curves.decimated(rows[term], steps, start, stop, x_range, columns)
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
        x_range, columns = tuple(self.loss_plot.vb.viewRange()[0]), self._columns()
        key = (self._follow, start, stop, n, self._y_fresh, x_range, columns)
        if key == self._errors_key:
            return  # no new epoch and no zoom since the last frame
        self._errors_key = key
        history = state.epoch_history
        def rows(a, b):
            return history.high("test_error")[a:b], history.low("test_error")[a:b]

        x, values, _ = self._curves.decimated(rows, epoch_steps, start, stop, x_range, columns)
        shown = [c.isVisible() for c in self.error_curves]
        low, high = self._follow_y(self.error_plot, [(values, shown)], state.diverged)
        values = clip_far(values, low, high)
        # More epochs than pixel columns make a noisy zig-zag: drawn 1 px wide without
        # antialiasing, which looks the same there and cost 12 of a 15 ms repaint with 4 models.
        dense = stop - start > columns
        if dense != self._errors_dense:
            self._errors_dense = dense
            for member, curve in zip(self._style_key[0], self.error_curves):
                curve.setPen(error_pen(self.theme, member.method, dense))
        for k, curve in enumerate(self.error_curves):
            curve.setData(x, values[:, k], antialias=not dense)
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
        theme, smoothed = self.theme, self.smoothing
        for k, member in enumerate(members):
            gone = bool(diverged[k]) if k < len(diverged) else False
            for key, *_rest in TERMS:
                self.curves[key][k].setPen(term_pen(theme, member.method, key, smoothed))
            self.error_curves[k].setPen(error_pen(theme, member.method, self._errors_dense))
            self.error_markers[k].setBrush(pg.mkBrush(theme.method_color(member.method)))
            self._model_keys[k].setPen(method_pen(theme, member.method, 2.5))
            label = self.legend.getLabel(self._model_keys[k])
            if label is not None:
                label.setText(member_legend_text(member, gone), color=theme.diverged if gone else theme.foreground)
        self.legend.updateSize()
        for sample, _ in self.legend.items:
            sample.update()
        self._y_fresh = True  # e.g. a model diverged: the range can shrink back to the others
        self._apply_visibility()

