"""The training worker: a QThread that owns the trainer process and relays its events as signals.

The engine itself runs in a child process (see trainer_loop.py for why); this thread only waits on
the process's event pipe and re-emits what arrives as Qt signals, so it never touches a widget and
never holds the GIL for long. Commands go to the process through a second pipe.

If the process dies (killed, crashed), the thread says why once, through sigDied, and ends; the
controller then starts a new worker. A worker is never restarted.
"""

from __future__ import annotations

import signal
import threading
import weakref
from typing import Any, Sequence

from PySide6 import QtCore

from regviz.core.activations import Activation
from regviz.core.records import MemberSpec, Snapshot
from regviz.gui.event_wire import recv_event
from regviz.gui.session import RunSetup
from regviz.gui.trainer_spawn import DEFAULT_FRAME_INTERVAL, make_trainer

# Every worker ever made, so tests can check that none is left running.
LIVE_WORKERS: "weakref.WeakSet[TrainingWorker]" = weakref.WeakSet()


def death_reason(exitcode: int | None) -> str:
    """How a process ended, in words: 'was killed (SIGKILL)', 'exited with status 3'."""
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed ({name})"
    if exitcode == 0:
        return "ended unexpectedly"
    return f"exited with status {exitcode}"


class TrainingWorker(QtCore.QThread):
    sigFrame = QtCore.Signal(object)  # TrainingFrame
    sigDiverged = QtCore.Signal(object)  # (generation, member indices that just diverged)
    sigStateChanged = QtCore.Signal(object)  # (generation, "running" | "paused" | "finished" | ...)
    sigError = QtCore.Signal(object)  # (generation, text): training failed, the process lives on
    sigDied = QtCore.Signal(str)  # the process is gone: why, in words
    sigNotice = QtCore.Signal(str)  # news from the trainer for the status bar ("preparing the engine…")

    def __init__(self, frame_interval: float = DEFAULT_FRAME_INTERVAL, parent: QtCore.QObject | None = None,
                 engine: str | None = None):
        """`engine`: one of core.engines.ENGINES for the trainer, None for its default."""
        super().__init__(parent)
        self.setObjectName("trainingWorker")
        self._trainer = make_trainer(frame_interval, engine)  # the one started early, if it fits
        self._commands, self._events, self._process = self._trainer.commands, self._trainer.events, self._trainer.process
        self._send_lock = threading.Lock()
        self._stopping = False
        self.died = False  # set (in the relay thread) once the process is gone unasked
        self._fatal: str | None = None  # the trainer's last words, if it said why it ends
        LIVE_WORKERS.add(self)

    @property
    def alive(self) -> bool:
        """The process runs and the relay thread listens: commands will be obeyed."""
        return not self.died and not self._stopping and self._process.is_alive()

    # ---------------------------------------------------------------- GUI-thread API
    def start(self) -> None:  # noqa: D401 - starts the process, then the relay thread
        self._trainer.start()
        super().start()

    def load(self, setup: RunSetup, generation: int, resume: Snapshot | None = None,
             target_epochs: int | None = None) -> None:
        """A reset: the process builds a fresh engine for this set-up (its config, models and data),
        continuing from `resume` when given."""
        self._send("load", (setup, generation, resume, target_epochs))

    def start_training(self) -> None:
        self._send("start")

    def pause(self) -> None:
        self._send("pause")

    def step(self, count: int = 1) -> None:
        self._send("step", int(count))

    def set_members(self, members: Sequence[MemberSpec]) -> None:
        self._send("members", tuple(members))

    def set_activation(self, activation: Activation) -> None:
        self._send("activation", activation)

    def set_target_epochs(self, epochs: int) -> None:
        self._send("epochs", int(epochs))

    def set_speed(self, max_steps_per_second: float | None) -> None:
        self._send("speed", max_steps_per_second)

    def acknowledge(self, sequence: int) -> None:
        """The GUI has consumed frame number `sequence`: the next may be sent."""
        self._send("ack", sequence)

    def stop(self, timeout_ms: int = 3000) -> bool:
        """Ask the process to end and wait for it and the relay thread; never QThread.terminate()."""
        self._stopping = True
        self._send("quit")
        self.requestInterruption()
        if self._process.pid is not None:
            self._process.join(timeout_ms / 1000)
            if self._process.is_alive():  # wedged in a long computation: a process can be killed
                self._process.kill()
                self._process.join(1.0)
        return self.wait(timeout_ms)

    def _send(self, name: str, payload: Any = None) -> bool:
        """False when the process is gone (the relay thread reports that, once)."""
        with self._send_lock:
            try:
                self._commands.send((name, payload))
            except (BrokenPipeError, OSError, ValueError):
                return False
        return True

    # ---------------------------------------------------------------- relay thread
    def run(self) -> None:
        emitters = {"frame": self.sigFrame, "diverged": self.sigDiverged, "state": self.sigStateChanged,
                    "error": self.sigError, "notice": self.sigNotice}
        while not self.isInterruptionRequested():
            try:
                if not self._events.poll(0.05):
                    if not self._process.is_alive():
                        break
                    continue
                kind, payload = recv_event(self._events)
            except (EOFError, OSError):  # the process closed its end: it is ending
                self._process.join(2.0)
                break
            except Exception as exc:  # an event that cannot be read: the pipe is out of step, end it
                self._fatal = f"sent an event that could not be read ({type(exc).__name__}: {exc})"
                self._process.kill()
                self._process.join(2.0)
                break
            if kind == "fatal":
                self._fatal = payload
            else:
                emitters[kind].emit(payload)
        if not self._stopping and not self.isInterruptionRequested():
            self.died = True
            self._process.join(2.0)
            self.sigDied.emit(self._fatal or death_reason(self._process.exitcode))
