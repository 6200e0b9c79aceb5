"""The right half of the activations canvas: a histogram of the hidden units' pre-activations z
over the training inputs (every hidden layer pooled; one step curve per model), the z ranges where
a unit is inactive shaded, and over it how many units are dead or stuck at z <= 0, or (sigmoid,
tanh) how many unit·inputs are saturated and the mean f'(z) per layer."""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pyqtgraph as pg

from regviz.core.activations import Activation
from regviz.gui.activation_math import (STATUS_WORD, histogram_edges, inactive_kind, inactive_share,
                                        layer_mean_derivative, peak_derivative, saturated_line, saturated_share,
                                        saturation_bound)
from regviz.gui.session import RunSetup, member_label
from regviz.gui.style import Theme
from regviz.gui.views.base import axis_label, method_pen, style_plot
from regviz.gui.views.items import WrapLabel


def with_alpha(color: str, alpha: int):
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    return c


class PreActivationHistogram:
    """Its items live in the canvas's layout, at (row 0, col) for the text and (row 1, col)."""

    def __init__(self, layout: pg.GraphicsLayout, col: int, theme: Theme):
        self.theme = theme
        # heading and, one line per model in its colour, the dead / saturated share
        self.status_label = WrapLabel("", color=theme.foreground, size=theme.pt(9))
        layout.addItem(self.status_label, row=0, col=col)
        plot = layout.addPlot(row=1, col=col)
        self.plot = plot
        style_plot(plot, theme)
        axis_label(plot, "left", "count", theme)
        axis_label(plot, "bottom", "pre-activation z", theme)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.disableAutoRange()
        plot.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen(theme.muted, width=1)))
        # shaded z ranges where a unit is inactive (z <= 0, or the saturated tails)
        shade = pg.mkColor(theme.muted)
        shade.setAlpha(40)
        self.regions = [pg.LinearRegionItem((-1e6, 0), movable=False, brush=pg.mkBrush(shade),
                                            pen=pg.mkPen(None)) for _ in range(2)]
        for region in self.regions:
            region.setZValue(-10)
            region.setVisible(False)
            plot.addItem(region)
        self.curves: list[pg.PlotDataItem] = []
        self.heading = "hidden pre-activations z"
        self.saturation: float | None = None
        self.edges = histogram_edges(-1.0, 1.0)
        self.top = 0.0
        self.status_text = ""
        self.status_lines: list[str] = []
        self.stale = True  # the status text is rewritten at the next render

    def set_models(self, setup: RunSetup) -> None:
        """One step curve per model, in its colour and dash pattern; the counts start over."""
        theme = self.theme
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        for k, member in enumerate(setup.members):
            curve = pg.PlotDataItem(stepMode="center", fillLevel=0, fillOutline=True,
                                    pen=method_pen(theme, member.method, 1.5),
                                    brush=pg.mkBrush(with_alpha(theme.method_color(member.method), 55)))
            curve.setZValue(k)
            self.plot.addItem(curve)
            self.curves.append(curve)
        hidden = setup.layer_sizes[1:-1]
        layers = f", {len(hidden)} layers" if len(hidden) > 1 else ""
        self.heading = f"hidden pre-activations z: {sum(hidden)} units{layers} × {setup.dataset.n_train} inputs"
        self.top = 0.0
        self.status_text, self.status_lines, self.stale = "", [], True
        self.status_label.setText(html.escape(self.heading), color=theme.foreground)
        self.set_range(-1.0, 1.0)

    def set_activation(self, activation: Activation) -> None:
        """Shade the z ranges where this activation's units are inactive."""
        kind = inactive_kind(activation)
        self.saturation = saturation_bound(activation)
        first, second = self.regions
        first.setVisible(kind is not None)
        second.setVisible(kind == "saturated")
        if kind in ("dead", "negative"):
            first.setRegion((-1e6, 0.0))
        elif kind == "saturated":
            first.setRegion((-1e6, -self.saturation))
            second.setRegion((self.saturation, 1e6))
        self.stale = True

    def set_range(self, low: float, high: float) -> None:
        self.edges = histogram_edges(low, high)
        self.plot.setXRange(self.edges[0], self.edges[-1], padding=0.02)

    def render(self, pre_activations: Sequence[np.ndarray], members, activation: Activation, small: bool) -> None:
        pooled = [np.concatenate([z[k].ravel() for z in pre_activations]) for k in range(len(self.curves))]
        finite = [v[np.isfinite(v)] for v in pooled]
        low = min((float(v.min()) for v in finite if len(v)), default=0.0)
        high = max((float(v.max()) for v in finite if len(v)), default=0.0)
        low, high = min(low, 0.0), max(high, 0.0)
        if self.saturation is not None:  # keep the shaded saturated tails in view
            low, high = min(low, -1.1 * self.saturation), max(high, 1.1 * self.saturation)
        lo_edge, hi_edge = self.edges[0], self.edges[-1]
        # hysteresis: the bins move only when the data leave them or fill less than a quarter
        if low < lo_edge or high > hi_edge or (high - low) < (hi_edge - lo_edge) / 4:
            self.set_range(low, high)
        top = 1.0
        for curve, values in zip(self.curves, finite):
            counts, _ = np.histogram(values, bins=self.edges)
            curve.setData(self.edges, counts)
            top = max(top, float(counts.max()) if len(counts) else 1.0)
        if top > self.top or top < 0.6 * self.top:
            self.top = top * 1.1
            self.plot.setYRange(0, self.top, padding=0)
        self._render_status(pre_activations, members, activation, small)

    def _render_status(self, pre_activations, members, activation: Activation, small: bool) -> None:
        """Under the heading, one line per model (in its colour): how many hidden units are dead /
        stuck at z <= 0, or how many unit·inputs are saturated and the mean f'(z) per layer."""
        theme = self.theme
        kind = inactive_kind(activation)
        if kind == "saturated":
            counts, total = saturated_share(activation, pre_activations)
            means, peak = layer_mean_derivative(activation, pre_activations), peak_derivative(activation)
        else:
            counts, total = inactive_share(activation, pre_activations)
        compare = len(self.curves) > 1
        lines = []
        if kind is not None:
            for k in range(min(len(self.curves), len(counts))):
                if kind == "saturated":
                    text = saturated_line(int(counts[k]), total, means[k], peak)
                else:
                    share = 100.0 * counts[k] / total if total else 0.0
                    text = f"{STATUS_WORD[kind]}: {counts[k]}/{total} units ({share:.0f}%)"
                who = f"{member_label(members[k])} — " if compare else ""
                lines.append((who + text, theme.method_color(members[k].method) if compare else theme.foreground))
        joined = "\n".join(text for text, _ in lines)
        if joined == self.status_text and not self.stale:
            return
        self.status_text, self.status_lines, self.stale = joined, [text for text, _ in lines], False
        size = theme.pt(8)
        spans = [f"<span style='color:{color}; font-size:{size}'>{html.escape(text)}</span>" for text, color in lines]
        # a line per model where there is room; on a small canvas one run of text that wraps
        joiner = " · " if len(spans) > 2 and small else "<br>"
        self.status_label.setText("<br>".join([html.escape(self.heading)] + ([joiner.join(spans)] if spans else [])),
                                  color=theme.foreground)
