"""The parameter panel, declared from the config dataclasses: one Field per config value.

The panel edits an ExperimentConfig. Every edit emits sigConfigEdited(config, needs_reset): a field
marked live (lambda, learning rate, regularizer, L1 rule, rho, epochs, activation parameters) changes
the running models in place; any other field (data, architecture, loss, batch) needs a reset.
Ranges on the widgets make out-of-range input impossible to enter.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.activations import ACTIVATIONS
from regviz.core.config import ConfigError, ExperimentConfig
from regviz.gui.panel_fields import COMPARE_EXTRAS, LAMBDA_MAX_LOG, LAMBDA_MIN_LOG, SECTIONS, SPEEDS, Field

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


class ParameterPanel(QtWidgets.QWidget):
    sigConfigEdited = QtCore.Signal(object, bool)  # new ExperimentConfig, needs_reset
    sigCompareChanged = QtCore.Signal()
    sigNewDraw = QtCore.Signal()
    sigLoadCsv = QtCore.Signal()
    sigSpeedChanged = QtCore.Signal(object)  # max steps/s or None
    sigWidgetsRebuilt = QtCore.Signal()  # the activation parameter rows were built anew

    def __init__(self, config: ExperimentConfig, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("parameterPanel")
        self._config = config
        self._widgets: dict[str, QtWidgets.QWidget] = {}
        self._fields: dict[str, Field] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._build_run_controls())
        layout.addWidget(self._build_compare_box())
        for title, fields in SECTIONS:
            layout.addWidget(self._build_section(title, fields))
        self.activation_params_box = QtWidgets.QGroupBox("Activation parameters")
        self.activation_params_form = QtWidgets.QFormLayout(self.activation_params_box)
        layout.insertWidget(4, self.activation_params_box)  # right below Model
        layout.addStretch(1)
        self.set_config(config)

    # ---------------------------------------------------------------- building
    def _build_run_controls(self) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox("Run")
        grid = QtWidgets.QGridLayout(box)
        self.start_button = QtWidgets.QPushButton("Start", objectName="startButton")
        self.start_button.setToolTip("Start or pause training (Space)")
        self.step_button = QtWidgets.QPushButton("Step", objectName="stepButton")
        self.step_button.setToolTip("One SGD step, then pause (Right arrow)")
        self.reset_button = QtWidgets.QPushButton("Reset", objectName="resetButton")
        self.reset_button.setToolTip("New initial weights from the seeds; clears the curves (R)")
        self.speed_combo = QtWidgets.QComboBox(objectName="speedCombo")
        for label, _ in SPEEDS:
            self.speed_combo.addItem(label)
        self.speed_combo.setToolTip("Slow motion lets you watch single weights move; Max trains as fast as it can.")
        self.speed_combo.currentIndexChanged.connect(lambda i: self.sigSpeedChanged.emit(SPEEDS[i][1]))
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.step_button, 0, 1)
        grid.addWidget(self.reset_button, 0, 2)
        grid.addWidget(self.speed_combo, 1, 0, 1, 3)
        return box

    def _build_compare_box(self) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox("Compare")
        layout = QtWidgets.QVBoxLayout(box)
        self.compare_check = QtWidgets.QCheckBox("Compare L1 and L2 side by side", objectName="compareCheck")
        self.compare_check.setToolTip(
            "Train several models at once on the same data from the SAME initial weights,\n"
            "each with its own regularizer and the λ, ρ and learning rate set below.")
        layout.addWidget(self.compare_check)
        self.compare_extra_checks = {}
        row = QtWidgets.QHBoxLayout()
        for method, label in COMPARE_EXTRAS:
            check = QtWidgets.QCheckBox(f"+ {label}", objectName=f"compare_{method}_Check")
            check.setToolTip(f"Add a model with {label} to the comparison.")
            check.setEnabled(False)
            check.toggled.connect(self.sigCompareChanged)
            self.compare_extra_checks[method] = check
            row.addWidget(check)
        layout.addLayout(row)
        self.compare_check.toggled.connect(self._on_compare_toggled)
        return box

    def _build_section(self, title: str, fields: tuple[Field, ...]) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox(title)
        form = QtWidgets.QFormLayout(box)
        for field in fields:
            widget = self._make_widget(field)
            widget.setToolTip(field.tip)
            label = QtWidgets.QLabel(field.label)
            label.setToolTip(field.tip)
            form.addRow(label, widget)
            self._widgets[field.key] = widget
            self._fields[field.key] = field
        if title == "Data":
            buttons = QtWidgets.QHBoxLayout()
            draw = QtWidgets.QPushButton("New draw", objectName="newDrawButton")
            draw.setToolTip("Draw new noise and outliers (data seed + 1); resets training.")
            draw.clicked.connect(self.sigNewDraw)
            load = QtWidgets.QPushButton("Load CSV…", objectName="loadCsvButton")
            load.setToolTip("Use your own points: a CSV with two numeric columns x,y (header optional).")
            load.clicked.connect(self.sigLoadCsv)
            buttons.addWidget(draw)
            buttons.addWidget(load)
            form.addRow(buttons)
            self.csv_label = QtWidgets.QLabel("", objectName="csvLabel")
            self.csv_label.setWordWrap(True)
            form.addRow(self.csv_label)
        return box

    def _make_widget(self, field: Field) -> QtWidgets.QWidget:
        name = field.object_name or field.key.replace(".", "_")
        if field.kind == "int":
            w = QtWidgets.QSpinBox(objectName=name)
            w.setRange(int(field.low), int(field.high))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _v, f=field: self._on_edit(f))
        elif field.kind == "float":
            w = QtWidgets.QDoubleSpinBox(objectName=name)
            w.setDecimals(field.decimals)
            w.setRange(field.low, field.high)
            w.setSingleStep(field.step)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _v, f=field: self._on_edit(f))
        elif field.kind == "choice":
            w = QtWidgets.QComboBox(objectName=name)
            for choice in field.choices:
                w.addItem(choice, choice)
            w.currentIndexChanged.connect(lambda _i, f=field: self._on_edit(f))
        elif field.kind == "bool":
            w = QtWidgets.QCheckBox(objectName=name)
            w.toggled.connect(lambda _b, f=field: self._on_edit(f))
        elif field.kind == "lambda":
            w = LambdaControl(field)
            w.spin.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _v, f=field: self._on_edit(f))
        elif field.kind == "layers":
            w = QtWidgets.QLineEdit(objectName=name)
            pattern = QtCore.QRegularExpression(r"^\s*\d{1,3}(\s*,\s*\d{1,3}){0,7}\s*$")
            w.setValidator(QtGui.QRegularExpressionValidator(pattern, w))
            w.editingFinished.connect(lambda f=field: self._on_edit(f))
        else:
            raise ValueError(field.kind)
        return w

    # ---------------------------------------------------------------- reading and writing values
    @property
    def config(self) -> ExperimentConfig:
        return self._config

    def set_config(self, config: ExperimentConfig) -> None:
        """Show a config without emitting edits."""
        self._config = config
        for key, widget in self._widgets.items():
            section, name = key.split(".")
            value = getattr(getattr(config, section), name)
            with QtCore.QSignalBlocker(widget):
                self._write(widget, self._fields[key], value)
        self._rebuild_activation_params()
        self._update_enabled()
        self.csv_label.setText(f"Data: {config.data.csv_path}" if config.data.csv_path else "")

    def _write(self, widget: QtWidgets.QWidget, field: Field, value: Any) -> None:
        if field.kind in ("int", "float"):
            widget.setValue(value)
        elif field.kind == "lambda":
            with QtCore.QSignalBlocker(widget.spin):
                widget.setValue(value)
                widget._on_spin(value)
        elif field.kind == "choice":
            widget.setCurrentIndex(widget.findData(value))
        elif field.kind == "bool":
            widget.setChecked(bool(value))
        elif field.kind == "layers":
            widget.setText(",".join(str(v) for v in value))

    def _read(self, field: Field) -> Any:
        widget = self._widgets[field.key]
        if field.kind in ("int", "float", "lambda"):
            return widget.value()
        if field.kind == "choice":
            return widget.currentData()
        if field.kind == "bool":
            return widget.isChecked()
        text = widget.text().strip()
        return tuple(int(part) for part in text.split(",") if part.strip())

    def _on_edit(self, field: Field) -> None:
        value = self._read(field)
        try:
            changes = {field.key: value}
            if field.key == "model.activation":
                changes["model.activation_params"] = {}
            config = self._config.replace(**changes).validate()
        except ConfigError as exc:
            QtWidgets.QMessageBox.warning(self, "regviz: value not accepted", str(exc))
            self.set_config(self._config)  # put the last good value back
            return
        if config == self._config:
            return
        self._config = config
        if field.key == "model.activation":
            self._rebuild_activation_params()
        self._update_enabled()
        self.sigConfigEdited.emit(config, not field.live)

    def _rebuild_activation_params(self) -> None:
        while self.activation_params_form.rowCount():
            self.activation_params_form.removeRow(0)
        activation = ACTIVATIONS[self._config.model.activation].with_params(**self._config.model.activation_params)
        self.activation_param_spins: dict[str, QtWidgets.QDoubleSpinBox] = {}
        for key, spec in activation.param_specs.items():
            spin = QtWidgets.QDoubleSpinBox(objectName=f"activationParam_{key}")
            spin.setDecimals(3)
            spin.setRange(spec.low, spec.high)
            spin.setSingleStep(0.01 if spec.high <= 1 else 0.5)
            spin.setValue(activation.params[key])
            spin.setKeyboardTracking(False)
            spin.setToolTip(spec.help + ". Changes live.")
            spin.valueChanged.connect(lambda _v, k=key: self._on_activation_param(k))
            self.activation_param_spins[key] = spin
            self.activation_params_form.addRow(key, spin)
        self.activation_params_box.setVisible(bool(activation.param_specs))
        self.sigWidgetsRebuilt.emit()

    def _on_activation_param(self, key: str) -> None:
        params = {k: spin.value() for k, spin in self.activation_param_spins.items()}
        self.set_activation_params(params, emit=True)

    def set_activation_params(self, params: dict[str, float], emit: bool = False) -> None:
        """From the panel's spins or the activation canvas: validated, then shown in both."""
        try:
            config = self._config.replace(**{"model.activation_params": dict(params)}).validate()
        except ConfigError as exc:
            QtWidgets.QMessageBox.warning(self, "regviz: value not accepted", str(exc))
            self._rebuild_activation_params()
            return
        self._config = config
        for key, value in config.model.activation_params.items():
            spin = self.activation_param_spins.get(key)
            if spin is not None and spin.value() != value:
                with QtCore.QSignalBlocker(spin):
                    spin.setValue(value)
        if emit:
            self.sigConfigEdited.emit(config, False)

    # ---------------------------------------------------------------- compare mode
    def compare_methods(self) -> tuple[str, ...] | None:
        """The methods trained side by side, or None when comparing is off."""
        if not self.compare_check.isChecked():
            return None
        extras = tuple(m for m, check in self.compare_extra_checks.items() if check.isChecked())
        return ("l1", "l2") + extras

    def _on_compare_toggled(self, on: bool) -> None:
        for check in self.compare_extra_checks.values():
            check.setEnabled(on)
        self._update_enabled()
        self.sigCompareChanged.emit()

    def _update_enabled(self) -> None:
        comparing = self.compare_check.isChecked()
        reg = self._config.regularization
        self._widgets["regularization.method"].setEnabled(not comparing)
        self._widgets["regularization.rho"].setEnabled(comparing or reg.method == "elasticnet")
        self._widgets["regularization.l1_rule"].setEnabled(comparing or reg.method in ("l1", "elasticnet"))
        self._widgets["regularization.lam"].setEnabled(comparing or reg.method != "none")
        csv = self._config.data.csv_path is not None
        for key in ("data.n_samples", "data.x_min", "data.x_max", "data.slope", "data.intercept", "data.noise",
                    "data.noise_scale", "data.outliers", "data.outlier_shift", "data.outlier_shift_mode", "data.seed"):
            self._widgets[key].setEnabled(not csv)

    def set_compare(self, methods: tuple[str, ...] | None) -> None:
        """Show a compare selection without emitting edits."""
        with QtCore.QSignalBlocker(self.compare_check):
            self.compare_check.setChecked(bool(methods))
        for method, check in self.compare_extra_checks.items():
            with QtCore.QSignalBlocker(check):
                check.setChecked(bool(methods) and method in methods)
                check.setEnabled(bool(methods))
        self._update_enabled()

    def set_running(self, running: bool) -> None:
        self.start_button.setText("Pause" if running else "Start")
