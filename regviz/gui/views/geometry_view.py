"""The penalty-geometry canvas (geometryCanvas): the data loss's elliptic contours, each penalty's
level set through its optimum (L1 diamond, L2 circle, elastic net between), the optima marked, the
descent paths from a start point you drag, and a caption that says what the picture shows.

Everything drawn comes from a Qt-free regviz.core.geometry.Scene; this view only places it. Equal
aspect ratio (a diamond looks like a diamond), the origin's axes drawn, the legend above the plot
and the caption below it, so neither covers data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from regviz.core.geometry import START_BOX, Scene
from regviz.gui import geometry_caption as text
from regviz.gui.views.base import CanvasView, legend_above_plot, method_pen
from regviz.gui.views.items import WrapLabel

SYMBOLS = {"none": "star", "l1": "d", "l2": "o", "elasticnet": "s"}
DRAW_ORDER = ("none", "l2", "elasticnet", "l1")  # L1 on top: its optimum on the axis is the lesson
LEVEL_ALPHA, TOUCH_ALPHA = 170, 110


class MethodItems:
    """One method's items: level set, the loss contour touching it, descent path, optimum marker,
    and the legend's sample (a line with the marker's symbol; never drawn in the plot)."""

    def __init__(self, plot: pg.PlotItem, theme, method: str, z: int):
        scale = theme.font_scale
        color = pg.mkColor(theme.method_color(method))
        self.level = pg.PlotCurveItem(pen=method_pen(theme, method, 1.8, LEVEL_ALPHA), antialias=True)
        touch = pg.mkColor(color)
        touch.setAlpha(TOUCH_ALPHA)
        self.touch = pg.PlotCurveItem(pen=pg.mkPen(touch, width=theme.width(1.0)), antialias=True)
        self.path = pg.PlotCurveItem(pen=method_pen(theme, method), antialias=True)
        marker = dict(symbol=SYMBOLS[method], size=(16 if method == "none" else 13) * scale, brush=pg.mkBrush(color),
                      pen=pg.mkPen(theme.background, width=theme.width(1.5)))
        self.marker = pg.ScatterPlotItem(**marker)
        self.sample = pg.PlotDataItem([], [], pen=method_pen(theme, method), symbol=marker["symbol"],
                                      symbolSize=11 * scale, symbolBrush=marker["brush"], symbolPen=marker["pen"])
        for depth, item in enumerate((self.touch, self.level, self.path, self.marker)):
            item.setZValue(z + 10 * depth)
            plot.addItem(item)

    @property
    def parts(self) -> tuple:
        return self.level, self.touch, self.path, self.marker

    def set_visible(self, visible: bool) -> None:
        for item in (*self.parts, self.sample):
            item.setVisible(visible)


class GeometryView(CanvasView):
    title = "Penalty geometry"

    sigStartMoved = QtCore.Signal(object)  # (w1, w2) while the start point is dragged
    sigMethodToggled = QtCore.Signal(str, bool)  # a legend sample was clicked: (method, shown)

    def __init__(self, parent=None):
        super().__init__("geometryCanvas", parent)
        self.graphics.setBackground(self.theme.background)
        self.scene_data: Scene | None = None
        self.visible: set[str] = set(DRAW_ORDER)
        self.revealed: int | None = None  # steps of each path shown; None: all
        self.items: dict[str, MethodItems] = {}
        self.contours: list[pg.PlotCurveItem] = []
        self.plot: pg.PlotItem | None = None
        self.rebuild()

    # ------------------------------------------------------------------ building
    def rebuild(self) -> None:
        """Every item anew for the current theme, then filled from the current scene."""
        theme = self.theme
        self.legend, plot = legend_above_plot(self.graphics, theme, "w₁", "w₂")
        self.plot = plot
        plot.setAspectLocked(True, ratio=1.0)
        axis_pen = pg.mkPen(theme.muted, width=theme.width(1.0))
        for angle in (0, 90):  # the axes through the origin, where L1 puts its zeros
            line = pg.InfiniteLine(pos=0.0, angle=angle, pen=axis_pen, movable=False)
            line.setZValue(-20)
            plot.addItem(line)
        contour_pen = pg.mkPen(theme.faint, width=theme.width(1.2))
        self.contours = []
        self.contour_sample = pg.PlotDataItem([], [], pen=contour_pen)
        self.legend.addItem(self.contour_sample, text.CONTOUR_LEGEND)
        self.items = {}
        for k, method in enumerate(DRAW_ORDER):
            self.items[method] = MethodItems(plot, theme, method, z=10 + k)
        for method in ("none", "l1", "l2", "elasticnet"):  # the legend in the panel's order
            self.legend.addItem(self.items[method].sample, text.LEGEND[method])
        self.start_item = pg.TargetItem(
            pos=(0.0, 0.0), size=int(18 * theme.font_scale), movable=True,
            pen=pg.mkPen(theme.foreground, width=theme.width(2.0)), brush=pg.mkBrush(0, 0, 0, 0),
            hoverPen=pg.mkPen(theme.outlier, width=theme.width(2.5)), hoverBrush=pg.mkBrush(0, 0, 0, 0),
            label=text.START_LABEL, labelOpts={"color": theme.foreground, "anchor": (0, 1),
                                                     "offset": (12 * theme.font_scale, -8 * theme.font_scale)})
        self.start_item.setZValue(100)
        self.start_item.setToolTip("Drag the start point: every descent starts again from here.")
        plot.addItem(self.start_item)
        self.start_item.sigPositionChanged.connect(self._on_start_dragged)
        self.caption = WrapLabel("", justify="left", color=theme.foreground, size=theme.pt(9))
        self.graphics.ci.addItem(self.caption, row=2, col=0)
        plot.vb.sigStateChanged.connect(self._on_view_state_changed)
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)
        self.reset_view()
        if self.scene_data is not None:
            self.show_scene(self.scene_data)
        self.fit_layout()

    def reset_view(self) -> None:
        """The home view: the start box, both axes the same scale."""
        self.plot.disableAutoRange()
        self.plot.setRange(xRange=START_BOX, yRange=START_BOX, padding=0.02)

    def _on_view_state_changed(self, vb) -> None:
        if any(vb.autoRangeEnabled()):  # pyqtgraph's "A" button: back home, not to every item
            self.reset_view()

    # ------------------------------------------------------------------ filling
    def show_scene(self, scene: Scene) -> None:
        """Draw a scene (after any change of λ, ρ, c, rule or start point)."""
        self.scene_data = scene
        for curve in self.contours[len(scene.contours):]:
            self.plot.removeItem(curve)
        del self.contours[len(scene.contours):]
        while len(self.contours) < len(scene.contours):
            curve = pg.PlotCurveItem(pen=self.contour_sample.opts["pen"], antialias=True)
            curve.setZValue(-10)
            curve.setVisible(self.contour_sample.isVisible())  # hidden from the legend stays hidden
            self.plot.addItem(curve)
            self.contours.append(curve)
        for curve, points in zip(self.contours, scene.contours):
            curve.setData(points[:, 0], points[:, 1])
        for method, items in self.items.items():
            part = scene.methods.get(method)
            if part is None:
                items.set_visible(False)
                continue
            _set(items.level, part.level_set)
            _set(items.touch, part.contour if method != "none" else np.zeros((0, 2)))
            items.marker.setData([part.optimum[0]], [part.optimum[1]])
        with QtCore.QSignalBlocker(self.start_item):
            self.start_item.setPos(*scene.start)
        self._show_paths()
        self.set_visible_methods(self.visible)
        self.caption.setText(text.caption_html(scene, self.theme.muted))
        self.fit_layout()

    def set_visible_methods(self, methods) -> None:
        self.visible = set(methods)
        for method, items in self.items.items():
            shown = method in self.visible and self.scene_data is not None and method in self.scene_data.methods
            items.set_visible(shown)
            items.sample.setVisible(method in self.visible)  # a hidden method's legend entry fades
        for sample, _label in self.legend.items:
            sample.update()

    def set_revealed(self, steps: int | None) -> None:
        """Show each path up to this step (the replay); None shows them whole."""
        self.revealed = steps
        self._show_paths()

    def _show_paths(self) -> None:
        if self.scene_data is None:
            return
        for method, part in self.scene_data.methods.items():
            path = part.path if self.revealed is None else part.path[: self.revealed + 1]
            _set(self.items[method].path, path)

    # ------------------------------------------------------------------ reading back
    def start(self) -> tuple[float, float]:
        pos = self.start_item.pos()
        return float(pos.x()), float(pos.y())

    def caption_text(self) -> str:
        return self.caption.item.toPlainText()

    def figure_title(self) -> str:
        return "penalty geometry"

    def _on_legend_clicked(self, item) -> None:
        # the sample has just toggled its item's visibility: follow it (the tab ticks its box)
        if item is self.contour_sample:
            for curve in self.contours:
                curve.setVisible(item.isVisible())
            return
        for method, items in self.items.items():
            if items.sample is item:
                self.sigMethodToggled.emit(method, item.isVisible())

    def _on_start_dragged(self, item) -> None:
        self.sigStartMoved.emit(self.start())


def _set(curve: pg.PlotCurveItem, points: np.ndarray) -> None:
    if len(points):
        curve.setData(points[:, 0], points[:, 1])
    else:
        curve.setData([], [])
