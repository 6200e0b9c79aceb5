"""Text items that never leave their space: a label that wraps to its cell's width, and a legend
that flows its entries into rows outside the plot, so it never covers data.

Both grow in height (and re-lay out their canvas) only when their number of lines changes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

QWIDGETSIZE_MAX = 16777215.0
ALIGN = {"left": QtCore.Qt.AlignmentFlag.AlignLeft, "center": QtCore.Qt.AlignmentFlag.AlignHCenter,
         "right": QtCore.Qt.AlignmentFlag.AlignRight}


def styled_html(text: str, opts: dict) -> str:
    """A text in a span styled like pyqtgraph's LabelItem does it (color, size, bold, italic)."""
    color = pg.mkColor(opts.get("color") or pg.getConfigOption("foreground"))
    style = [f"color: {color.name(QtGui.QColor.NameFormat.HexArgb)}"]
    if "size" in opts:
        style.append(f"font-size: {opts['size']}")
    if opts.get("bold") in (True, False):
        style.append(f"font-weight: {'bold' if opts['bold'] else 'normal'}")
    if opts.get("italic") in (True, False):
        style.append(f"font-style: {'italic' if opts['italic'] else 'normal'}")
    return f"<span style='{'; '.join(style)}'>{text}</span>"


class WrapLabel(pg.GraphicsWidget):
    """A rich-text label that wraps to the width its layout gives it (pyqtgraph's LabelItem keeps
    one line and overflows its cell, onto its neighbours and off the canvas)."""

    def __init__(self, text: str = "", justify: str = "center", **opts):
        super().__init__()
        self.item = QtWidgets.QGraphicsTextItem(self)
        self.item.document().setDocumentMargin(1)
        option = self.item.document().defaultTextOption()
        option.setAlignment(ALIGN[justify])
        option.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.item.document().setDefaultTextOption(option)
        self.opts = dict(opts)
        self.text = ""
        self._height = -1.0
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str, **opts) -> None:
        self.opts.update(opts)
        html = styled_html(text, self.opts)
        self.text = text
        if html != self.item.toHtml() and html != getattr(self, "_html", None):
            self._html = html
            self.item.setHtml(html)
            self._fit()

    def setFont(self, font: QtGui.QFont) -> None:  # noqa: N802 (Qt's name)
        self.item.setFont(font)
        self._fit()

    def resizeEvent(self, event) -> None:
        self._fit()

    def _fit(self) -> None:
        # Sizes are set, never computed in an overridden sizeHint(): Qt calls that virtual while it
        # tears layouts down at exit, when the Python side is gone (a segfault, seen in gdb).
        width = max(self.size().width(), 1.0)
        self.item.setTextWidth(width)
        self.item.setPos(0, 0)
        height = self.item.document().size().height()
        if abs(height - self._height) > 0.5:
            self._height = height
            self.setMinimumSize(0, height)
            self.setPreferredSize(self.item.document().idealWidth(), height)
            self.setMaximumSize(QWIDGETSIZE_MAX, height)


class FlowLegend(pg.GraphicsWidget):
    """A legend as rows of (line sample, label) entries flowing left to right and wrapping to the
    width it is given; placed in the canvas's layout, outside every plot. Clicking a sample hides or
    shows its item, as pyqtgraph's legend does (sigSampleClicked)."""

    sigSampleClicked = QtCore.Signal(object)

    def __init__(self, text_color: str, text_size: str = "9pt", spacing: float = 14.0):
        super().__init__()
        self.text_color, self.text_size, self.spacing = text_color, text_size, spacing
        self.items: list[tuple[pg.ItemSample, pg.LabelItem]] = []
        self._height = -1.0
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)

    # the parts of pyqtgraph's LegendItem API the canvases use
    def addItem(self, item, name: str) -> None:  # noqa: N802
        sample = pg.ItemSample(item)
        sample.setParentItem(self)
        label = pg.LabelItem(name, color=self.text_color, size=self.text_size, justify="left")
        label.setParentItem(self)
        sample.sigClicked.connect(self.sigSampleClicked)
        self.items.append((sample, label))
        self._arrange()

    def removeItem(self, item) -> None:  # noqa: N802
        for sample, label in list(self.items):
            if sample.item is item:
                self.items.remove((sample, label))
                for part in (sample, label):
                    part.setParentItem(None)
                    if part.scene() is not None:
                        part.scene().removeItem(part)
        self._arrange()

    def getLabel(self, item):  # noqa: N802
        return next((label for sample, label in self.items if sample.item is item), None)

    def updateSize(self) -> None:  # noqa: N802
        self._arrange()

    def setTextStyle(self, color: str, size: str) -> None:  # noqa: N802
        self.text_color, self.text_size = color, size
        for _sample, label in self.items:
            label.setText(label.text, color=color, size=size)
        self._arrange()

    def resizeEvent(self, event) -> None:
        self._arrange()

    def _arrange(self) -> None:
        width = max(self.size().width(), 1.0)
        x = y = row_height = 0.0
        for sample, label in self.items:
            label.setText(label.text)  # measures itself
            text = label.itemRect()
            sample_size = max(20.0, text.height())
            entry = sample_size + 4 + text.width()
            if x > 0 and x + entry > width:
                x, y = 0.0, y + row_height
                row_height = 0.0
            sample.setPos(x, y + (text.height() - 20) / 2)
            label.setGeometry(QtCore.QRectF(x + sample_size + 4, y, text.width() + 2, text.height()))
            x += entry + self.spacing
            row_height = max(row_height, text.height())
        height = y + row_height
        if abs(height - self._height) > 0.5:  # sizes set, not computed in sizeHint (see WrapLabel)
            self._height = height
            self.setMinimumSize(0, height)
            self.setPreferredSize(200, height)
            self.setMaximumSize(QWIDGETSIZE_MAX, height)


class HintLabel(QtWidgets.QLabel):
    """A label that shows a read-out, or when there is none the longest of its hints that fits."""

    def __init__(self, hints: tuple[str, ...], **kwargs):
        super().__init__(hints[0], **kwargs)
        self._hints, self._text = hints, ""

    def show_text(self, text: str) -> None:
        self._text = text
        self._refit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        if self._text:
            self.setText(self._text)
            return
        room = self.contentsRect().width()
        self.setText(next((h for h in self._hints if self.fontMetrics().horizontalAdvance(h) <= room), ""))
