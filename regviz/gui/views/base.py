"""The contract every canvas follows, and the drawing helpers they share (theme, pens)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.records import MemberSpec
from regviz.gui.session import LiveState, RunSetup, member_label
from regviz.gui.style import LIGHT, METHOD_DASHES, Theme

DASHES = {"solid": QtCore.Qt.PenStyle.SolidLine, "dash": QtCore.Qt.PenStyle.DashLine,
          "dot": QtCore.Qt.PenStyle.DotLine, "dashdot": QtCore.Qt.PenStyle.DashDotLine}
CURVE_WIDTH = 2.5


def method_pen(theme: Theme, method: str, width: float = CURVE_WIDTH, alpha: int = 255) -> QtGui.QPen:
    """A model's pen: its colour and its own dash pattern (recognisable without colour)."""
    color = pg.mkColor(theme.method_color(method))
    color.setAlpha(alpha)
    pen = pg.mkPen(color, width=theme.width(width), style=DASHES[METHOD_DASHES.get(method, "solid")])
    pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    return pen


def member_pen(theme: Theme, member: MemberSpec, diverged: bool, width: float = CURVE_WIDTH) -> QtGui.QPen:
    if diverged:
        return pg.mkPen(theme.diverged, width=theme.width(width), style=QtCore.Qt.PenStyle.DotLine)
    return method_pen(theme, member.method, width)


def member_legend_text(member: MemberSpec, diverged: bool) -> str:
    return member_label(member) + (" (diverged)" if diverged else "")


def style_plot(plot: pg.PlotItem, theme: Theme) -> None:
    """Axes and their text in the theme's colours and font size.

    No grid: pyqtgraph's axis grid costs about 10 ms per repaint offscreen (a whole frame's budget);
    measured with an 800x400 plot, 1 ms without it.
    """
    font = QtGui.QFont()
    font.setPointSizeF(8.5 * theme.font_scale)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.foreground, width=theme.width(1)))
        axis.setTextPen(theme.foreground)
        axis.setStyle(tickFont=font)


def legend_above_plot(graphics: pg.GraphicsLayoutWidget, theme: Theme, x_label: str, y_label: str):
    """Clear the canvas and lay out a legend above one styled, labelled plot (the legend flows
    over lines of its own and never covers the data). Returns (legend, plot)."""
    from regviz.gui.views.items import FlowLegend

    graphics.clear()
    layout = graphics.ci
    layout.setContentsMargins(4, 4, 4, 4)
    legend = FlowLegend(theme.foreground, theme.pt(9))
    layout.addItem(legend, row=0, col=0)
    plot = layout.addPlot(row=1, col=0)
    style_plot(plot, theme)
    axis_label(plot, "bottom", x_label, theme)
    axis_label(plot, "left", y_label, theme)
    plot.setMenuEnabled(False)
    return legend, plot


def axis_label(plot: pg.PlotItem, side: str, text: str, theme: Theme) -> None:
    plot.setLabel(side, text, color=theme.foreground, size=theme.pt(9))


class CanvasView(QtWidgets.QWidget):
    """A canvas: a pyqtgraph GraphicsLayoutWidget, optionally with a small control row above it.

    set_setup(setup) rebuilds the plot items for a new run (after a reset); render(state) updates
    them in place and must be cheap (it runs 30-60 times a second while training).
    """

    title = ""

    def __init__(self, object_name: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme: Theme = LIGHT
        self.setObjectName(object_name)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName(object_name + "Graphics")
        self.controls = QtWidgets.QHBoxLayout()
        self.controls.setContentsMargins(4, 0, 4, 0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.controls)
        layout.addWidget(self.graphics, 1)
        self._rendered_version = -1

    def set_setup(self, setup: RunSetup) -> None:
        raise NotImplementedError

    def render(self, state: LiveState) -> None:
        raise NotImplementedError

    def render_if_changed(self, state: LiveState) -> bool:
        """Render only when the state moved since the last render; returns whether it drew. A canvas
        hidden in its place (the weights canvas's other mode) waits until it is shown again."""
        if state.version == self._rendered_version or self.hidden_in_place():
            return False
        self.render(state)
        self._rendered_version = state.version
        return True

    def hidden_in_place(self) -> bool:
        """Hidden inside the window (the weights canvas's other mode); a canvas alone is never so."""
        return self.parentWidget() is not None and self.isHidden()

    def invalidate(self) -> None:
        """Force the next render_if_changed to draw (after an option such as log scale changed)."""
        self._rendered_version = -1

    def export_item(self) -> pg.GraphicsLayout:
        """What the PNG/SVG exporters draw: the whole plot area of this canvas."""
        return self.graphics.ci

    def apply_theme(self, theme: Theme) -> None:
        """Draw with another theme (colours, font and line sizes): the items are built anew."""
        self.theme = theme
        self.graphics.setBackground(theme.background)
        self.rebuild()
        self.invalidate()

    def rebuild(self) -> None:
        """Build every item anew for the current setup and theme (a canvas overrides this)."""

    def fit_layout(self) -> None:
        """Give the layout the whole view again after items were added: pyqtgraph activates the
        layout at every addItem, and a top-level layout that briefly held only fixed-height items
        (a legend, a label) shrinks to them and stays small until the next resize of the view."""
        self.graphics.ci.setGeometry(QtCore.QRectF(self.graphics.range))

    def hint_items(self) -> list:
        """On-screen hints ('hover over a cell…') that an exported figure leaves out."""
        return []

    def figure_title(self) -> str:
        """What the exported figure shows, for its caption ('weights', 'the activation ReLU')."""
        return self.title.lower()


class FreeWidthLabel(pg.LabelItem):
    """A LabelItem whose text sets no minimum width, so four grids side by side still fit a window;
    a text wider than its cell overflows (centred) instead of widening the layout.

    A new text re-lays out the canvas only when the label's height changes: a title that updates
    every frame (a sparsity figure) would otherwise resize every plot in the canvas each time.
    """

    def setText(self, text, **args):
        # pyqtgraph's LabelItem.setText, except that updateGeometry() (a relayout of the whole
        # canvas) runs only when the height changed. Overriding updateGeometry itself instead
        # crashed the interpreter at exit: Qt calls that virtual while tearing layouts down.
        self.text = text
        self.opts.update(args)
        color = pg.mkColor(self.opts.get('color') or pg.getConfigOption('foreground'))
        style = [f"color: {color.name(QtGui.QColor.NameFormat.HexArgb)}"]
        if "family" in self.opts:
            style.append(f"font-family: {self.opts['family']}")
        if "size" in self.opts:
            style.append(f"font-size: {self.opts['size']}")
        if self.opts.get("bold") in (True, False):
            style.append(f"font-weight: {'bold' if self.opts['bold'] else 'normal'}")
        if self.opts.get("italic") in (True, False):
            style.append(f"font-style: {'italic' if self.opts['italic'] else 'normal'}")
        height = self.minimumHeight()
        self.item.setHtml(f"<span style='{'; '.join(style)}'>{text}</span>")
        self.updateMin()
        self.resizeEvent(None)
        if self.minimumHeight() != height:
            self.updateGeometry()

    def updateMin(self):
        super().updateMin()
        self.setMinimumWidth(0)
        height = self._sizeHint[QtCore.Qt.SizeHint.MinimumSize][1]
        self._sizeHint[QtCore.Qt.SizeHint.MinimumSize] = (0, height)
