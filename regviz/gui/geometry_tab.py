"""The Penalty geometry tab (geometryTab): the article's first figure, live. Two weights, correlated
features, the L1 diamond and the L2 circle, the optima, and descents from a start point you drag.

The numbers come from regviz.core.geometry (numpy, a few milliseconds per change), so every control
redraws at once in the GUI thread; nothing runs in the background but the replay's timer.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from regviz.core.config import L1_RULES, METHODS
from regviz.core.geometry import CORRELATION_LIMIT, DEFAULT_START, LAMBDA_MAX, build_scene
from regviz.gui.figure_dialog import export_figure_dialog, show_error
from regviz.gui import export, figure_export
from regviz.gui import geometry_caption as text
from regviz.gui.style import METHOD_LABELS
from regviz.gui.views.geometry_view import GeometryView

TITLE = "Penalty geometry"
LAMBDA_LOG_RANGE = (-3.0, 1.0)  # the slider: λ from 1e-3 to 10 (the spin box also takes 0)
DEFAULTS = {"lam": 0.3, "rho": 0.5, "correlation": 0.5, "rule": "proximal"}
RULE_LABELS = {"subgradient": "Subgradient", "clip": "Clip at zero", "proximal": "Proximal (soft threshold)"}
REPLAY_SECONDS, FRAME_MS = 6.0, 33  # a replay lasts about 6 s, whatever the paths' length
CHECK_NAMES = {"none": "geometryShowNoneCheck", "l1": "geometryShowL1Check", "l2": "geometryShowL2Check",
               "elasticnet": "geometryShowElasticNetCheck"}


def make_geometry_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    """The factory registered in regviz.gui.tabs."""
    return GeometryTab(window), TITLE


class LogSpin(QtWidgets.QWidget):
    """A spin box (the exact value, 0 allowed) beside a slider on log₁₀ of the value."""

    valueChanged = QtCore.Signal(float)

    def __init__(self, name: str, high: float, tip: str):
        super().__init__()
        self.spin = QtWidgets.QDoubleSpinBox(objectName=name + "Spin", decimals=4, minimum=0.0, maximum=high)
        self.spin.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.spin.setToolTip(tip)
        low_log, high_log = LAMBDA_LOG_RANGE
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, objectName=name + "Slider")
        self.slider.setRange(round(100 * low_log), round(100 * high_log))
        self.slider.setToolTip(tip + f"\nSlider: log₁₀ λ from 1e{low_log:.0f} to {10 ** high_log:g}.")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin)
        layout.addWidget(self.slider)
        self.spin.valueChanged.connect(self._on_spin)
        self.slider.valueChanged.connect(lambda pos: self.spin.setValue(float(f"{10 ** (pos / 100):.3g}")))

    def value(self) -> float:
        return self.spin.value()

    def _on_spin(self, value: float) -> None:
        if value > 0:
            low, high = LAMBDA_LOG_RANGE
            with QtCore.QSignalBlocker(self.slider):
                self.slider.setValue(round(100 * min(max(math.log10(value), low), high)))
        self.valueChanged.emit(value)


class GeometryTab(QtWidgets.QWidget):
    def __init__(self, window: QtWidgets.QMainWindow | None = None):
        super().__init__(objectName="geometryTab")
        self._window = window
        self.view = GeometryView()
        self.scene = None
        self.start = DEFAULT_START
        self._build_controls()
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.scroll)
        self.timer = QtCore.QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self._tick)
        self.frame = 0
        self.view.sigStartMoved.connect(self.set_start)
        self.view.sigMethodToggled.connect(lambda method, on: self.checks[method].setChecked(on))
        self.refresh()

    # ------------------------------------------------------------------ controls
    def _build_controls(self) -> None:
        panel = QtWidgets.QWidget(objectName="geometryControls")
        form = QtWidgets.QFormLayout(panel)
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        self.lam = LogSpin("geometryLambda", LAMBDA_MAX, "λ, the penalty's strength (the same λ as the Live tab's).")
        self.lam.spin.setValue(DEFAULTS["lam"])
        form.addRow("λ (lambda)", self.lam)
        self.rho = QtWidgets.QDoubleSpinBox(objectName="geometryRhoSpin", decimals=2, minimum=0.0, maximum=1.0,
                                            singleStep=0.05, value=DEFAULTS["rho"])
        self.rho.setToolTip("Elastic net: the L1 share, λ(ρ|w|₁ + (1−ρ)|w|²/2). 0 is L2, 1 is L1.")
        form.addRow("ρ (elastic net)", self.rho)
        limit = CORRELATION_LIMIT
        self.corr_spin = QtWidgets.QDoubleSpinBox(objectName="geometryCorrelationSpin", decimals=2, minimum=-limit,
                                                  maximum=limit, singleStep=0.05, value=DEFAULTS["correlation"])
        self.corr_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal, objectName="geometryCorrelationSlider")
        self.corr_slider.setRange(round(-100 * limit), round(100 * limit))
        self.corr_slider.setValue(round(100 * DEFAULTS["correlation"]))
        tip = ("c, the correlation of the two features: Σ = [[1, c], [c, 1]] tilts and stretches the "
               f"loss's ellipses (−{limit:g} to {limit:g}).")
        for widget in (self.corr_spin, self.corr_slider):
            widget.setToolTip(tip)
        corr = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(corr)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.corr_spin)
        column.addWidget(self.corr_slider)
        form.addRow("Correlation c", corr)
        self.rule = QtWidgets.QComboBox(objectName="geometryL1RuleCombo")
        for rule in L1_RULES:
            self.rule.addItem(RULE_LABELS[rule], rule)
        self.rule.setCurrentIndex(self.rule.findData(DEFAULTS["rule"]))
        self.rule.setToolTip("How the descents take the L1 term's step (L1 and elastic net), as in the Live tab:\n"
                             "Subgradient: w − lr·λ₁·sign(w), chatters around 0;\nClip at zero: the same, but 0 "
                             "where it would cross 0;\nProximal: soft-thresholding, exact zeros.")
        form.addRow("L1 step rule", self.rule)
        shown = QtWidgets.QWidget()
        checks = QtWidgets.QVBoxLayout(shown)
        checks.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[str, QtWidgets.QCheckBox] = {}
        for method in METHODS:
            box = QtWidgets.QCheckBox(METHOD_LABELS[method], objectName=CHECK_NAMES[method], checked=True)
            box.setToolTip(f"Show {METHOD_LABELS[method]}: its descent, optimum and level set.")
            box.toggled.connect(self._on_shown_changed)
            checks.addWidget(box)
            self.checks[method] = box
        form.addRow("Show", shown)
        self.replay_button = QtWidgets.QPushButton("Replay descent", objectName="geometryReplayButton")
        self.replay_button.setToolTip("Grow every descent step by step from the start point (about 6 s); "
                                      "click again to stop.")
        self.replay_button.clicked.connect(self.toggle_replay)
        self.reset_start_button = QtWidgets.QPushButton("Reset start", objectName="geometryResetStartButton")
        self.reset_start_button.setToolTip(f"Put the start point back at {text.point(DEFAULT_START)}.")
        self.reset_start_button.clicked.connect(lambda: self.set_start(DEFAULT_START))
        self.export_button = QtWidgets.QPushButton("Export…", objectName="geometryExportButton")
        self.export_button.setToolTip("Save this canvas as PNG or SVG, with a caption line.")
        self.export_button.clicked.connect(self.export_dialog)
        for button in (self.replay_button, self.reset_start_button, self.export_button):
            form.addRow(button)
        self.step_label = QtWidgets.QLabel(objectName="geometryStepLabel")
        form.addRow(self.step_label)
        self.optima_label = QtWidgets.QLabel(objectName="geometryOptimaLabel")
        self.optima_label.setToolTip("Every optimum's weights (w₁, w₂); an exact zero is written 0.")
        form.addRow(self.optima_label)
        hint = QtWidgets.QLabel("Drag the start point (the circled cross) on the canvas: every descent follows.",
                                objectName="geometryHintLabel", wordWrap=True)
        form.addRow(hint)
        self.error_label = QtWidgets.QLabel(objectName="geometryErrorLabel", wordWrap=True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.hide()
        form.addRow(self.error_label)
        self.lam.valueChanged.connect(self.refresh)
        self.rho.valueChanged.connect(self.refresh)
        self.corr_spin.valueChanged.connect(self._on_corr_spin)
        self.corr_slider.valueChanged.connect(lambda pos: self.corr_spin.setValue(pos / 100))
        self.rule.currentIndexChanged.connect(self.refresh)
        self.scroll = QtWidgets.QScrollArea(objectName="geometryControlsScroll")
        self.scroll.setWidget(panel)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.controls_panel = panel
        self._fit_controls_width()

    def _fit_controls_width(self) -> None:
        """The column as wide as its widest control needs (again after a theme's bigger font)."""
        self.step_label.setText("step 6,000 of 6,000 (replay)")  # the widest it gets
        self.optima_label.setText(text.optima_text(build_scene(1.23, 0.55, -0.55, "clip", (-1.25, 2.75))))
        width = self.controls_panel.sizeHint().width() + self.scroll.verticalScrollBar().sizeHint().width() + 8
        self.scroll.setFixedWidth(width)
        if self.scene is not None:
            self._show_numbers()

    def _on_corr_spin(self, value: float) -> None:
        with QtCore.QSignalBlocker(self.corr_slider):
            self.corr_slider.setValue(round(100 * value))
        self.refresh()

    def _on_shown_changed(self) -> None:
        self.view.set_visible_methods(m for m, box in self.checks.items() if box.isChecked())

    # ------------------------------------------------------------------ state
    def current_values(self) -> dict:
        return {"lam": self.lam.value(), "rho": self.rho.value(), "correlation": self.corr_spin.value(),
                "rule": self.rule.currentData(), "start": self.start}

    def set_start(self, start) -> None:
        """A new start point (dragged, or set by code): clamped to the box, descents redrawn."""
        self.start = tuple(float(v) for v in start)
        self.refresh()

    def refresh(self) -> None:
        """Recompute and redraw everything from the controls; a replay in progress stops."""
        self.stop_replay()
        values = self.current_values()
        try:
            scene = build_scene(values["lam"], values["rho"], values["correlation"], values["rule"], values["start"])
        except ValueError as exc:  # the controls' ranges prevent it; say so rather than raise in a slot
            self.error_label.setText(f"Cannot draw this: {exc}")
            self.error_label.show()
            return
        self.error_label.hide()
        self.scene = scene
        self.start = scene.start  # clamped into the box
        self.view.show_scene(scene)
        self._show_numbers()

    def _show_numbers(self) -> None:
        self.optima_label.setText(text.optima_text(self.scene))
        steps = self.scene.steps
        if self.timer.isActive():
            self.step_label.setText(f"step {min(self.frame, steps):,} of {steps:,} (replay)")
        else:
            self.step_label.setText(f"{steps:,} steps to converge" if steps else "")

    # ------------------------------------------------------------------ replay
    def steps_per_frame(self) -> int:
        frames = REPLAY_SECONDS * 1000 / FRAME_MS
        return max(1, math.ceil(self.scene.steps / frames))

    def toggle_replay(self) -> None:
        if self.timer.isActive():
            self.stop_replay()
        else:
            self.start_replay()

    def start_replay(self) -> None:
        if self.scene is None:
            return
        self.frame = 0
        self.view.set_revealed(0)
        self.timer.start()
        self.replay_button.setText("Stop replay")
        self._show_numbers()

    def stop_replay(self) -> None:
        """Stop and show every path whole."""
        if self.timer.isActive():
            self.timer.stop()
        self.view.set_revealed(None)
        self.replay_button.setText("Replay descent")
        if self.scene is not None:
            self._show_numbers()

    def replaying(self) -> bool:
        return self.timer.isActive()

    def _tick(self) -> None:
        self.frame += self.steps_per_frame()
        if self.frame >= self.scene.steps:
            self.stop_replay()  # the paths end at their last point: the optimum, for settling rules
            return
        self.view.set_revealed(self.frame)
        self._show_numbers()

    # ------------------------------------------------------------------ theme, export, close
    def apply_theme(self, theme) -> None:
        """Called by the window on View ▸ Theme and presentation mode (after the font changed)."""
        self.view.apply_theme(theme)
        self._fit_controls_width()

    def export_caption(self) -> str:
        return text.figure_caption(getattr(self._window, "preset", "regviz"), self.scene)

    def export_figure(self, path: str | Path, scale: float = 2.0) -> bool:
        """The canvas as PNG or SVG (by the suffix) with its caption line; a failure gets a dialog."""
        self.stop_replay()
        try:
            figure_export.export_canvas(self.view, path, self.export_caption(), scale)
        except export.ExportError as exc:
            self._show_error("Export failed", str(exc))
            return False
        return True

    def export_dialog(self) -> None:
        export_figure_dialog(self, self._window, "Export the penalty geometry", "geometry", self.export_figure)

    def _show_error(self, title: str, message: str) -> None:
        show_error(self._window, self, title, message)

    def shutdown(self) -> None:
        """The window closes: no timer may fire into a half-destroyed tab."""
        self.timer.stop()
