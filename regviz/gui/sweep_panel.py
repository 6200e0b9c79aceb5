"""Experiments ▸ Sweep: a regularization path, `regviz sweep` in a window. A λ range (log-spaced,
ends included), seeds, methods and the L1 rule; sparsity and train/test error against λ, the median
over the seeds in a min-max band. An inline note says what the chosen L1 rule does at large λ; a
click on the path trains that λ in the Live tab."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from regviz.core.config import L1_RULES, METHODS, ExperimentConfig
from regviz.gui.experiment_rows import method_label
from regviz.gui.sweep_math import RangeError, parse_lambda_range, rule_note
from regviz.gui.views.sweep_view import SweepView

ERROR_STYLE = "color: #b00020; font-weight: bold;"
RULE_LABELS = {"subgradient": "Subgradient", "clip": "Clip at zero", "proximal": "Proximal (soft threshold)"}
MAX_COUNT, MAX_SEEDS = 200, 20
DEFAULT_METHODS = ("l1", "l2")


class SweepPanel(QtWidgets.QWidget):
    sigRun = QtCore.Signal(list, list, int, str)  # lambdas, methods, seeds, L1 rule
    sigLoad = QtCore.Signal(object, object)  # config, compare methods (or None)
    sigExport = QtCore.Signal(object)

    def __init__(self, base: ExperimentConfig, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sweepPanel")
        self.base = base  # the Live config, for the note's numbers
        self.result: dict | None = None
        self.ran_on_config: ExperimentConfig | None = None
        self.low_edit = QtWidgets.QLineEdit("1e-4", objectName="sweepLowEdit")
        self.high_edit = QtWidgets.QLineEdit("10", objectName="sweepHighEdit")
        for edit, tip in ((self.low_edit, "The smallest λ (above 0: the axis is logarithmic), e.g. 1e-4"),
                          (self.high_edit, "The largest λ (at most 1000), e.g. 10")):
            edit.setToolTip(tip)
            edit.setMaximumWidth(80)
            edit.textChanged.connect(lambda _t: self.show_problem(""))
        self.count_spin = QtWidgets.QSpinBox(objectName="sweepCountSpin")
        self.count_spin.setRange(2, MAX_COUNT)
        self.count_spin.setValue(30)
        self.count_spin.setToolTip("How many λ values, log-spaced, both ends included (as --lambdas LOW:HIGH:N)")
        self.seeds_spin = QtWidgets.QSpinBox(objectName="sweepSeedsSpin")
        self.seeds_spin.setRange(1, MAX_SEEDS)
        self.seeds_spin.setValue(3)
        self.seeds_spin.setToolTip("Runs per λ and method (init seeds: the Live config's + 0, 1, …): the band "
                                   "spans their min and max")
        self.rule_combo = QtWidgets.QComboBox(objectName="sweepRuleCombo")
        for rule in L1_RULES:
            self.rule_combo.addItem(RULE_LABELS.get(rule, rule), rule)
        self.rule_combo.setCurrentIndex(max(0, self.rule_combo.findData(base.regularization.l1_rule)))
        self.rule_combo.setToolTip("How the L1 term moves a weight at each step (for L1 and elastic net)")
        self.rule_combo.currentIndexChanged.connect(self._update_note)
        self.method_checks: dict[str, QtWidgets.QCheckBox] = {}
        self.run_button = QtWidgets.QPushButton("Sweep", objectName="sweepButton")
        self.run_button.setToolTip("Train every (method, λ, seed) at once in a background process (regviz sweep)")
        self.run_button.clicked.connect(self._on_run)
        self.export_button = QtWidgets.QPushButton("Export plot…", objectName="exportSweepButton")
        self.export_button.setToolTip("The path as PNG or SVG, with a caption line saying what ran")
        self.export_button.setEnabled(False)

        first = QtWidgets.QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        for widget in (QtWidgets.QLabel("λ from"), self.low_edit, QtWidgets.QLabel("to"), self.high_edit,
                       QtWidgets.QLabel("in"), self.count_spin, QtWidgets.QLabel("steps · seeds"), self.seeds_spin):
            first.addWidget(widget)
        first.addSpacing(8)
        first.addWidget(self.run_button)
        first.addStretch(1)
        first.addWidget(self.export_button)
        second = QtWidgets.QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        for method in METHODS:
            check = QtWidgets.QCheckBox(method_label(method), objectName=f"sweepMethod_{method}")
            check.setChecked(method in DEFAULT_METHODS)
            check.setToolTip(f"Sweep {method_label(method)}")
            check.toggled.connect(self._update_note)
            self.method_checks[method] = check
            second.addWidget(check)
        second.addSpacing(8)
        second.addWidget(QtWidgets.QLabel("L1 rule"))
        second.addWidget(self.rule_combo)
        second.addStretch(1)

        self.problem = QtWidgets.QLabel("", objectName="sweepProblemLabel")
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setWordWrap(True)
        self.problem.setVisible(False)
        self.note = QtWidgets.QLabel("", objectName="sweepNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.ran_on = QtWidgets.QLabel("", objectName="sweepRanOnLabel")
        self.ran_on.setWordWrap(True)
        self.ran_on.setVisible(False)
        self.view = SweepView()
        self.view.sigLambdaClicked.connect(self._on_lambda_clicked)
        self.export_button.clicked.connect(lambda: self.sigExport.emit(self.view))
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(first)
        column.addLayout(second)
        column.addWidget(self.problem)
        column.addWidget(self.note)
        column.addWidget(self.ran_on)
        column.addWidget(self.view, 1)
        self._update_note()

    def methods(self) -> list[str]:
        return [m for m in METHODS if self.method_checks[m].isChecked()]

    def rule(self) -> str:
        return self.rule_combo.currentData()

    def set_base(self, base: ExperimentConfig) -> None:
        self.base = base
        self._update_note()

    def set_busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _update_note(self) -> None:
        training = self.base.training
        self.note.setText(rule_note(self.rule(), self.methods(), training.learning_rate, self.base.regularization.rho))

    def _on_run(self) -> None:
        try:
            lambdas = parse_lambda_range(self.low_edit.text(), self.high_edit.text(), self.count_spin.value())
        except RangeError as exc:
            self.show_problem(str(exc))
            return
        methods = self.methods()
        if not methods:
            self.show_problem("Choose at least one method.")
            return
        self.show_problem("")
        self.sigRun.emit(lambdas, methods, self.seeds_spin.value(), self.rule())

    def set_result(self, result: dict, config: ExperimentConfig, ran_on: str) -> None:
        """A sweep is in; `config` is the one it ran on (its L1 rule the one chosen)."""
        self.result, self.ran_on_config = result, config
        reg = config.regularization
        self.view.set_result(result, reg.l1_rule, config.training.learning_rate, reg.rho)
        seeds = self.view.seeds()
        self.ran_on.setText(f"Ran on: {ran_on}; {len(result['lambdas'])} λ × {seeds} seed{'s' * (seeds > 1)}. "
                            f"Click a λ on a plot to train it in the Live tab (init seed {config.training.seed}).")
        self.ran_on.setVisible(True)
        self.export_button.setEnabled(True)

    def config_for(self, index: int) -> tuple[ExperimentConfig, tuple[str, ...] | None]:
        """The Live config for λ number `index`: the swept methods side by side (one: alone)."""
        methods = list(dict.fromkeys(r["method"] for r in self.result["runs"]))
        lam = float(self.result["lambdas"][index])
        changes = {"regularization.lam": lam}
        if len(methods) == 1:
            changes["regularization.method"] = methods[0]
        return self.ran_on_config.replace(**changes), (tuple(methods) if len(methods) > 1 else None)

    def _on_lambda_clicked(self, index: int) -> None:
        if self.result is not None and self.ran_on_config is not None:
            self.sigLoad.emit(*self.config_for(index))

    def apply_theme(self, theme) -> None:
        self.view.apply_theme(theme)
