"""The contract every canvas follows."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.session import LiveState, RunSetup


class CanvasView(QtWidgets.QWidget):
    """A canvas: a pyqtgraph GraphicsLayoutWidget, optionally with a small control row above it.

    set_setup(setup) rebuilds the plot items for a new run (after a reset); render(state) updates
    them in place and must be cheap (it runs 30-60 times a second while training).
    """

    title = ""

    def __init__(self, object_name: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
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
        """Render only when the state moved since the last render; returns whether it drew."""
        if state.version == self._rendered_version:
            return False
        self.render(state)
        self._rendered_version = state.version
        return True

    def invalidate(self) -> None:
        """Force the next render_if_changed to draw (after an option such as log scale changed)."""
        self._rendered_version = -1

    def export_item(self) -> pg.GraphicsLayout:
        """What the PNG/SVG exporters draw: the whole plot area of this canvas."""
        return self.graphics.ci


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
