"""The Gradients tab (objectName gradientsTab): a deep net with sigmoid, tanh, ReLU and ELU trained
side by side, live, showing how much gradient reaches each layer (the vanishing gradient).

Training runs in a job process (regviz.gui.jobs with frames; the work is Qt- and torch-free numpy,
regviz.core.deep_gradients). Every frame carries the ensemble's parameters, so Pause simply ends
the process and Start begins a new one from the last frame; a new learning rate or speed while
running does the same. Reset, depth and width start over from new initial weights (the Live tab's
init seed) on the Live tab's data; the step-0 picture is computed at once in the GUI (one forward
and backward pass, about a millisecond). No process outlives Pause, Reset or shutdown().
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6 import QtWidgets

from regviz.core.config import ConfigError
from regviz.core.data import DataError, make_dataset
from regviz.core.deep_gradients import (MAX_DEPTH, MAX_WIDTH, DeepSpec, GradientFrame, initial_state,
                                        make_frame)
from regviz.gui.figure_dialog import export_figure_dialog
from regviz.gui import export, figure_export
from regviz.gui.gradient_math import figure_caption
from regviz.gui.jobs import Job
from regviz.gui.style import Theme
from regviz.gui.views.gradient_view import GradientView

TARGET = "regviz.core.deep_gradients:train_live"
SPEEDS = ((50, "50 steps/s"), (200, "200 steps/s"), (1000, "1,000 steps/s"), (None, "as fast as it goes"))
DEFAULT_SPEED = 200  # as the Live tab: the first ~1,000 steps, where it all happens, take 5 s
DEFAULT_LR = 0.001  # measured: at 0.003 ReLU can die, at 0.01 ReLU and ELU diverge on the seed data
ERROR_STYLE = "color: #b00020; font-weight: bold;"


class GradientsTab(QtWidgets.QWidget):
    def __init__(self, window: QtWidgets.QMainWindow | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("gradientsTab")
        self.window_ = window
        self.spec = DeepSpec(learning_rate=DEFAULT_LR)
        self.data = None  # (x_train, y_train)
        self._data_key = None
        self.frame: GradientFrame | None = None
        self.job: Job | None = None
        self._ending: list[Job] = []  # cancelled jobs until their thread ends (never collected while running)
        self.want_running = False
        self.finished = False
        self._build()
        controller = getattr(window, "controller", None)
        if controller is not None:
            controller.sigSetupChanged.connect(self._on_live_setup)
            self.use_config(controller.config)
        else:
            from regviz.core.presets import load_preset

            self.use_config(load_preset("seed"))

    # ---------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.start_button = QtWidgets.QPushButton("Start", objectName="gradientsStartButton")
        self.start_button.setToolTip("Train the four nets (Pause ends the work process; Start goes on)")
        self.start_button.clicked.connect(self.toggle)
        self.reset_button = QtWidgets.QPushButton("Reset", objectName="gradientsResetButton")
        self.reset_button.setToolTip("New initial weights (the same for all four nets), step 0")
        self.reset_button.clicked.connect(self.reset)
        self.depth_spin = self._spin("gradientsDepthSpin", 1, MAX_DEPTH, self.spec.depth,
                                     "Hidden layers (changing it starts over)")
        self.width_spin = self._spin("gradientsWidthSpin", 1, MAX_WIDTH, self.spec.width,
                                     "Units per hidden layer (changing it starts over)")
        self.depth_spin.valueChanged.connect(lambda _v: self._architecture_changed())
        self.width_spin.valueChanged.connect(lambda _v: self._architecture_changed())
        self.lr_spin = QtWidgets.QDoubleSpinBox(objectName="gradientsLrSpin")
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(0.00001, 1.0)
        self.lr_spin.setSingleStep(0.0005)
        self.lr_spin.setValue(self.spec.learning_rate)
        self.lr_spin.setKeyboardTracking(False)  # one change per finished edit, not per key
        self.lr_spin.setToolTip("Learning rate of full-batch gradient descent: w ← w − lr·∂L/∂w (applies live)")
        self.lr_spin.valueChanged.connect(self._lr_changed)
        self.speed_combo = QtWidgets.QComboBox(objectName="gradientsSpeedCombo")
        for value, label in SPEEDS:
            self.speed_combo.addItem(label, value)
        self.speed_combo.setCurrentIndex(self.speed_combo.findData(DEFAULT_SPEED))
        self.speed_combo.setToolTip("Steps per second while training (applies live)")
        self.speed_combo.currentIndexChanged.connect(lambda _i: self._restart_if_running())
        self.export_button = QtWidgets.QPushButton("Export…", objectName="gradientsExportButton")
        self.export_button.setToolTip("The canvas as PNG or SVG, with a caption line")
        self.export_button.clicked.connect(self.export_dialog)
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        for widget in (self.start_button, self.reset_button, QtWidgets.QLabel("Hidden layers"), self.depth_spin,
                       QtWidgets.QLabel("Units"), self.width_spin, QtWidgets.QLabel("Learning rate"), self.lr_spin,
                       self.speed_combo, self.export_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.status_label = QtWidgets.QLabel(objectName="gradientsStatus")
        self.status_label.setWordWrap(True)
        self.canvas = GradientView()
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.status_label)
        column.addWidget(self.canvas, 1)

    @staticmethod
    def _spin(name: str, low: int, high: int, value: int, tip: str) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox(objectName=name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip)
        return spin

    # ---------------------------------------------------------------- data and runs
    def use_config(self, config) -> None:
        """Train on this config's data from its init seed (the Live tab's); starts over."""
        key = (config.data, config.training.seed)
        try:
            dataset = make_dataset(config.data)
        except (ConfigError, DataError) as exc:
            self._say(f"Cannot use the Live tab's data: {exc}", problem=True)
            return
        self._data_key = key
        self.data = (dataset.x_train, dataset.y_train)
        self.spec = dataclasses.replace(self.spec, seed=int(config.training.seed))
        self.reset()

    def _on_live_setup(self, setup) -> None:
        if (setup.config.data, setup.config.training.seed) != self._data_key:
            self.use_config(setup.config)
            self._say("The Live tab's data changed: started over on it.")

    def reset(self) -> None:
        """Step 0 again: new initial weights for the current depth and width; keeps running if it was."""
        self._drop_job()
        self.finished = False
        self.spec = dataclasses.replace(self.spec, depth=self.depth_spin.value(), width=self.width_spin.value(),
                                        learning_rate=self.lr_spin.value())
        if self.data is None:
            return
        frame = make_frame(self.spec, initial_state(self.spec), *self.data)
        self.frame = frame
        self.canvas.set_run(self.spec.activations, self.spec.depth)
        self.canvas.show_frame(frame)
        if self.want_running:
            self._launch()
        self._update_status()

    def _architecture_changed(self) -> None:
        if (self.depth_spin.value(), self.width_spin.value()) != (self.spec.depth, self.spec.width):
            self.reset()

    def _lr_changed(self, value: float) -> None:
        self.spec = dataclasses.replace(self.spec, learning_rate=float(value))
        self._restart_if_running()

    # ---------------------------------------------------------------- start / pause
    def toggle(self) -> None:
        self.pause() if self.want_running else self.start()

    def start(self) -> None:
        if self.want_running or self.data is None:
            return
        self.want_running = True
        self.finished = False
        if self.job is None and not self._ending:
            self._launch()
        self._update_status()  # a job still ending hands over in _on_job_end

    def pause(self) -> None:
        self.want_running = False
        if self.job is not None:
            self._retire(self.job)
        self._update_status()

    def _restart_if_running(self) -> None:
        """A new learning rate or speed: the running job ends and a new one takes over from its last frame."""
        if self.job is not None:
            self._retire(self.job)

    def _launch(self) -> None:
        speed = self.speed_combo.currentData()
        job = Job(TARGET, (self.spec, *self.data, self.frame.state), {"max_steps_per_second": speed},
                  parent=self, frames=True)
        job.sigFrame.connect(self._on_frame)
        job.sigDone.connect(self._on_done)
        job.sigFailed.connect(self._on_failed)
        job.sigCancelled.connect(self._on_cancelled)
        job.finished.connect(self._on_thread_finished)
        self.job = job
        job.start()

    def _retire(self, job: Job) -> None:
        """Ask a job to stop; its last frames still count (they carry the state to go on from)."""
        job.cancel()
        if job not in self._ending:
            self._ending.append(job)

    def _drop_job(self) -> None:
        """Reset: the current job's frames no longer count."""
        if self.job is not None:
            self._retire(self.job)
            self.job = None

    # ---------------------------------------------------------------- from the job
    def _current(self) -> bool:
        sender = self.sender()
        return sender is not None and sender is self.job

    def _on_frame(self, frame: GradientFrame) -> None:
        if not self._current():
            return
        self.frame = frame
        self.canvas.show_frame(frame)
        self._update_status()

    def _on_done(self, _result) -> None:
        if self._current():
            self.job, self.want_running, self.finished = None, False, True
            self._update_status()

    def _on_cancelled(self) -> None:
        if self._current():
            self.job = None
            if self.want_running:  # a restart (new learning rate or speed), or Start after Pause
                self._launch()
            self._update_status()

    def _on_failed(self, text: str) -> None:
        if self._current():
            self.job, self.want_running = None, False
            step = self.frame.step if self.frame is not None else 0
            self._say(f"The gradient training stopped ({text[:200]}). Start goes on from step {step:,}.",
                      problem=True)
            self.start_button.setText("Start")

    def _on_thread_finished(self) -> None:
        job = self.sender()
        if job in self._ending:
            self._ending.remove(job)
        if isinstance(job, Job) and job is not self.job:
            job.wait(1000)  # its run() has returned: this is the thread's last moment
            job.deleteLater()
        if self.want_running and self.job is None and not self._ending:
            self._launch()  # Start was pressed while the paused job was still ending
            self._update_status()

    def shutdown(self) -> None:
        """The window closes: end every job and wait for it (no process is left)."""
        self.want_running = False
        jobs = ([self.job] if self.job is not None else []) + list(self._ending)
        self.job, self._ending = None, []
        for job in jobs:
            job.stop()

    # ---------------------------------------------------------------- words
    def _update_status(self) -> None:
        self.start_button.setText("Pause" if self.want_running else "Start")
        step = self.frame.step if self.frame is not None else 0
        if self.want_running:
            text = f"Training · step {step:,}"
        elif self.finished:
            text = f"Finished at step {step:,} (every net diverged, or the step limit)"
        else:
            text = f"Paused at step {step:,}"
        spec = self.spec
        self._say(f"{text} · {spec.depth} hidden layers × {spec.width} units, one net per activation, the same "
                  f"initial weights, the Live tab's data ({len(self.data[0]) if self.data else 0} training points), "
                  "full-batch gradient descent on the mean squared error")

    def _say(self, text: str, problem: bool = False) -> None:
        self.status_label.setStyleSheet(ERROR_STYLE if problem else "")
        self.status_label.setText(text)

    def apply_theme(self, theme: Theme) -> None:
        self.canvas.apply_theme(theme)

    # ---------------------------------------------------------------- export
    def caption(self) -> str:
        step = self.frame.step if self.frame is not None else 0
        return figure_caption(self.spec.depth, self.spec.width, self.spec.learning_rate, step, self.spec.activations)

    def export(self, path: str | Path, scale: float = 2.0) -> bool:
        try:
            figure_export.export_canvas(self.canvas, path, self.caption(), scale)
        except export.ExportError as exc:
            self._say(f"Export failed: {exc}", problem=True)
            return False
        self._say(f"Wrote {path}")
        return True

    def export_dialog(self) -> None:
        export_figure_dialog(self, self.window_, "Export the gradients canvas", "gradients", self.export)


def gradients_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    """The factory tabs.py registers."""
    return GradientsTab(window), "Gradients"
