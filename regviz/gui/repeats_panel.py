"""Experiments ▸ Repeats: N seeds of each chosen method on the Live tab's config, as the article's
table (one row per run, a median row per method) and a strip plot; `regviz experiment` in a window.
A double-click on a run trains it in the Live tab."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from regviz.core.config import METHODS
from regviz.gui.experiment_rows import REPEATS_COLUMNS, method_label, repeats_rows
from regviz.gui.experiment_table import ExperimentTable
from regviz.gui.views.experiment_plot import ExperimentPlot

MAX_REPEATS = 50
DEFAULT_METHODS = ("l1", "l2")


class RepeatsPanel(QtWidgets.QWidget):
    sigRun = QtCore.Signal(list, int)  # methods, seeds per method
    sigLoadRun = QtCore.Signal(dict)  # a run of the result: train it in Live
    sigExport = QtCore.Signal(object)  # the canvas to export

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("repeatsPanel")
        self.result: dict | None = None
        self.repeats_spin = QtWidgets.QSpinBox(objectName="repeatsSpin")
        self.repeats_spin.setRange(1, MAX_REPEATS)
        self.repeats_spin.setValue(5)
        self.repeats_spin.setToolTip("Runs per method: run i starts from init seed (the Live config's) + i, "
                                     "on the same data; every method starts run i from the same weights")
        self.method_checks: dict[str, QtWidgets.QCheckBox] = {}
        self.run_button = QtWidgets.QPushButton("Run", objectName="runExperimentButton")
        self.run_button.setToolTip("Train every run at once in a background process (regviz experiment)")
        self.run_button.clicked.connect(self._on_run)
        self.copy_button = QtWidgets.QPushButton("Copy table", objectName="copyTableButton")
        self.copy_button.setToolTip("The whole table as tab-separated text (pastes as a table into a slide); "
                                    "Ctrl+C copies the selected rows")
        self.export_button = QtWidgets.QPushButton("Export plot…", objectName="exportExperimentPlotButton")
        self.export_button.setToolTip("The plot as PNG or SVG, with a caption line saying what ran")
        self.problem = QtWidgets.QLabel("", objectName="repeatsProblemLabel")
        self.problem.setStyleSheet("color: #b00020; font-weight: bold;")
        self.problem.setWordWrap(True)

        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel("Seeds per method"))
        row.addWidget(self.repeats_spin)
        row.addSpacing(8)
        for method in METHODS:
            check = QtWidgets.QCheckBox(method_label(method), objectName=f"repeatsMethod_{method}")
            check.setChecked(method in DEFAULT_METHODS)
            check.setToolTip(f"Train {method_label(method)} runs (method '{method}' on the command line)")
            check.toggled.connect(lambda _on: self.problem.setText(""))
            self.method_checks[method] = check
            row.addWidget(check)
        row.addSpacing(8)
        row.addWidget(self.run_button)
        row.addStretch(1)
        row.addWidget(self.copy_button)
        row.addWidget(self.export_button)

        self.table = ExperimentTable("experimentTable")
        self.table.sigRunActivated.connect(self._on_run_activated)
        self.copy_button.clicked.connect(self.table.copy_all)
        self.plot = ExperimentPlot()
        self.export_button.clicked.connect(lambda: self.sigExport.emit(self.plot))
        self.ran_on = QtWidgets.QLabel("", objectName="repeatsRanOnLabel")
        self.ran_on.setWordWrap(True)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, objectName="repeatsSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.plot)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([5000, 4000])  # in proportion: the table's every column shows at 1366x768
        splitter.setChildrenCollapsible(False)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(row)
        column.addWidget(self.problem)
        column.addWidget(self.ran_on)
        column.addWidget(splitter, 1)
        self.problem.setVisible(False)
        self.ran_on.setVisible(False)
        self.set_result(None, "")

    def methods(self) -> list[str]:
        return [m for m in METHODS if self.method_checks[m].isChecked()]

    def set_busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)

    def _on_run(self) -> None:
        methods = self.methods()
        if not methods:
            self.show_problem("Choose at least one method.")
            return
        self.show_problem("")
        self.sigRun.emit(methods, self.repeats_spin.value())

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def set_result(self, result: dict | None, ran_on: str) -> None:
        self.result = result
        rows = repeats_rows(result) if result else []
        colors = {m: self.plot.theme.method_color(m) for m in METHODS}
        self.table.set_rows(REPEATS_COLUMNS, rows, colors)
        self.plot.set_result(result)
        self.ran_on.setText(f"Ran on: {ran_on}. Double-click a run to train it in the Live tab." if result else "")
        self.ran_on.setVisible(bool(result))
        self.copy_button.setEnabled(bool(result))
        self.export_button.setEnabled(bool(result))

    def _on_run_activated(self, index: int) -> None:
        if self.result is not None:
            self.sigLoadRun.emit(self.result["runs"][index])

    def apply_theme(self, theme) -> None:
        self.plot.apply_theme(theme)
        if self.result is not None:  # the method colours in the table follow the theme
            colors = {m: theme.method_color(m) for m in METHODS}
            self.table.set_rows(REPEATS_COLUMNS, repeats_rows(self.result), colors)
