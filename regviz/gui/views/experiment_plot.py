"""The repeats as a strip plot: per method one dot per run and a line at the median, for the total
test error and for the sparsity, side by side. Each method has its colour and its dash pattern
(the median line); the legend flows above the plots, never over a dot."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from regviz.gui.experiment_rows import method_label, method_medians
from regviz.gui.views.base import CanvasView, axis_label, method_pen, style_plot
from regviz.gui.views.items import FlowLegend, WrapLabel

SPREAD = 0.28  # half the width the dots of one method spread over, in category units
MEDIAN_HALF = 0.36
METRICS = (("test_total_abs_error", "total test error Σ|error|", 1.0),
           ("sparsity", "sparsity: % of |w| < 0.01", 100.0))


def strip_offsets(count: int) -> np.ndarray:
    """Evenly spread x offsets for `count` dots (deterministic, so a figure is reproducible)."""
    if count <= 1:
        return np.zeros(count)
    return np.linspace(-SPREAD, SPREAD, count)


class ExperimentPlot(CanvasView):
    title = "Repeats"

    def __init__(self, parent=None):
        super().__init__("experimentPlot", parent)
        self.graphics.setBackground(self.theme.background)
        self.result: dict | None = None
        self.plots: dict[str, pg.PlotItem] = {}
        self.dots: dict[tuple[str, str], pg.PlotDataItem] = {}  # (method, metric) -> the runs' dots
        self.median_lines: dict[tuple[str, str], pg.PlotCurveItem] = {}
        self.legend: FlowLegend | None = None
        self._legend_samples: list[pg.PlotDataItem] = []
        self.rebuild()

    def set_result(self, result: dict | None) -> None:
        self.result = result
        self.rebuild()

    def methods(self) -> list[str]:
        if not self.result:
            return []
        return list(dict.fromkeys(r["method"] for r in self.result["runs"]))

    def rebuild(self) -> None:
        theme = self.theme
        self.graphics.clear()
        self.plots, self.dots, self.median_lines, self._legend_samples = {}, {}, {}, []
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        self.legend = FlowLegend(theme.foreground, theme.pt(9))
        self.legend.sigSampleClicked.connect(self._on_sample_clicked)
        layout.addItem(self.legend, row=0, col=0, colspan=2)
        methods = self.methods()
        if not methods:
            layout.addItem(WrapLabel("Run an experiment: one dot per run and the median per method appear here.",
                                     color=theme.muted, size=theme.pt(9)), row=1, col=0, colspan=2)
            self.fit_layout()
            return
        runs = self.result["runs"]
        ticks = [[(i, method_label(m)) for i, m in enumerate(methods)]]
        for col, (key, title, factor) in enumerate(METRICS):
            plot = layout.addPlot(row=1, col=col)
            self.plots[key] = plot
            style_plot(plot, theme)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("bottom").setTicks(ticks)
            left = title
            diverged = sum(1 for r in runs if r["diverged"])
            if key != "sparsity" and diverged:
                left += f" ({diverged} diverged left out)"
            axis_label(plot, "left", left, theme)
            for i, method in enumerate(methods):
                mine = [r for r in runs if r["method"] == method]
                values = [r[key] for r in mine if r[key] is not None and (key == "sparsity" or not r["diverged"])]
                y = np.array(values, dtype=float) * factor
                x = i + strip_offsets(len(y))
                color = theme.method_color(method)
                dots = pg.PlotDataItem(x, y, pen=None, symbol="o", symbolSize=8 * theme.font_scale,
                                       symbolPen=pg.mkPen(theme.background, width=1), symbolBrush=pg.mkBrush(color))
                plot.addItem(dots)
                self.dots[(method, key)] = dots
                med = method_medians(mine)[key]
                if med is not None:
                    line = pg.PlotCurveItem([i - MEDIAN_HALF, i + MEDIAN_HALF], [med * factor] * 2,
                                            pen=method_pen(theme, method, 3.0))
                    plot.addItem(line)
                    self.median_lines[(method, key)] = line
            plot.setXRange(-0.6, len(methods) - 0.4, padding=0)
            plot.enableAutoRange(axis="y")
            if key == "sparsity":
                plot.setYRange(0, 100, padding=0.04)
                plot.disableAutoRange(axis="y")
        for method in methods:  # legend-only items: the median line with a dot (never drawn in a plot)
            sample = pg.PlotDataItem([0], [0], pen=method_pen(self.theme, method, 3.0), symbol="o",
                                     symbolSize=8 * theme.font_scale, symbolBrush=theme.method_color(method),
                                     symbolPen=pg.mkPen(theme.background, width=1))
            sample.method = method
            self._legend_samples.append(sample)
            count = sum(1 for r in self.result["runs"] if r["method"] == method)
            self.legend.addItem(sample, f"{method_label(method)}: {count} runs, line = median")
        self.fit_layout()

    def _on_sample_clicked(self, item) -> None:
        """A legend entry hides or shows its method's dots and median lines."""
        method = getattr(item, "method", None)
        for (m, _key), part in [*self.dots.items(), *self.median_lines.items()]:
            if m == method:
                part.setVisible(item.isVisible())

    def figure_title(self) -> str:
        return "repeats: total test error and sparsity per method"
