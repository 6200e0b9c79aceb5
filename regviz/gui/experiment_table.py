"""A results table: sortable by any column (numbers as numbers), median rows in bold, Ctrl+C or
copy_all() puts it on the clipboard as tab-separated text (pastes as a table into a slide), and a
double-click on a run says which run (sigRunActivated)."""

from __future__ import annotations

from typing import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.experiment_rows import TableRow, to_tsv

RUN_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1  # the run's index in the result, or -1 (a median)
METHOD_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2


class _Item(QtWidgets.QTableWidgetItem):
    """Sorts by its key: numbers numerically; a missing value (None) after every number."""

    def __init__(self, text: str, key):
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QtWidgets.QTableWidgetItem) -> bool:
        a, b = self.key, getattr(other, "key", None)
        if a is None or b is None:
            return a is not None and b is None
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return str(a) < str(b)


class ExperimentTable(QtWidgets.QTableWidget):
    sigRunActivated = QtCore.Signal(int)  # the run's index in the result

    def __init__(self, object_name: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        self.setWordWrap(False)
        self.setMinimumSize(120, 80)
        self.itemDoubleClicked.connect(self._on_double_click)
        copy = QtGui.QAction("Copy", self)
        copy.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Copy))
        copy.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        self.addAction(copy)

    def set_rows(self, columns: Sequence[str], rows: Sequence[TableRow], colors: dict[str, str] | None = None) -> None:
        """Fill the table anew (sorting is off while it fills, so rows stay whole)."""
        self.setSortingEnabled(False)
        self.clear()
        self.setColumnCount(len(columns))
        self.setHorizontalHeaderLabels(list(columns))
        self.setRowCount(len(rows))
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            for c, (text, key) in enumerate(zip(row.cells, row.keys)):
                item = _Item(text, key)
                item.setData(RUN_ROLE, -1 if row.run_index is None else row.run_index)
                item.setData(METHOD_ROLE, row.method)
                if c > 0 or not isinstance(key, str):
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                if row.is_median:
                    item.setFont(bold)
                    item.setToolTip("the median over this method's runs (errors: over the runs that did not diverge)")
                else:
                    item.setToolTip("double-click: train this run in the Live tab")
                if c == 0 and colors and row.method in colors:
                    item.setForeground(QtGui.QBrush(QtGui.QColor(colors[row.method])))
                self.setItem(r, c, item)
        self.resizeColumnsToContents()
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(False)

    # ---------------------------------------------------------------- reading
    def header_texts(self) -> list[str]:
        return [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]

    def row_texts(self, row: int) -> list[str]:
        return [self.item(row, c).text() if self.item(row, c) else "" for c in range(self.columnCount())]

    def run_at(self, row: int) -> int | None:
        item = self.item(row, 0)
        index = item.data(RUN_ROLE) if item is not None else -1
        return None if index is None or index < 0 else int(index)

    def row_of_run(self, run_index: int) -> int:
        return next(r for r in range(self.rowCount()) if self.run_at(r) == run_index)

    # ---------------------------------------------------------------- copying
    def tsv(self, rows: Sequence[int] | None = None) -> str:
        rows = range(self.rowCount()) if rows is None else rows
        return to_tsv(self.header_texts(), [self.row_texts(r) for r in rows])

    def copy_selection(self) -> None:
        """The selected rows (or the whole table) as tab-separated text on the clipboard."""
        rows = sorted({index.row() for index in self.selectedIndexes()})
        QtWidgets.QApplication.clipboard().setText(self.tsv(rows or None))

    def copy_all(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.tsv())

    def _on_double_click(self, item: QtWidgets.QTableWidgetItem) -> None:
        run = self.run_at(item.row())
        if run is not None:
            self.sigRunActivated.emit(run)
