"""Long work off the GUI thread: a function run in a spawned process (repeats, prune, sweep, an
animation), with progress, cancel, and no process left behind.

The function is named by module and attribute ("regviz.core.experiments:run_repeats") and called
in the child as fn(*args, progress=..., should_stop=...), the signature of the core experiment
functions; what it returns must pickle. A job made with frames=True also passes frame=..., for
live work that streams what it has so far (each frame arrives as sigFrame, in order). A QThread
only relays the child's messages as signals, so the GUI thread never waits on the work. Cancel
asks the child to stop at its next check and kills it if it does not within a few seconds; a child
also ends with its parent (trainer_loop's end_with_parent).
"""

from __future__ import annotations

import importlib
import multiprocessing
import time
import weakref
from typing import Any

from PySide6 import QtCore

from regviz.gui.trainer_loop import end_with_parent

_SPAWN = multiprocessing.get_context("spawn")
PROGRESS_INTERVAL = 0.1  # s between progress messages
LIVE_JOBS: "weakref.WeakSet[Job]" = weakref.WeakSet()  # tests check that none is left running


def job_main(conn, target: str, args: tuple, kwargs: dict, frames: bool = False) -> None:
    """Entry point of the job process."""
    end_with_parent()
    module_name, _, attribute = target.partition(":")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL or done >= total:
            last[0] = now
            try:
                conn.send(("progress", (int(done), int(total))))
            except (BrokenPipeError, OSError):
                pass

    def should_stop() -> bool:
        try:
            return conn.poll() and conn.recv() == "cancel"
        except (EOFError, OSError):
            return True  # the window is gone

    def frame(payload) -> None:
        try:
            conn.send(("frame", payload))
        except (BrokenPipeError, OSError):
            pass

    if frames:
        kwargs = {**kwargs, "frame": frame}
    try:
        fn = getattr(importlib.import_module(module_name), attribute)
        result = fn(*args, progress=progress, should_stop=should_stop, **kwargs)
        conn.send(("done", result))
    except Exception as exc:  # the window says what went wrong; the process ends either way
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
        except (BrokenPipeError, OSError):
            pass


class Job(QtCore.QThread):
    """One run of a function in a child process; start() once, then listen to the signals."""

    sigProgress = QtCore.Signal(int, int)  # done, total
    sigDone = QtCore.Signal(object)  # the function's result
    sigFailed = QtCore.Signal(str)  # an error, or the process died
    sigCancelled = QtCore.Signal()
    sigFrame = QtCore.Signal(object)  # what a frames=True job streams while it works

    def __init__(self, target: str, args: tuple = (), kwargs: dict | None = None, parent=None,
                 frames: bool = False):
        super().__init__(parent)
        self.setObjectName("job")
        ours, theirs = _SPAWN.Pipe(duplex=True)
        self._conn, self._child_end = ours, theirs
        self._process = _SPAWN.Process(target=job_main, args=(theirs, target, tuple(args), dict(kwargs or {}), frames),
                                       name="regviz-job", daemon=True)
        self._cancelled = False
        LIVE_JOBS.add(self)

    def start(self) -> None:  # noqa: D401 - the process, then the relay thread
        self._process.start()
        self._child_end.close()
        super().start()

    def cancel(self) -> None:
        """Ask the work to stop; it is killed if it has not stopped within a few seconds."""
        if self._cancelled:
            return
        self._cancelled = True
        try:
            self._conn.send("cancel")
        except (BrokenPipeError, OSError):
            pass

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the process and the relay thread (the window is closing)."""
        self.cancel()
        self.requestInterruption()
        if self._process.pid is not None:
            self._process.join(timeout_ms / 1000)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(2.0)
        return self.wait(timeout_ms)

    def run(self) -> None:
        deadline = None
        while not self.isInterruptionRequested():
            if self._cancelled and deadline is None:
                deadline = time.monotonic() + 5.0
            if deadline is not None and time.monotonic() > deadline and self._process.is_alive():
                self._process.kill()  # it did not reach a check in time
            try:
                if not self._conn.poll(0.05):
                    if not self._process.is_alive():
                        break
                    continue
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                break
            if kind == "progress":
                self.sigProgress.emit(*payload)
                continue
            if kind == "frame":
                self.sigFrame.emit(payload)
                continue
            self._process.join(5.0)  # it ends right after its last word: no process is left when we say so
            if kind == "done":
                if self._cancelled:
                    self.sigCancelled.emit()  # it finished anyway: a cancelled job reports no result
                else:
                    self.sigDone.emit(payload)
                return
            elif kind == "error":
                self.sigFailed.emit(payload)
                return
        self._process.join(2.0)
        if self._cancelled:
            self.sigCancelled.emit()
        elif not self.isInterruptionRequested():
            self.sigFailed.emit(f"the work process ended unexpectedly (exit code {self._process.exitcode})")


def run_job(target: str, *args: Any, parent=None, **kwargs: Any) -> Job:
    """Start a job and return it (connect its signals before the event loop runs again)."""
    job = Job(target, args, kwargs, parent)
    job.start()
    return job
