"""The parameter panel, declared from the config dataclasses: one Field per config value.

The panel edits an ExperimentConfig. Every edit emits sigConfigEdited(config, needs_reset): a field
marked live (lambda, learning rate, regularizer, L1 rule, rho, epochs, activation parameters) changes
the running models in place; any other field (data, architecture, loss, batch) needs a reset.
Ranges on the widgets make out-of-range input impossible to enter.

Sections follow the order of use (Run, Regularization, Compare, Model, Training, Data); all but Run
collapse, and which are collapsed is remembered, as is the speed.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.activations import ACTIVATIONS
from regviz.core.config import ConfigError, ExperimentConfig
from regviz.gui.panel_fields import (ACTIVATION_PARAM_LABELS, COMPARE_EXTRAS, DEFAULT_SPEED, SECTIONS, SPEEDS,
                                     Field)
from regviz.gui.panel_widgets import LambdaControl, Section
from regviz.gui.settings import Settings

MAX_SPEED_INDEX = next(i for i, (_label, speed) in enumerate(SPEEDS) if speed is None)


def speed_index(speed: float | None) -> int:
    """The SPEEDS entry of a speed; the default pace for one the combo does not offer."""
    for index, (_label, value) in enumerate(SPEEDS):
        if value == speed:
            return index
    return speed_index(DEFAULT_SPEED)


class ParameterPanel(QtWidgets.QWidget):
    sigConfigEdited = QtCore.Signal(object, bool)  # new ExperimentConfig, needs_reset
    sigCompareChanged = QtCore.Signal()
    sigNewDraw = QtCore.Signal()
    sigLoadCsv = QtCore.Signal()
    sigSpeedChanged = QtCore.Signal(object)  # max steps/s or None
    sigWidgetsRebuilt = QtCore.Signal()  # the activation parameter rows were built anew

    def __init__(self, config: ExperimentConfig, settings: Settings | None = None,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("parameterPanel")
        self._config = config
        self._settings = settings if settings is not None else Settings()
        self._widgets: dict[str, QtWidgets.QWidget] = {}
        self._fields: dict[str, Field] = {}
        self.sections: dict[str, Section] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._build_run_section())
        for key, title, fields in SECTIONS:
            section = self._build_compare_section() if key == "compare" else self._build_section(key, title, fields)
            self.sections[key] = section
            layout.addWidget(section)
        layout.addStretch(1)
        collapsed = self._settings.collapsed_sections()
        for key, section in self.sections.items():
            section.set_expanded(key not in collapsed)
            section.sigExpanded.connect(lambda _expanded: self._remember_collapsed())
        self.set_config(config)

    # ---------------------------------------------------------------- building
    def _build_run_section(self) -> Section:
        section = Section("run", "Run", collapsible=False)
        section.header.setToolTip("Start, step, reset, and the pace of training")
        grid = QtWidgets.QGridLayout(section.body)
        self.start_button = QtWidgets.QPushButton("Start", objectName="startButton")
        self.start_button.setToolTip("Start or pause training (Space)")
        self.step_button = QtWidgets.QPushButton("Step", objectName="stepButton")
        self.step_button.setToolTip("One SGD step, then pause (Right arrow)")
        self.reset_button = QtWidgets.QPushButton("Reset", objectName="resetButton")
        self.reset_button.setToolTip("New initial weights from the seeds; clears the curves (R)")
        self.speed_combo = QtWidgets.QComboBox(objectName="speedCombo")
        for label, _ in SPEEDS:
            self.speed_combo.addItem(label)
        self.speed_combo.setToolTip("Steps per second. Medium lets you talk over the seed run (about 20 s);\n"
                                    "Slow lets you watch single weights move; Max trains as fast as it can.")
        self.max_speed_button = QtWidgets.QToolButton(objectName="maxSpeedButton", text="Max")
        self.max_speed_button.setCheckable(True)
        self.max_speed_button.setToolTip("Max speed, one click; click again for the pace before")
        self._pace_index = speed_index(DEFAULT_SPEED)  # where un-pressing Max returns
        self._show_speed(speed_index(self._settings.speed()))
        self.speed_combo.currentIndexChanged.connect(self._on_speed_index)
        self.max_speed_button.toggled.connect(self._on_max_toggled)
        grid.addWidget(self.start_button, 0, 0)
        grid.addWidget(self.step_button, 0, 1)
        grid.addWidget(self.reset_button, 0, 2)
        speed_row = QtWidgets.QHBoxLayout()
        speed_row.addWidget(self.speed_combo, 1)
        speed_row.addWidget(self.max_speed_button)
        grid.addLayout(speed_row, 1, 0, 1, 3)
        return section

    def _build_compare_section(self) -> Section:
        section = Section("compare", "Compare")
        layout = QtWidgets.QVBoxLayout(section.body)
        self.compare_check = QtWidgets.QCheckBox("Compare L1 and L2 side by side", objectName="compareCheck")
        self.compare_check.setToolTip(
            "Train several models at once on the same data from the SAME initial weights,\n"
            "each with its own regularizer and the λ, ρ and learning rate set above.")
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
        return section

    def _build_section(self, key: str, title: str, fields: tuple[Field, ...]) -> Section:
        section = Section(key, title)
        form = QtWidgets.QFormLayout(section.body)
        for field in fields:
            widget = self._make_widget(field)
            widget.setToolTip(field.tip)
            label = QtWidgets.QLabel(field.label)
            label.setToolTip(field.tip)
            form.addRow(label, widget)
            self._widgets[field.key] = widget
            self._fields[field.key] = field
        if key == "model":  # the activation's own parameters, right below it
            self.activation_params_box = QtWidgets.QGroupBox("Activation parameters")
            self.activation_params_form = QtWidgets.QFormLayout(self.activation_params_box)
            form.addRow(self.activation_params_box)
        if key == "data":
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
        return section

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
            for identifier, label in field.choices:
                w.addItem(label, identifier)  # shown: the words; read: the identifier
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

    # ---------------------------------------------------------------- sections and speed
    def _remember_collapsed(self) -> None:
        self._settings.set_collapsed_sections(k for k, s in self.sections.items() if not s.is_expanded())

    def speed(self) -> float | None:
        """The chosen pace: max steps per second, None for max speed."""
        return SPEEDS[self.speed_combo.currentIndex()][1]

    def _show_speed(self, index: int) -> None:
        with QtCore.QSignalBlocker(self.speed_combo), QtCore.QSignalBlocker(self.max_speed_button):
            self.speed_combo.setCurrentIndex(index)
            self.max_speed_button.setChecked(index == MAX_SPEED_INDEX)
        if index != MAX_SPEED_INDEX:
            self._pace_index = index

    def _on_speed_index(self, index: int) -> None:
        self._show_speed(index)
        self._settings.set_speed(self.speed())
        self.sigSpeedChanged.emit(self.speed())

    def _on_max_toggled(self, on: bool) -> None:
        self.speed_combo.setCurrentIndex(MAX_SPEED_INDEX if on else self._pace_index)

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
            label = QtWidgets.QLabel(ACTIVATION_PARAM_LABELS.get(key, key))
            label.setToolTip(spin.toolTip())
            self.activation_params_form.addRow(label, spin)
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
