"""The Experiments tab's one running job: a progress bar (steps done of all steps), what runs,
a Cancel button, and the outcome in words. One job at a time: the machine's cores go to it.

The work runs in a process (jobs.py); this widget only relays, so the window stays responsive.
A failure is shown in red on the bar's line, never as a traceback.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from PySide6 import QtCore, QtWidgets

from regviz.gui.jobs import Job, run_job

ERROR_STYLE = "color: #b00020; font-weight: bold;"


class JobBar(QtWidgets.QWidget):
    sigBusyChanged = QtCore.Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("experimentJobBar")
        self.progress = QtWidgets.QProgressBar(objectName="experimentProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%p %")
        self.progress.setMinimumWidth(80)
        self.progress.setToolTip("Training steps done of all the steps this experiment takes")
        self.status = QtWidgets.QLabel("", objectName="experimentStatusLabel")
        self.status.setWordWrap(True)
        self.status.setMinimumWidth(40)
        self.cancel_button = QtWidgets.QPushButton("Cancel", objectName="cancelButton")
        self.cancel_button.setToolTip("Stop the running experiment; nothing of it is kept")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.progress, 1)
        row.addWidget(self.status, 3)
        row.addWidget(self.cancel_button)
        self.job: Job | None = None
        self._finished_jobs: list[Job] = []  # kept until their relay threads have ended
        self._what = ""
        self._on_done: Callable[[Any], None] | None = None
        self._started = 0.0
        self.last_progress = (0, 0)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, what: str, target: str, args: tuple, on_done: Callable[[Any], None]) -> bool:
        """Run target(*args) in a job process; on_done(result) when it returns. False if busy."""
        if self.busy:
            return False
        self._reap()
        self._what, self._on_done, self._started = what, on_done, time.monotonic()
        self.last_progress = (0, 0)  # (steps done, steps in all) as the job last said
        self.job = job = run_job(target, *args)
        job.sigProgress.connect(self._on_progress)
        job.sigDone.connect(self._on_done_signal)
        job.sigFailed.connect(self._on_failed)
        job.sigCancelled.connect(self._on_cancelled)
        self.progress.setRange(0, 0)  # busy until the first progress message (the process starts)
        self._say(f"{what}: starting…")
        self.cancel_button.setEnabled(True)
        self.sigBusyChanged.emit(True)
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self._say(f"{self._what}: cancelling…")

    def shutdown(self) -> None:
        """The window closes: stop the job and wait for its process and thread."""
        jobs = [j for j in (self.job, *self._finished_jobs) if j is not None]
        self.job = None
        for job in jobs:
            job.stop()

    # ---------------------------------------------------------------- the job's messages
    def _on_progress(self, done: int, total: int) -> None:
        if self.sender() is not self.job:
            return
        self.last_progress = (done, total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        self._say(f"{self._what}: {done:,} of {total:,} training steps")

    def _on_done_signal(self, result: Any) -> None:
        if self.sender() is not self.job:
            return
        on_done = self._on_done
        self._finish()
        self.progress.setRange(0, max(self.last_progress[1], 1))  # full: every step it counted is done
        self.progress.setValue(self.progress.maximum())
        seconds = time.monotonic() - self._started
        self._say(f"{self._what}: done in {seconds:.1f} s")
        if on_done is not None:
            try:
                on_done(result)
            except Exception as exc:  # noqa: BLE001 - a slot must never let an exception escape
                self._say(f"{self._what}: could not show the result ({type(exc).__name__}: {exc})", error=True)

    def _on_failed(self, text: str) -> None:
        if self.sender() is not self.job:
            return
        self._finish()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say(f"{self._what} failed: {text}", error=True)

    def _on_cancelled(self) -> None:
        if self.sender() is not self.job:
            return
        self._finish()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say(f"{self._what}: cancelled")

    def _finish(self) -> None:
        self._finished_jobs.append(self.job)
        self.job, self._on_done = None, None
        self.cancel_button.setEnabled(False)
        self.sigBusyChanged.emit(False)

    def _reap(self) -> None:
        self._finished_jobs = [j for j in self._finished_jobs if not j.isFinished()]

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)
        self.status.setToolTip(text)
