"""The Softmax tab (objectName softmaxTab): type logits, move the temperature, or click one of the
article's three cases, and the probabilities, their entropy and the effect of the temperature are
drawn at once (views/softmax_view.py). The maths and the checks are Qt-free (regviz.core.softmax).

Bad logits get a red message next to the field and the bars keep the last good logits. The
temperature has a spin box and a logarithmic slider that follow each other.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.softmax import (ARTICLE_CASES, MAX_CLASSES, MIN_CLASSES, TEMPERATURE_RANGE, SLIDER_STEPS,
                                 SoftmaxInputError, compute, figure_caption, format_logits, matching_case,
                                 parse_logits, slider_to_temperature, softmax, temperature_to_slider)
from regviz.gui.figure_dialog import export_figure_dialog, show_error
from regviz.gui import export, figure_export
from regviz.gui.style import LIGHT, Theme
from regviz.gui.views.softmax_view import SoftmaxView

ERROR_COLORS = {False: "#b00020", True: "#ff8a80"}  # readable on the light and on the dark background
ERROR_FIELDS = {False: "#fde7e9", True: "#5c1d24"}  # the field's background while its text is refused


class SoftmaxTab(QtWidgets.QWidget):
    def __init__(self, window: QtWidgets.QMainWindow | None = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("softmaxTab")
        self.main_window = window
        self.theme: Theme = LIGHT
        self._slider_moving = False
        self.logits = list(ARTICLE_CASES[0].logits)
        self.result = None
        self.canvas = SoftmaxView()
        self._build()
        self.logits_edit.setText(format_logits(self.logits))
        self.redraw()

    # ---------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.logits_edit = QtWidgets.QLineEdit(objectName="logitsEdit")
        self.logits_edit.setMaxLength(1000)
        self.logits_edit.setPlaceholderText("e.g. 3, 0.7, 0.5")
        self.logits_edit.setToolTip(
            f"The network's outputs, one per class: {MIN_CLASSES} to {MAX_CLASSES} numbers separated by commas "
            "(or spaces). The bars follow as you type.")
        self.logits_edit.textChanged.connect(self._on_logits_edited)
        self.error_label = QtWidgets.QLabel(objectName="logitsError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # it quotes what was typed
        bold = QtGui.QFont()
        bold.setBold(True)  # only the weight: the size still follows the window's font
        self.error_label.setFont(bold)
        low, high = TEMPERATURE_RANGE
        self.temperature_spin = QtWidgets.QDoubleSpinBox(objectName="temperatureSpin")
        self.temperature_spin.setRange(low, high)
        self.temperature_spin.setDecimals(2)
        self.temperature_spin.setValue(1.0)
        self.temperature_spin.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        tip = (f"softmax(z / T): T < 1 sharpens (T \u2192 0: all on the largest logit), T > 1 flattens "
               f"(T large: every class 1/K). {low:g} to {high:g}; the slider is logarithmic.")
        self.temperature_spin.setToolTip(tip)
        self.temperature_spin.valueChanged.connect(self._on_temperature_changed)
        self.temperature_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, objectName="temperatureSlider")
        self.temperature_slider.setRange(0, SLIDER_STEPS)
        self.temperature_slider.setValue(temperature_to_slider(1.0))
        self.temperature_slider.setMinimumWidth(80)
        self.temperature_slider.setToolTip(tip)
        self.temperature_slider.valueChanged.connect(self._on_slider_moved)
        self.case_buttons = []
        for number, case in enumerate(ARTICLE_CASES, start=1):
            button = QtWidgets.QPushButton(case.title, objectName=f"softmaxCase{number}")
            button.setToolTip(f"{case.story}.\nLogits [{format_logits(case.logits)}] at T = 1; "
                              f"the article gets {case.article_output}.")
            button.clicked.connect(lambda _checked=False, c=case: self.show_case(c))
            self.case_buttons.append(button)
        self.export_button = QtWidgets.QPushButton("Export figure…", objectName="softmaxExportButton")
        self.export_button.setToolTip("This figure as PNG or SVG, with a caption line (logits, T, entropy)")
        self.export_button.clicked.connect(self.export_dialog)

        grid = QtWidgets.QGridLayout()
        grid.setContentsMargins(6, 4, 6, 0)
        grid.addWidget(QtWidgets.QLabel("Logits z"), 0, 0)
        grid.addWidget(self.logits_edit, 0, 1, 1, 2)
        grid.addWidget(self.error_label, 0, 3)
        grid.addWidget(QtWidgets.QLabel("Temperature T"), 1, 0)
        grid.addWidget(self.temperature_spin, 1, 1)
        grid.addWidget(self.temperature_slider, 1, 2)
        cases = QtWidgets.QHBoxLayout()
        cases.addWidget(QtWidgets.QLabel("The article's cases:"))
        for button in self.case_buttons:
            cases.addWidget(button)
        cases.addStretch(1)
        cases.addWidget(self.export_button)
        grid.addLayout(cases, 2, 0, 1, 4)
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(3, 2)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(grid)
        column.addWidget(self.canvas, 1)
        self._style_error()

    # ---------------------------------------------------------------- reactions
    def _on_logits_edited(self, text: str) -> None:
        try:
            logits = parse_logits(text)
        except SoftmaxInputError as exc:  # the bars keep the last good logits
            self._set_problem(str(exc))
            return
        self._set_problem("")
        self.logits = logits
        self.redraw()

    def _on_temperature_changed(self, value: float) -> None:
        if not self._slider_moving:  # a drag keeps its own position (the spin box rounds)
            with QtCore.QSignalBlocker(self.temperature_slider):
                self.temperature_slider.setValue(temperature_to_slider(value))
        self.redraw()

    def _on_slider_moved(self, position: int) -> None:
        self._slider_moving = True
        try:
            self.temperature_spin.setValue(slider_to_temperature(position))
        finally:
            self._slider_moving = False

    def _set_problem(self, text: str) -> None:
        # Palettes, not style sheets: a widget with a style sheet stops following the window's font
        # (the presentation themes' 1.5x text).
        self.error_label.setText(text)
        self.error_label.setToolTip(text)
        palette = QtGui.QPalette()  # nothing set: the window's palette, as for any other field
        if text:
            palette.setColor(QtGui.QPalette.ColorRole.Base, QtGui.QColor(ERROR_FIELDS[self.theme.dark]))
        self.logits_edit.setPalette(palette)

    def show_case(self, case) -> None:
        """One of the article's cases, at T = 1 (where its numbers hold)."""
        self.temperature_spin.setValue(1.0)
        self.logits_edit.setText(format_logits(case.logits))

    def redraw(self) -> None:
        result = compute(self.logits, self.temperature_spin.value())
        case = matching_case(result.logits)
        note = ""
        if case is not None:
            note = (f"<b>{html.escape(case.title)}</b> of the article: {html.escape(case.story)}. "
                    f"The article's softmax: {case.article_output}")
        self.canvas.show_result(result, tuple(softmax(result.logits)), note)
        self.result = result

    # ---------------------------------------------------------------- themes
    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.canvas.apply_theme(theme)
        self._style_error()

    def _style_error(self) -> None:
        palette = QtGui.QPalette()
        palette.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(ERROR_COLORS[self.theme.dark]))
        self.error_label.setPalette(palette)
        self._set_problem(self.error_label.text())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # The window connects its theme signal to apply_theme; this only catches up with a theme
        # chosen before that connection existed.
        presentation = getattr(self.main_window, "presentation", None)
        if presentation is not None and presentation.theme is not self.theme:
            self.apply_theme(presentation.theme)
        super().showEvent(event)

    # ---------------------------------------------------------------- export
    def export_dialog(self) -> None:
        export_figure_dialog(self, self.main_window, "Export the softmax figure", "softmax", self.export_figure)

    def export_figure(self, path: str, scale: float = 2.0) -> bool:
        """The canvas as PNG or SVG (by the suffix) with its caption; a failure gets a dialog."""
        try:
            figure_export.export_canvas(self.canvas, path, figure_caption(self.result), scale)
        except export.ExportError as exc:
            self._show_error("Export failed", str(exc))
            return False
        if self.main_window is not None:
            self.main_window.statusBar().showMessage(f"Wrote {path}", 5000)
        return True

    def _show_error(self, title: str, text: str) -> None:
        show_error(self.main_window, self, title, text)


def softmax_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    """The tab factory (regviz.gui.tabs)."""
    return SoftmaxTab(window), "Softmax"
