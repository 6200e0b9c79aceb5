"""The regularization path: sparsity, total test error and train loss against λ on a log axis, per
method the median over the seeds (its colour and dash pattern) inside a shaded min-max band. With
the subgradient rule a dotted line marks the λ where lr·λ₁ reaches the sparsity threshold (where
the chatter starts to read as "not sparse"). A click on a plot picks the nearest λ
(sigLambdaClicked), which the tab loads into the Live tab."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.experiment_rows import method_label
from regviz.gui.sweep_math import METRICS, Band, chatter_lambda, nearest_lambda_index, sweep_bands
from regviz.gui.views.base import CanvasView, axis_label, method_pen, style_plot
from regviz.gui.views.items import FlowLegend, WrapLabel

BAND_ALPHA = 55


def band_path(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> QtGui.QPainterPath:
    """The area between low and high as one polygon per run of finite points (a lambda where every
    seed diverged leaves a gap)."""
    path = QtGui.QPainterPath()
    finite = np.isfinite(low) & np.isfinite(high)
    start = None
    for i in range(len(x) + 1):
        if i < len(x) and finite[i]:
            start = i if start is None else start
            continue
        if start is not None:
            idx = np.arange(start, i)
            points = [QtCore.QPointF(x[j], high[j]) for j in idx] + [QtCore.QPointF(x[j], low[j]) for j in idx[::-1]]
            path.addPolygon(QtGui.QPolygonF(points))
            path.closeSubpath()
            start = None
    return path


class BandItem(QtWidgets.QGraphicsPathItem):
    """A min-max band in a plot's data coordinates (x is log10 λ)."""

    def __init__(self, band: Band, color: str):
        super().__init__(band_path(np.log10(band.lambdas), band.low, band.high))
        fill = pg.mkColor(color)
        fill.setAlpha(BAND_ALPHA)
        self.setBrush(QtGui.QBrush(fill))
        self.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.band = band


class SweepView(CanvasView):
    title = "Regularization path"
    sigLambdaClicked = QtCore.Signal(int)  # index into the sweep's lambdas

    def __init__(self, parent=None):
        super().__init__("sweepPlot", parent)
        self.graphics.setBackground(self.theme.background)
        self.result: dict | None = None
        self.rule = "subgradient"
        self.learning_rate, self.rho = 0.01, 0.5
        self.bands: dict[tuple[str, str], BandItem] = {}
        self.medians: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.chatter_lines: dict[str, pg.PlotDataItem] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self.legend: FlowLegend | None = None
        self._samples: list[pg.PlotDataItem] = []
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.graphics.setToolTip("Click a λ: the Live tab trains that model")
        self.rebuild()

    def set_result(self, result: dict | None, rule: str = "subgradient", learning_rate: float = 0.01,
                   rho: float = 0.5) -> None:
        self.result, self.rule, self.learning_rate, self.rho = result, rule, learning_rate, rho
        self.rebuild()

    @property
    def lambdas(self) -> list[float]:
        return [float(v) for v in self.result["lambdas"]] if self.result else []

    def seeds(self) -> int:
        if not self.result:
            return 0
        return len({r["seed"] for r in self.result["runs"]})

    def rebuild(self) -> None:
        theme = self.theme
        self.graphics.clear()
        self.bands, self.medians, self.chatter_lines, self.plots, self._samples = {}, {}, {}, {}, []
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        self.legend = FlowLegend(theme.foreground, theme.pt(9))
        self.legend.sigSampleClicked.connect(self._on_sample_clicked)
        layout.addItem(self.legend, row=0, col=0, colspan=len(METRICS))
        if not self.result:
            layout.addItem(WrapLabel("Run a sweep: sparsity and errors against λ appear here, the median over "
                                     "the seeds in a min–max band.", color=theme.muted, size=theme.pt(9)),
                           row=1, col=0, colspan=len(METRICS))
            self.fit_layout()
            return
        bands = sweep_bands(self.result)
        logs = np.log10(self.lambdas)
        first = None
        for col, (key, title, _factor) in enumerate(METRICS):
            plot = layout.addPlot(row=1, col=col)
            self.plots[key] = plot
            style_plot(plot, theme)
            plot.setMenuEnabled(False)
            plot.getAxis("bottom").setLogMode(True)  # the data are log10 λ: ticks read 10^k
            axis_label(plot, "bottom", "λ", theme)
            axis_label(plot, "left", title, theme)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            for method, per_metric in bands.items():
                band = per_metric[key]
                color = theme.method_color(method)
                item = BandItem(band, color)
                item.setZValue(-10)
                plot.addItem(item)
                self.bands[(method, key)] = item
                line = pg.PlotDataItem(logs, band.median, pen=method_pen(theme, method), connect="finite",
                                       symbol="o", symbolSize=5 * theme.font_scale, symbolPen=None,
                                       symbolBrush=pg.mkBrush(color))
                plot.addItem(line)
                self.medians[(method, key)] = line
            if key == "sparsity":
                plot.setYRange(0, 100, padding=0.03)
                self._add_chatter_lines(plot, bands)
            plot.setXRange(float(logs[0]), float(logs[-1]), padding=0.02)
        seeds = self.seeds()
        over = f"min–max over {seeds} seeds" if seeds > 1 else "one seed: no band"
        for method in bands:
            sample = pg.PlotDataItem([0], [0], pen=method_pen(theme, method), fillLevel=0,
                                     fillBrush=self._band_color(method))
            sample.method = method
            self._samples.append(sample)
            self.legend.addItem(sample, f"{method_label(method)}: median, band {over}")
        for method, line in self.chatter_lines.items():
            self.legend.addItem(line, f"{method_label(method)}: lr·λ₁ = 0.01")
        self.fit_layout()

    def _band_color(self, method: str) -> QtGui.QColor:
        color = pg.mkColor(self.theme.method_color(method))
        color.setAlpha(BAND_ALPHA)
        return color

    def _add_chatter_lines(self, plot: pg.PlotItem, bands: dict) -> None:
        """Where the subgradient chatter (±lr·λ₁) reaches the 0.01 threshold, for each method with an
        L1 term; only inside the swept range."""
        if self.rule != "subgradient":
            return
        low, high = min(self.lambdas), max(self.lambdas)
        for method in bands:
            lam = chatter_lambda(method, self.learning_rate, self.rho)
            if lam is None or not low <= lam <= high:
                continue
            pen = pg.mkPen(self.theme.method_color(method), width=self.theme.width(1.5),
                           style=QtCore.Qt.PenStyle.DotLine)
            x = np.log10(lam)
            line = pg.PlotDataItem([x, x], [0, 100], pen=pen)
            line.setZValue(-5)
            plot.addItem(line)
            self.chatter_lines[method] = line

    def _on_sample_clicked(self, item) -> None:
        """A legend entry hides or shows its method's curves and bands (the sample shows which)."""
        method = getattr(item, "method", None)
        for (m, _key), part in [*self.bands.items(), *self.medians.items()]:
            if m == method:
                part.setVisible(item.isVisible())

    # ---------------------------------------------------------------- clicks
    def lambda_index_at(self, scene_pos: QtCore.QPointF) -> int | None:
        """The grid λ nearest a click inside one of the plots, or None (outside every plot)."""
        if not self.result:
            return None
        for plot in self.plots.values():
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                x = plot.vb.mapSceneToView(scene_pos).x()
                return nearest_lambda_index(self.lambdas, x)
        return None

    def scene_pos_of(self, index: int, metric: str = "sparsity") -> QtCore.QPointF:
        """Where λ number `index` sits in a plot (the middle of its height), in scene coordinates."""
        plot = self.plots[metric]
        y_low, y_high = plot.vb.viewRange()[1]
        return plot.vb.mapViewToScene(QtCore.QPointF(np.log10(self.lambdas[index]), (y_low + y_high) / 2))

    def _on_click(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        index = self.lambda_index_at(event.scenePos())
        if index is not None:
            self.sigLambdaClicked.emit(index)

    def figure_title(self) -> str:
        return "regularization path"
