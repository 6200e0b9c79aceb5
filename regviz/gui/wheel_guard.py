"""The mouse wheel never edits a field the user has not clicked into.

Scrolling down the parameter panel used to turn every spin box, combo box and slider the pointer
crossed ("Outlier shift" 10 -> -5, fifteen resets). Guarded widgets take focus only by click or Tab
(Qt's StrongFocus), and a wheel turned over one that has no focus scrolls the nearest scroll area
instead of changing the value.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

GUARDED = (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QAbstractSlider)


class WheelGuard(QtCore.QObject):
    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.Wheel or not isinstance(watched, QtWidgets.QWidget):
            return False
        if watched.hasFocus():
            return False  # the user chose this field: the wheel edits it
        area = _scroll_area_of(watched)
        if area is not None:
            QtCore.QCoreApplication.sendEvent(area.verticalScrollBar(), event)
        return True

    def guard(self, root: QtWidgets.QWidget) -> None:
        """Guard every spin box, combo box and slider under root (again after root gains some)."""
        for widget in root.findChildren(QtWidgets.QWidget):
            if isinstance(widget, GUARDED):
                widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
                widget.installEventFilter(self)  # installing twice keeps one filter


def _scroll_area_of(widget: QtWidgets.QWidget) -> QtWidgets.QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None
