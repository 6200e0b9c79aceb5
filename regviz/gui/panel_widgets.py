"""Widgets the parameter panel is built from: a section that collapses, and the λ control."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from regviz.gui.panel_fields import LAMBDA_MAX_LOG, LAMBDA_MIN_LOG, Field


class Section(QtWidgets.QWidget):
    """A titled part of the panel. A collapsible one has a header button with an arrow that hides
    and shows its body; `sigExpanded` reports the user's clicks."""

    sigExpanded = QtCore.Signal(bool)

    def __init__(self, key: str, title: str, collapsible: bool = True):
        super().__init__(objectName=f"{key}Section")
        self.key = key
        self.header = QtWidgets.QToolButton(objectName=f"{key}SectionHeader", text=title)
        self.header.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.header.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.body = QtWidgets.QFrame(objectName=f"{key}SectionBody")
        self.body.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.collapsible = collapsible
        if collapsible:
            self.header.setCheckable(True)
            self.header.setChecked(True)
            self.header.setToolTip(f"Show or hide {title}")
            self.header.toggled.connect(self._on_header_toggled)
        self._show_arrow(True)

    def sizeHint(self) -> QtCore.QSize:
        # as wide when collapsed as when open, so the panel keeps its width
        hint = super().sizeHint()
        return QtCore.QSize(max(hint.width(), self.body.sizeHint().width()), hint.height())

    def minimumSizeHint(self) -> QtCore.QSize:
        hint = super().minimumSizeHint()
        return QtCore.QSize(max(hint.width(), self.body.minimumSizeHint().width()), hint.height())

    def is_expanded(self) -> bool:
        return not self.body.isHidden()

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the body without emitting sigExpanded."""
        if not self.collapsible:
            return
        with QtCore.QSignalBlocker(self.header):
            self.header.setChecked(expanded)
        self.body.setVisible(expanded)
        self._show_arrow(expanded)

    def _on_header_toggled(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self._show_arrow(expanded)
        self.sigExpanded.emit(expanded)

    def _show_arrow(self, expanded: bool) -> None:
        if not self.collapsible:
            self.header.setArrowType(QtCore.Qt.ArrowType.NoArrow)
            return
        self.header.setArrowType(QtCore.Qt.ArrowType.DownArrow if expanded else QtCore.Qt.ArrowType.RightArrow)


class LambdaControl(QtWidgets.QWidget):
    """A spin box (exact value, 0 allowed) beside a logarithmic slider (1e-5 .. 10)."""

    valueChanged = QtCore.Signal(float)

    def __init__(self, field: Field):
        super().__init__()
        self.spin = QtWidgets.QDoubleSpinBox(objectName=field.object_name)
        self.spin.setDecimals(field.decimals)
        self.spin.setRange(field.low, field.high)
        self.spin.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.spin.setToolTip(field.tip)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, objectName="lambdaSlider")
        self.slider.setRange(int(LAMBDA_MIN_LOG * 100), int(LAMBDA_MAX_LOG * 100))
        self.slider.setToolTip(field.tip + "\nSlider: log₁₀ λ from 1e-5 to 10.")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin, 2)
        layout.addWidget(self.slider, 3)
        self.spin.valueChanged.connect(self._on_spin)
        self.slider.valueChanged.connect(self._on_slider)

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, value: float) -> None:
        self.spin.setValue(value)

    def _on_spin(self, value: float) -> None:
        if value > 0:
            with QtCore.QSignalBlocker(self.slider):
                self.slider.setValue(round(100 * min(max(math.log10(value), LAMBDA_MIN_LOG), LAMBDA_MAX_LOG)))
        self.valueChanged.emit(value)

    def _on_slider(self, position: int) -> None:
        self.spin.setValue(float(f"{10 ** (position / 100):.3g}"))
