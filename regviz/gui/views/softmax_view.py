"""The softmax canvas: the logits a network outputs (small, above) and the probabilities softmax
makes of them (below), each bar with its value to 3 decimals, the largest in a colour of its own,
the same logits at T = 1 as dashed outlines (to see a temperature sharpen or flatten them) and the
uniform 1/K as a dashed line; the entropy underneath, against its maximum ln K.

Not a live-run canvas: the Softmax tab calls show(result, reference) whenever its inputs change.
The legend flows between the plots and the entropy line, outside both plots.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from regviz.core.softmax import SoftmaxResult, entropy_text, format_probability, temperature_text
from regviz.gui.views.base import CanvasView, axis_label, style_plot
from regviz.gui.views.items import FlowLegend, WrapLabel

# Okabe-Ito: blue bars, the largest in vermillion (orange and sky blue on the dark theme)
BAR_COLORS = {False: ("#0072b2", "#d55e00"), True: ("#56b4e9", "#e69f00")}
Y_TOP = 1.06  # the probability axis ends just above 1: every theme and temperature on one scale
BAR_WIDTH = 0.62
VALUE_PT = 9.0
MIN_VALUE_PT = 5.0
TIE = 1e-12  # probabilities this close to the largest count as largest too (equal logits)


class SoftmaxView(CanvasView):
    title = "Softmax"

    def __init__(self, parent=None):
        super().__init__("softmaxCanvas", parent)
        self.graphics.setBackground(self.theme.background)
        self.result: SoftmaxResult | None = None
        self.reference: tuple[float, ...] = ()
        self.note = ""
        self.value_labels: list[pg.TextItem] = []
        self.rebuild()

    # ---------------------------------------------------------------- items
    def rebuild(self) -> None:
        theme = self.theme
        self.graphics.clear()
        self.value_labels = []
        layout = self.graphics.ci
        layout.setContentsMargins(4, 4, 4, 4)
        self.headline = WrapLabel("", justify="left", color=theme.foreground, size=theme.pt(10))
        layout.addItem(self.headline, row=0, col=0)
        self.logit_plot = layout.addPlot(row=1, col=0)
        self.prob_plot = layout.addPlot(row=2, col=0)
        for plot in (self.logit_plot, self.prob_plot):
            style_plot(plot, theme)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(int(60 * theme.font_scale))  # both plots' bars line up
        self.logit_plot.setXLink(self.prob_plot)
        self.logit_plot.hideAxis("bottom")  # the classes are numbered once, under the probabilities
        axis_label(self.logit_plot, "left", "logit z", theme)
        axis_label(self.prob_plot, "left", "probability", theme)
        axis_label(self.prob_plot, "bottom", "class", theme)
        layout.layout.setRowStretchFactor(1, 2)
        layout.layout.setRowStretchFactor(2, 5)

        dark = theme.dark
        bar, largest = BAR_COLORS[dark]
        self.logit_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=pg.mkBrush(theme.faint),
                                          pen=pg.mkPen(theme.muted, width=theme.width(1)))
        self.logit_plot.addItem(self.logit_bars)
        zero = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(theme.muted, width=theme.width(1)))
        self.logit_plot.addItem(zero)
        self.bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=pg.mkBrush(bar),
                                    pen=pg.mkPen(bar, width=theme.width(1)))
        self.largest_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=pg.mkBrush(largest),
                                            pen=pg.mkPen(largest, width=theme.width(1)))
        outline = pg.mkPen(theme.foreground, width=theme.width(1.5), style=QtCore.Qt.PenStyle.DashLine)
        self.reference_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=None, pen=outline)
        self.reference_bars.setZValue(5)
        uniform_pen = pg.mkPen(theme.muted, width=theme.width(1.5))
        uniform_pen.setDashPattern([2.0, 3.0])  # dotted: not the outlines' dashes
        self.uniform_line = pg.PlotCurveItem(pen=uniform_pen)
        self.uniform_line.setZValue(4)
        for item in (self.bars, self.largest_bars, self.reference_bars, self.uniform_line):
            self.prob_plot.addItem(item)
        self.prob_plot.setYRange(0.0, Y_TOP, padding=0)
        self.prob_plot.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]])

        self.legend = FlowLegend(theme.foreground, theme.pt(9))
        layout.addItem(self.legend, row=3, col=0)
        self.legend.addItem(self.bars, "probability")
        self.legend.addItem(self.largest_bars, "the largest")
        self.legend.addItem(self.reference_bars, "at T = 1")
        self.legend.addItem(self.uniform_line, "uniform 1/K")
        self.entropy_label = WrapLabel("", justify="left", color=theme.foreground, size=theme.pt(9.5))
        layout.addItem(self.entropy_label, row=4, col=0)
        self.prob_plot.vb.sigResized.connect(lambda _vb: self._place_values())
        self.fit_layout()
        if self.result is not None:
            self.show_result(self.result, self.reference, self.note)

    # ---------------------------------------------------------------- content
    def show_result(self, result: SoftmaxResult, reference: Sequence[float], note: str = "") -> None:
        """Draw these probabilities; `reference` is the same logits' softmax at T = 1; `note` a line
        above the plots (the article's case, when the logits are one)."""
        self.result, self.reference, self.note = result, tuple(reference), note
        k = result.classes
        x = np.arange(1, k + 1, dtype=float)
        p = np.asarray(result.probabilities)
        largest = p >= p.max() - TIE
        self.bars.setOpts(x=x[~largest], height=p[~largest])
        self.largest_bars.setOpts(x=x[largest], height=p[largest])
        self.reference_bars.setOpts(x=x, height=np.asarray(self.reference, float))
        self.uniform_line.setData([0.5, k + 0.5], [1.0 / k, 1.0 / k])
        z = np.asarray(result.logits)
        self.logit_bars.setOpts(x=x, height=z)
        low, high = min(0.0, float(z.min())), max(0.0, float(z.max()))
        margin = 0.08 * max(high - low, 1e-9)
        self.logit_plot.setYRange(low - (margin if low < 0 else 0.0), high + margin, padding=0)
        self.prob_plot.setXRange(0.4, k + 0.6, padding=0)
        self.prob_plot.getAxis("bottom").setTicks([[(float(i), str(i)) for i in range(1, k + 1)]])

        if len(self.value_labels) != k:
            for label in self.value_labels:
                self.prob_plot.removeItem(label)
            # a filled box: the dashed T = 1 outline and the 1/K line never run through a value
            fill = pg.mkColor(self.theme.background)
            fill.setAlpha(230)
            self._label_fill = pg.mkBrush(fill)
            self.value_labels = [pg.TextItem("", color=self.theme.foreground) for _ in range(k)]
            for label in self.value_labels:
                label.setZValue(20)
                self.prob_plot.addItem(label)
        for label, value in zip(self.value_labels, p):
            label.setText(format_probability(value))
        parts = [note] if note else []
        parts.append(html.escape(temperature_text(result.temperature)))
        self.headline.setText("<br>".join(parts))
        text = entropy_text(result)
        self.entropy_label.setText(html.escape(text[:1].upper() + text[1:]))
        self.fit_layout()
        self._place_values()

    def _place_values(self) -> None:
        """Each value above its bar and its T = 1 outline, or inside the bar's top when there is no
        room above; the font shrinks when many classes leave each bar too narrow for '0.000'."""
        if self.result is None or not self.value_labels:
            return
        theme = self.theme
        vb = self.prob_plot.vb
        width, height = max(vb.width(), 1.0), max(vb.height(), 1.0)
        pitch = width / (self.result.classes + 0.2)  # pixels per class: the x range is K + 0.2 wide
        font = QtGui.QFont()
        font.setPointSizeF(VALUE_PT * theme.font_scale)
        metrics = QtGui.QFontMetricsF(font)
        text_width = metrics.horizontalAdvance("0.000") + 4
        if text_width > 0.94 * pitch:
            font.setPointSizeF(max(MIN_VALUE_PT, font.pointSizeF() * 0.94 * pitch / text_width))
            metrics = QtGui.QFontMetricsF(font)
        text_height = metrics.height() + 4
        _bar, largest_color = BAR_COLORS[theme.dark]
        largest = np.asarray(self.result.probabilities) >= max(self.result.probabilities) - TIE
        reference = self.reference if len(self.reference) == len(self.value_labels) else self.result.probabilities
        for k, (label, p, r) in enumerate(zip(self.value_labels, self.result.probabilities, reference)):
            label.setFont(font)
            top = max(p, r)
            room_above = (Y_TOP - top) / Y_TOP * height
            bar_height = p / Y_TOP * height
            inside = room_above < text_height and bar_height > text_height
            if inside:  # in the bar's top, in the background colour, on the bar's colour
                label.setAnchor((0.5, 0.0))
                label.setColor(theme.background)
                label.fill = pg.mkBrush(None)
                label.setPos(k + 1.0, p)
            else:
                label.setAnchor((0.5, 1.0))
                label.setColor(largest_color if largest[k] else theme.foreground)
                label.fill = self._label_fill
                label.setPos(k + 1.0, top)
            label.update()

    # ---------------------------------------------------------------- readback (tests, export)
    def shown_values(self) -> list[str]:
        """The value texts on the bars, left to right."""
        return [label.textItem.toPlainText() for label in self.value_labels]

    def figure_title(self) -> str:
        return "softmax"
