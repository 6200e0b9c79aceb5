"""Experiments ▸ Prune: the article's second experiment in two steps. 1. Train N runs with L1 and
see which neurons it disconnected (marked on the heatmaps); the hidden sizes without them are
proposed in an editable field (a teacher may type the article's own 10,10,1). 2. Retrain the smaller
net N times from the same seeds on the same data, and compare: errors before and after per seed
(the article's second table) and one seed's weights before and after, side by side."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from regviz.gui.experiment_rows import layers_text
from regviz.gui.experiment_table import ExperimentTable
from regviz.gui.prune_math import LayersError, parse_hidden_layers, prune_columns, prune_rows, weight_count
from regviz.gui.views.prune_view import PruneView

ERROR_STYLE = "color: #b00020; font-weight: bold;"


class PrunePanel(QtWidgets.QWidget):
    sigTrain = QtCore.Signal(int)  # runs
    sigRetrain = QtCore.Signal(tuple)  # hidden sizes
    sigLoadRun = QtCore.Signal(dict)
    sigExport = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("prunePanel")
        self.before: dict | None = None
        self.after: dict | None = None
        self._busy = False
        self.repeats_spin = QtWidgets.QSpinBox(objectName="pruneRepeatsSpin")
        self.repeats_spin.setRange(1, 50)
        self.repeats_spin.setValue(5)
        self.repeats_spin.setToolTip("Runs before and after pruning (init seeds: the Live config's + 0, 1, …)")
        self.prune_button = QtWidgets.QPushButton("1. Train with L1", objectName="pruneButton")
        self.prune_button.setToolTip("Train the runs with L1 on the Live config, mark the neurons it disconnected "
                                     "and propose the hidden sizes without them")
        self.layers_edit = QtWidgets.QLineEdit(objectName="proposedLayersEdit")
        self.layers_edit.setPlaceholderText("e.g. 10,10,1")
        self.layers_edit.setToolTip("Hidden layer widths of the pruned net, as --layers takes them: the article's "
                                    "1-10-10-1-1 is 10,10,1 (its weight shapes [(1,10),(10,10),(10,1),(1,1)] "
                                    "work too). Proposed: the median number of neurons still connected.")
        self.layers_edit.setEnabled(False)
        self.layers_edit.textChanged.connect(self._check_layers)
        self.layers_edit.returnPressed.connect(self._on_retrain)
        self.retrain_button = QtWidgets.QPushButton("2. Retrain smaller", objectName="retrainButton")
        self.retrain_button.setToolTip("Train the net with these hidden sizes from the same seeds, on the same data")
        self.retrain_button.setEnabled(False)
        self.export_button = QtWidgets.QPushButton("Export figure…", objectName="exportPruneButton")
        self.export_button.setToolTip("The heatmaps before and after as PNG or SVG, with a caption line")
        self.export_button.setEnabled(False)
        self.layers_problem = QtWidgets.QLabel("", objectName="proposedLayersError")
        self.layers_problem.setStyleSheet(ERROR_STYLE)
        self.layers_problem.setWordWrap(True)
        self.layers_problem.setVisible(False)
        self.prune_button.clicked.connect(lambda: self.sigTrain.emit(self.repeats_spin.value()))
        self.retrain_button.clicked.connect(self._on_retrain)

        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel("Runs"))
        row.addWidget(self.repeats_spin)
        row.addWidget(self.prune_button)
        row.addSpacing(8)
        row.addWidget(QtWidgets.QLabel("Hidden layers after pruning"))
        row.addWidget(self.layers_edit, 1)
        row.addWidget(self.retrain_button)
        row.addWidget(self.export_button)

        self.summary = QtWidgets.QLabel("", objectName="pruneSummaryLabel")
        self.summary.setWordWrap(True)
        self.view = PruneView()
        self.export_button.clicked.connect(lambda: self.sigExport.emit(self.view))
        self.table = ExperimentTable("pruneTable")
        self.table.sigRunActivated.connect(self._on_run_activated)
        self.table.itemSelectionChanged.connect(self._on_selection)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, objectName="pruneSplitter")
        splitter.addWidget(self.view)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(row)
        column.addWidget(self.layers_problem)
        column.addWidget(self.summary)
        column.addWidget(splitter, 1)
        self.shown_run = 0  # index of the first-stage run drawn

    # ---------------------------------------------------------------- input
    def hidden_layers(self) -> tuple[int, ...] | None:
        """The typed sizes, or None (and the reason in red under the field)."""
        try:
            sizes = parse_hidden_layers(self.layers_edit.text())
        except LayersError as exc:
            self.layers_problem.setText(f"Hidden layers: {exc}")
            self.layers_problem.setVisible(True)
            return None
        self.layers_problem.setVisible(False)
        return sizes

    def _check_layers(self) -> None:
        ok = self.before is not None and self.hidden_layers() is not None
        self.retrain_button.setEnabled(ok and not self._busy)
        if not self.layers_edit.text().strip() and self.before is None:
            self.layers_problem.setVisible(False)

    def _on_retrain(self) -> None:
        sizes = self.hidden_layers()
        if sizes is not None and self.before is not None and not self._busy:
            self.sigRetrain.emit(sizes)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.prune_button.setEnabled(not busy)
        self.retrain_button.setEnabled(not busy and self.before is not None
                                       and self.layers_problem.isHidden() and bool(self.layers_edit.text().strip()))

    # ---------------------------------------------------------------- results
    def set_before(self, result: dict, ran_on: str) -> None:
        """The first stage is in: draw it, propose the sizes, forget an older second stage."""
        self.before, self.after, self.ran_on = result, None, ran_on
        self.shown_run = 0
        self.layers_edit.setEnabled(True)
        self.layers_edit.setText(",".join(str(s) for s in result["proposed_hidden_layers"]))
        self._refresh()

    def set_after(self, result: dict) -> None:
        self.after = result
        self._refresh()

    def _refresh(self) -> None:
        before, after = self.before, self.after
        before_sizes = before["runs"][0]["layer_sizes"] if before["runs"] else []
        after_sizes = after["runs"][0]["layer_sizes"] if after and after["runs"] else None
        self.table.set_rows(prune_columns(before_sizes, after_sizes), prune_rows(before, after))
        proposed = (1, *before["proposed_hidden_layers"], 1)
        text = (f"Ran on: {self.ran_on}. L1 proposes {layers_text(proposed)} (the median of the neurons still "
                f"connected, threshold {before['threshold']:g}).")
        if after_sizes:
            text += (f" Retrained {layers_text(after_sizes)}: weights {weight_count(before_sizes)} → "
                     f"{weight_count(after_sizes)}.")
        text += " Select a row to see that seed's weights; double-click to train it in the Live tab."
        self.summary.setText(text)
        self.export_button.setEnabled(True)
        self._show_run(self.shown_run)

    def _show_run(self, index: int) -> None:
        self.shown_run = index
        before = self.before["runs"][index]
        after = None
        if self.after is not None:
            after = next((r for r in self.after["runs"] if r["seed"] == before["seed"]), None)
        self.view.set_runs(before, after)

    def _on_selection(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        runs = [self.table.run_at(r) for r in rows]
        runs = [r for r in runs if r is not None]
        if len(runs) == 1 and self.before is not None and runs[0] != self.shown_run:
            self._show_run(runs[0])

    def _on_run_activated(self, index: int) -> None:
        """Double-click: the pruned run if there is one for that seed (the new net), else the original."""
        before = self.before["runs"][index]
        after = next((r for r in self.after["runs"] if r["seed"] == before["seed"]), None) if self.after else None
        self.sigLoadRun.emit(after or before)

    def apply_theme(self, theme) -> None:
        self.view.apply_theme(theme)
