"""The fit canvas: the data (train, test, outliers), the clean line and one prediction curve per model.

The legend flows above the plot, so it never covers a point. Each model has its colour and its
own dash pattern; outliers are ringed in a colour no model uses.

Items are built once per run in set_setup; render() only moves the prediction curves (setData on
200 points each) and, when the models' hyper-parameters or divergence change, their pens and legend
labels. The view range is fixed from the data, so no frame pays for autorange.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


from regviz.gui.session import LiveState, RunSetup
from regviz.gui.views.base import CanvasView, legend_above_plot, member_legend_text, member_pen
from regviz.gui.views.items import FlowLegend

# Predictions far outside the view are clipped to this many view heights above/below it: Qt draws
# a 1e30-pixel line slowly and badly, and a model on its way to diverging can get there.
CLIP_HEIGHTS = 20.0


def _outliers(ds) -> tuple[np.ndarray, np.ndarray]:
    return (np.concatenate([ds.x_train[ds.outlier_train], ds.x_test[ds.outlier_test]]),
            np.concatenate([ds.y_train[ds.outlier_train], ds.y_test[ds.outlier_test]]))


def _legend_shape(setup: RunSetup) -> tuple:
    """What decides the legend's entries: the models, whether there are outliers and a clean line."""
    ds = setup.dataset
    return (setup.size, bool(ds.outlier_train.any() or ds.outlier_test.any()), ds.clean_slope is not None)


class FitView(CanvasView):
    title = "Fit"

    def __init__(self, parent=None):
        super().__init__("fitCanvas", parent)
        self.graphics.setBackground(self.theme.background)
        self.plot: pg.PlotItem | None = None
        self.legend: FlowLegend | None = None
        self.train_points: pg.PlotDataItem | None = None
        self.test_points: pg.PlotDataItem | None = None
        self.outlier_points: pg.PlotDataItem | None = None
        self.clean_line: pg.PlotDataItem | None = None
        self.curves: list[pg.PlotCurveItem] = []
        self._setup: RunSetup | None = None
        self._style_key: tuple | None = None  # (members, diverged) the pens and labels were made for
        self._clip = (-np.inf, np.inf)
        self._home = ((0.0, 1.0), (0.0, 1.0))  # the fixed view range: (x0, x1), (y0, y1)

    # ------------------------------------------------------------------ once per run
    def set_setup(self, setup: RunSetup) -> None:
        """Items for a new run: the existing ones get the new data when the legend stays the same
        (as many models, outliers and a clean line or not), else they are built anew."""
        if self._setup is not None and _legend_shape(setup) == _legend_shape(self._setup):
            self._refill(setup)
        else:
            self._build(setup)

    def _refill(self, setup: RunSetup) -> None:
        self._setup = setup
        self._style_key = None  # pens and labels follow at the next render
        ds = setup.dataset
        self.train_points.setData(ds.x_train, ds.y_train)
        self.test_points.setData(ds.x_test, ds.y_test)
        self.outlier_points.setData(*_outliers(ds))
        if self.clean_line is not None:
            ends = np.array([setup.fit_grid[0], setup.fit_grid[-1]])
            self.clean_line.setData(ends, ds.clean_slope * ends + ds.clean_intercept)
        for curve in self.curves:
            curve.setData([], [])
        self._fit_home(setup)
        self.invalidate()

    def rebuild(self) -> None:
        if self._setup is not None:
            self._build(self._setup)

    def _build(self, setup: RunSetup) -> None:
        self._setup = setup
        self._style_key = None
        theme = self.theme
        self.legend, plot = legend_above_plot(self.graphics, theme, "x", "y")
        self.plot = plot
        scale = theme.font_scale

        ds = setup.dataset
        self.train_points = plot.plot(
            ds.x_train, ds.y_train, pen=None, symbol="o", symbolSize=7 * scale,
            symbolPen=pg.mkPen(theme.points), symbolBrush=pg.mkBrush(theme.points))
        self.legend.addItem(self.train_points, "train points")
        self.test_points = plot.plot(
            ds.x_test, ds.y_test, pen=None, symbol="s", symbolSize=8 * scale,
            symbolPen=pg.mkPen(theme.points, width=theme.width(1.5)), symbolBrush=pg.mkBrush(theme.background))
        self.legend.addItem(self.test_points, "test points")
        outlier_x, outlier_y = _outliers(ds)
        self.outlier_points = plot.plot(
            outlier_x, outlier_y, pen=None, symbol="o", symbolSize=15 * scale,
            symbolPen=pg.mkPen(theme.outlier, width=theme.width(2.5)), symbolBrush=None)
        if len(outlier_x):
            self.legend.addItem(self.outlier_points, "outliers")
        self.clean_line = None
        if ds.clean_slope is not None and ds.clean_intercept is not None:
            ends = np.array([setup.fit_grid[0], setup.fit_grid[-1]])  # a straight line: two points
            pen = pg.mkPen(theme.muted, width=theme.width(1.5))
            pen.setDashPattern([10.0, 5.0])  # long dashes: not one of the models' patterns
            self.clean_line = plot.plot(ends, ds.clean_slope * ends + ds.clean_intercept, antialias=True, pen=pen)
            self.clean_line.setZValue(-5)
            self.legend.addItem(self.clean_line, "clean line")
        # PlotCurveItem rather than PlotDataItem: setData costs ~15 us against ~300 us (measured).
        self.curves = []
        for k, member in enumerate(setup.members):
            curve = pg.PlotCurveItem(pen=member_pen(theme, member, False), antialias=True, connect="finite")
            curve.setZValue(10 + k)
            plot.addItem(curve)
            self.legend.addItem(curve, member_legend_text(member, False))
            self.curves.append(curve)

        self._fit_home(setup)
        plot.vb.sigStateChanged.connect(self._on_view_state_changed)
        self.fit_layout()
        self.invalidate()

    def _fit_home(self, setup: RunSetup) -> None:
        """A fixed view: the fit grid across, the data (and the clean line) with a margin up and down."""
        ds = setup.dataset
        ys = [ds.y_train, ds.y_test]
        if self.clean_line is not None:
            ys.append(self.clean_line.yData)
        y_all = np.concatenate(ys)
        y_low, y_high = float(np.min(y_all)), float(np.max(y_all))
        span = max(y_high - y_low, 1e-9)
        y_low, y_high = y_low - 0.08 * span, y_high + 0.08 * span
        self._home = ((float(setup.fit_grid[0]), float(setup.fit_grid[-1])), (y_low, y_high))
        self._clip = (y_low - CLIP_HEIGHTS * span, y_high + CLIP_HEIGHTS * span)
        self.reset_view()

    def reset_view(self) -> None:
        """Back to the fixed range from the data (after the user zoomed or panned)."""
        self.plot.disableAutoRange()
        self.plot.setRange(xRange=self._home[0], yRange=self._home[1], padding=0)

    def _on_view_state_changed(self, vb) -> None:
        # pyqtgraph's "A" button would autorange to every item, far-off predictions included;
        # here it means "back to the data".
        if any(vb.autoRangeEnabled()):
            self.reset_view()

    # ------------------------------------------------------------------ every frame
    def render(self, state: LiveState) -> None:
        if state.setup is not self._setup:
            self.set_setup(state.setup)
        if state.prediction is None:
            return
        diverged = np.asarray(state.diverged, bool)
        key = (tuple(state.members), tuple(diverged.tolist()))
        if key != self._style_key:
            self._restyle(state.members, diverged)
            self._style_key = key
        grid = self._setup.fit_grid
        low, high = self._clip
        for k, curve in enumerate(self.curves):
            y = state.prediction[k]
            if not (np.all(y >= low) and np.all(y <= high)):  # rare: NaN or far off screen
                y = np.clip(y, low, high)
            curve.setData(grid, y)

    def _restyle(self, members, diverged: np.ndarray) -> None:
        theme = self.theme
        for k, (curve, member) in enumerate(zip(self.curves, members)):
            gone = bool(diverged[k]) if k < len(diverged) else False
            curve.setPen(member_pen(theme, member, gone))
            curve.setZValue((0 if gone else 10) + k)  # live models above diverged ones
            label = self.legend.getLabel(curve)
            if label is not None:
                label.setText(member_legend_text(member, gone), color=theme.diverged if gone else theme.foreground)
        self.legend.updateSize()
        for sample, _ in self.legend.items:
            sample.update()
