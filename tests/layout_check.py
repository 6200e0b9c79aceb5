"""What a person sees as broken text: a text cut off at the canvas's edge, or two texts on top of
each other. Walks every text item of a canvas's scene (titles, footers, legends, axis labels);
tick labels are painted by pyqtgraph's axes, which drop the ticks that do not fit.
Importable by tests (pytest's pythonpath has tests/)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

TOLERANCE = 1.0  # px: anti-aliased edges


def visible_texts(canvas) -> list[tuple[str, QtCore.QRectF]]:
    """(text, its rectangle in view pixels) for every visible, non-empty text item of a canvas."""
    graphics = canvas.graphics
    out = []
    for item in graphics.scene().items():
        if not isinstance(item, QtWidgets.QGraphicsTextItem) or not item.isVisible():
            continue
        if item.effectiveOpacity() < 0.05 or not item.toPlainText().strip():
            continue
        margin = item.document().documentMargin()
        local = item.boundingRect().adjusted(margin, margin, -margin, -margin)
        rect = graphics.mapFromScene(item.mapToScene(local)).boundingRect()
        out.append((item.toPlainText().strip().replace("\n", " / "), QtCore.QRectF(rect)))
    return out


def text_problems(canvas) -> list[str]:
    """Texts cut off by the canvas's edge, and pairs of texts that overlap."""
    view = QtCore.QRectF(canvas.graphics.viewport().rect()).adjusted(-TOLERANCE, -TOLERANCE, TOLERANCE, TOLERANCE)
    texts = visible_texts(canvas)
    problems = [f"cut off: {text[:60]!r} at {_fmt(rect)} in a {view.width():.0f}x{view.height():.0f} view"
                for text, rect in texts if not view.contains(rect)]
    for i, (a, ra) in enumerate(texts):
        for b, rb in texts[i + 1:]:
            overlap = ra.adjusted(TOLERANCE, TOLERANCE, -TOLERANCE, -TOLERANCE).intersected(
                rb.adjusted(TOLERANCE, TOLERANCE, -TOLERANCE, -TOLERANCE))
            if overlap.width() > 0 and overlap.height() > 0:
                problems.append(f"overlap: {a[:40]!r} {_fmt(ra)} and {b[:40]!r} {_fmt(rb)}")
    return problems


def widget_problems(root: QtWidgets.QWidget) -> list[str]:
    """Labels and check boxes narrower than their text (Qt cuts them)."""
    problems = []
    for widget in root.findChildren(QtWidgets.QWidget):
        if not isinstance(widget, (QtWidgets.QLabel, QtWidgets.QCheckBox, QtWidgets.QPushButton)):
            continue
        if not widget.isVisible() or (isinstance(widget, QtWidgets.QLabel) and widget.wordWrap()):
            continue
        if widget.sizeHint().width() > widget.width() + TOLERANCE:
            problems.append(f"cut: {type(widget).__name__} {widget.text()[:50]!r} needs {widget.sizeHint().width()} px,"
                            f" has {widget.width()}")
    return problems


def _fmt(rect: QtCore.QRectF) -> str:
    return f"({rect.left():.0f},{rect.top():.0f} {rect.width():.0f}x{rect.height():.0f})"
