"""File ▸ Export animation…: the weights (L1 and L2 side by side when comparing), the fit or the
whole window over training, as an animated GIF.

The frames are the snapshots the Live tab's history already keeps (about 200, evenly spread over
the run: recorded at a bounded rate, so memory stays bounded), chosen denser early
(core.animation.frame_indices). The run so far is handed, as a session, to a job process
(jobs.py) that draws and writes the GIF (gui.animation_render): the window stays responsive, a
progress dialog shows the frames done and Cancel leaves no file and no process; closing the window
stops the job too.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core import animation
from regviz.core.animation import AnimationError, AnimationOptions
from regviz.core.io import WriteProblem, check_target, short_path
from regviz.gui import export
from regviz.gui.jobs import Job, run_job

RENDER_TARGET = "regviz.gui.animation_render:render_handoff"
ERROR_STYLE = "color: #b00020; font-weight: bold;"


class AnimationDialog(QtWidgets.QDialog):
    """What to animate, how many frames (at most the recorded snapshots), fps, size and the file.
    OK checks everything first: a bad choice is a red line in the dialog, which stays open."""

    def __init__(self, parent: QtWidgets.QWidget, available: int, default_path: str):
        super().__init__(parent)
        self.setObjectName("exportAnimationDialog")
        self.setWindowTitle("regviz: Export animation")
        form = QtWidgets.QFormLayout(self)
        self.what_combo = QtWidgets.QComboBox(objectName="animationWhatCombo")
        for what in animation.WHATS:
            self.what_combo.addItem(animation.WHAT_LABELS[what], what)
        self.what_combo.setToolTip("The weight heatmaps (L1 and L2 side by side when comparing), the fit, "
                                   "or the whole window")
        form.addRow("Animate", self.what_combo)
        self.frames_spin = QtWidgets.QSpinBox(objectName="animationFramesSpin")
        self.frames_spin.setRange(animation.FRAMES_RANGE[0], max(animation.FRAMES_RANGE[0], available))
        self.frames_spin.setValue(min(animation.DEFAULT_FRAMES, available))
        self.frames_spin.setToolTip(f"At most the {available} recorded steps of this run; denser at the start, "
                                    "where the weights change fastest")
        form.addRow("Frames", self.frames_spin)
        self.fps_spin = QtWidgets.QSpinBox(objectName="animationFpsSpin")
        self.fps_spin.setRange(*animation.FPS_RANGE)
        self.fps_spin.setValue(animation.DEFAULT_FPS)
        self.fps_spin.setSuffix(" frames/s")
        form.addRow("Speed", self.fps_spin)
        low, high = animation.SIZE_RANGE
        self.width_spin = QtWidgets.QSpinBox(objectName="animationWidthSpin")
        self.height_spin = QtWidgets.QSpinBox(objectName="animationHeightSpin")
        size_row = QtWidgets.QHBoxLayout()
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(low, high)
            spin.setSuffix(" px")
            size_row.addWidget(spin)
        self.width_spin.setToolTip("The picture's width (a canvas, its caption included), or the window's")
        form.addRow("Width × height", size_row)
        self.path_edit = QtWidgets.QLineEdit(default_path, objectName="animationPathEdit")
        browse = QtWidgets.QPushButton("Browse…", objectName="animationBrowseButton")
        browse.clicked.connect(self._browse)
        path_row = QtWidgets.QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("File", path_row)
        self.error_label = QtWidgets.QLabel("", objectName="animationErrorLabel")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        form.addRow(self.error_label)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.what_combo.currentIndexChanged.connect(self._default_size)
        self._default_size()

    def _default_size(self) -> None:
        width, height = animation.DEFAULT_SIZES[self.what_combo.currentData()]
        self.width_spin.setValue(width)
        self.height_spin.setValue(height)

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export animation", self.path_edit.text(),
                                                        "Animated GIF (*.gif)")
        if path:
            self.path_edit.setText(path if path.lower().endswith(".gif") else path + ".gif")

    def options(self) -> AnimationOptions:
        return AnimationOptions(self.what_combo.currentData(), self.frames_spin.value(), self.fps_spin.value(),
                                (self.width_spin.value(), self.height_spin.value()))

    def checked(self) -> tuple[Path, AnimationOptions]:
        """The file and the options, or AnimationError / WriteProblem saying what is wrong."""
        text = self.path_edit.text().strip()
        if not text:
            raise AnimationError("give a file name ending in .gif")
        path = animation.check_gif_name(Path(text).expanduser())
        check_target(path)
        return path, self.options().checked()

    def accept(self) -> None:
        try:
            self.checked()
        except (AnimationError, WriteProblem) as exc:
            self.error_label.setText(str(exc).replace("--out: ", "").replace("--", ""))
            return
        super().accept()


class AnimationExport(QtCore.QObject):
    """The action, the dialog, the running job and its progress dialog, for one main window."""

    sigFinished = QtCore.Signal(str)  # "done", "failed" or "cancelled" (for tests and the status bar)

    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__(window)
        self.window = window
        self.job: Job | None = None
        self._finished_jobs: list[Job] = []  # kept until their relay threads have ended
        self.progress_dialog: QtWidgets.QProgressDialog | None = None
        self.dialog: AnimationDialog | None = None
        self._started = 0.0
        self._handoff: Path | None = None  # the session, pickled for the job process
        self.action = act = _make_action(window, "Export animation…", "exportAnimationAction",
                                         "The weights (or the fit, or the window) over training as an animated GIF")
        act.triggered.connect(self.export_dialog)
        window.installEventFilter(self)  # the window closes: the job ends with it

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _session(self):
        from regviz.gui.session_file import SessionError, session_from_state

        controller = self.window.controller
        if controller.state is None:
            raise SessionError("nothing recorded yet: press Start or Step first")
        session = session_from_state(controller.state, controller.config, controller.compare)
        if len(session.snapshots) < 2:
            raise SessionError("only one step is recorded so far: train a little (Start or Step) first")
        return session

    def export_dialog(self) -> None:
        from regviz.gui.session_file import SessionError

        if self.busy:
            self.window.show_error("Cannot export the animation", "An animation is being written; wait or cancel it.")
            return
        try:
            available = len(self._session().snapshots)
        except SessionError as exc:
            self.window.show_error("Cannot export the animation", str(exc))
            return
        default = self.window.settings.export_path(export.default_name(self.window.preset, "weights", "gif"))
        self.dialog = dialog = AnimationDialog(self.window, available, default)
        dialog.accepted.connect(lambda: self._start_from(dialog))
        dialog.open()

    def _start_from(self, dialog: AnimationDialog) -> None:
        try:
            path, options = dialog.checked()
            self.start(path, options)
        except Exception as exc:  # noqa: BLE001 - a slot must never let an exception escape
            self.window.show_error("Cannot export the animation", str(exc))

    def start(self, path: str | Path, options: AnimationOptions) -> bool:
        """Write the animation of the run so far to `path` in a job; False (and a dialog) if it cannot start."""
        from regviz.gui.session_file import SessionError

        if self.busy:
            return False
        try:
            options = options.checked()
            path = animation.check_gif_name(path)
            check_target(path)
            session = self._session()
        except (AnimationError, WriteProblem, SessionError) as exc:
            self.window.show_error("Cannot export the animation", str(exc))
            return False
        self._reap()
        self.window.settings.set_export_folder(Path(path).parent)
        theme = self.window.presentation.theme.name
        self._started = time.monotonic()
        try:
            self._handoff = write_handoff(session)
        except OSError as exc:
            self.window.show_error("Cannot export the animation", f"cannot write a temporary file ({exc})")
            return False
        self.job = job = run_job(RENDER_TARGET, str(self._handoff), str(path), options, self.window.preset, theme)
        job.sigProgress.connect(self._on_progress)
        job.sigDone.connect(self._on_done)
        job.sigFailed.connect(self._on_failed)
        job.sigCancelled.connect(self._on_cancelled)
        self.progress_dialog = bar = QtWidgets.QProgressDialog("Drawing the frames…", "Cancel", 0, 0, self.window)
        bar.setObjectName("animationProgressDialog")
        bar.setWindowTitle("regviz: Export animation")
        bar.setMinimumDuration(0)
        bar.setAutoClose(False)
        bar.setAutoReset(False)
        bar.canceled.connect(self.cancel)
        bar.show()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.progress_dialog is not None:
                self.progress_dialog.setLabelText("Cancelling…")

    def shutdown(self) -> None:
        """Stop the job and wait for its process and thread (the window closes)."""
        jobs = [j for j in (self.job, *self._finished_jobs) if j is not None]
        self.job = None
        for job in jobs:
            job.stop()
        self._close_progress()
        self._remove_handoff()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.window and event.type() == QtCore.QEvent.Type.Close:
            self.shutdown()
        return False

    # ---------------------------------------------------------------- the job's messages
    def _on_progress(self, done: int, total: int) -> None:
        if self.sender() is not self.job or self.progress_dialog is None:
            return
        self.progress_dialog.setRange(0, max(total, 1))
        self.progress_dialog.setValue(min(done, total))
        self.progress_dialog.setLabelText(f"Drawing frame {done:,} of {total:,}…")

    def _on_done(self, result) -> None:
        if self.sender() is not self.job:
            return
        self._finish()
        if result is None:  # it saw the cancel itself
            self._report("cancelled")
            return
        seconds = time.monotonic() - self._started
        text = (f"Wrote {result['frames']} frames ({result['size'][0]}×{result['size'][1]} px) to "
                f"{short_path(result['path'])}: {result['bytes'] / 2**20:.1f} MB, in {seconds:.0f} s.")
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information, "regviz: Animation written", text,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("animationDoneDialog")
        box.open()
        self.window.statusBar().showMessage(text, 8000)
        self._report("done")

    def _on_failed(self, text: str) -> None:
        if self.sender() is not self.job:
            return
        self._finish()
        self.window.show_error("Cannot export the animation", text)
        self._report("failed")

    def _on_cancelled(self) -> None:
        if self.sender() is not self.job:
            return
        self._finish()
        self._report("cancelled")

    def _report(self, outcome: str) -> None:
        if outcome == "cancelled":
            self.window.statusBar().showMessage("Animation export cancelled: no file written", 5000)
        self.sigFinished.emit(outcome)

    def _finish(self) -> None:
        self._finished_jobs.append(self.job)
        self.job = None
        self._close_progress()
        self._remove_handoff()

    def _remove_handoff(self) -> None:
        handoff, self._handoff = self._handoff, None
        if handoff is not None:
            handoff.unlink(missing_ok=True)

    def _close_progress(self) -> None:
        bar, self.progress_dialog = self.progress_dialog, None
        if bar is not None:
            bar.canceled.disconnect(self.cancel)
            bar.close()
            bar.deleteLater()

    def _reap(self) -> None:
        self._finished_jobs = [j for j in self._finished_jobs if not j.isFinished()]


def write_handoff(session) -> Path:
    """The session pickled into a private temporary file for the job (tens of ms for 200 snapshots)."""
    import pickle
    import tempfile

    fd, name = tempfile.mkstemp(prefix="regviz-animation-", suffix=".pickle")  # mode 0600: this user only
    with open(fd, "wb") as handle:
        pickle.dump(session, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return Path(name)


def _make_action(window: QtWidgets.QMainWindow, text: str, name: str, tip: str) -> QtGui.QAction:
    act = QtGui.QAction(text, window)
    act.setObjectName(name)
    act.setStatusTip(tip)
    window.addAction(act)
    return act


def install_animation_export(window: QtWidgets.QMainWindow, file_menu: QtWidgets.QMenu) -> AnimationExport:
    """Add File ▸ Export animation… to the window's menu; returns what runs it."""
    actions = AnimationExport(window)
    file_menu.addAction(actions.action)
    return actions
