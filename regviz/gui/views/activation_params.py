"""The activation's parameters as spin boxes in the canvas's control row (leaky slope, ELU alpha,
RReLU bounds, PReLU's initial slope)."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from regviz.core.activations import Activation

STEPS = {"slope": 0.01, "alpha": 0.1, "lower": 0.5, "upper": 0.5, "init": 0.05}


def step_for(key: str, spec) -> float:
    return STEPS.get(key, 10.0 ** math.floor(math.log10(max(spec.high - spec.low, 1e-9))) / 100.0)


class ParamControls(QtWidgets.QWidget):
    """One labelled spin box per parameter; sigEdited(key, value) on a user's edit."""

    sigEdited = QtCore.Signal(str, float)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.row = QtWidgets.QHBoxLayout(self)
        self.row.setContentsMargins(8, 0, 0, 0)
        self.spin_boxes: dict[str, QtWidgets.QDoubleSpinBox] = {}
        self._widgets: list[QtWidgets.QWidget] = []
        self._kind: type | None = None

    def show_activation(self, activation: Activation) -> None:
        """Spin boxes for this activation: built for a new kind, else only their values set."""
        if type(activation) is not self._kind:
            self._kind = type(activation)
            self._build(activation)
        self.sync(activation)

    def _build(self, activation: Activation) -> None:
        for widget in self._widgets:
            self.row.removeWidget(widget)
            widget.hide()  # at once: deleteLater waits for the event loop
            widget.deleteLater()
        self._widgets, self.spin_boxes = [], {}
        if not activation.param_specs:
            label = QtWidgets.QLabel("no parameters")
            label.setEnabled(False)
            self.row.addWidget(label)
            self._widgets.append(label)
            return
        for key, spec in activation.param_specs.items():
            label = QtWidgets.QLabel(key)
            spin = QtWidgets.QDoubleSpinBox(objectName=f"param_{key}")
            spin.setDecimals(3)
            spin.setRange(spec.low, spec.high)
            spin.setSingleStep(step_for(key, spec))
            spin.setKeyboardTracking(False)  # typed numbers apply on Enter / focus out, arrows at once
            tip = f"{spec.help} (from {spec.low:g} to {spec.high:g}; default {spec.default:g})"
            spin.setToolTip(tip)
            label.setToolTip(tip)
            spin.valueChanged.connect(lambda value, key=key: self.sigEdited.emit(key, float(value)))
            self.row.addWidget(label)
            self.row.addWidget(spin)
            self._widgets += [label, spin]
            self.spin_boxes[key] = spin

    def sync(self, activation: Activation) -> None:
        """Spin boxes show the activation's parameters; RReLU keeps lower <= upper via the ranges."""
        specs = activation.param_specs
        for key, spin in self.spin_boxes.items():
            with QtCore.QSignalBlocker(spin):
                spin.setRange(specs[key].low, specs[key].high)  # full range first, so no value is clamped
                spin.setValue(float(activation.params[key]))
        if "lower" in self.spin_boxes and "upper" in self.spin_boxes:
            lower, upper = self.spin_boxes["lower"], self.spin_boxes["upper"]
            for spin, setter, value in ((lower, lower.setMaximum, upper.value()),
                                        (upper, upper.setMinimum, lower.value())):
                with QtCore.QSignalBlocker(spin):
                    setter(value)
