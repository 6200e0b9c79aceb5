"""The training worker: owns the engine in its own thread, never touches a widget.

Commands arrive through a thread-safe queue; the loop checks them between chunks of steps, so
pause, step, reset and quit take effect within one chunk (a few milliseconds). Every step's metrics
reach the GUI, but coalesced: the worker emits at most one frame per `frame_interval`, and never a
new one while the GUI has not consumed the previous (`acknowledge`), so the event loop is never
flooded however fast training runs.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Sequence

from PySide6 import QtCore

from regviz.core.activations import Activation
from regviz.core.engine import Engine, MemberSpec
from regviz.gui.session import RunSetup, make_frame

# Every worker ever started, so tests can check that none is left running.
LIVE_WORKERS: "weakref.WeakSet[TrainingWorker]" = weakref.WeakSet()

CHUNK_SECONDS = 0.004  # aim for chunks this long: short enough to react, long enough to be cheap
MAX_CHUNK = 4096


@dataclass(frozen=True)
class _Command:
    name: str
    payload: Any = None


class TrainingWorker(QtCore.QThread):
    sigFrame = QtCore.Signal(object)  # TrainingFrame
    sigDiverged = QtCore.Signal(object)  # tuple of member indices that just diverged
    sigStateChanged = QtCore.Signal(str)  # "running", "paused", "finished", "all-diverged"
    sigError = QtCore.Signal(str)

    def __init__(self, frame_interval: float = 1 / 60, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.setObjectName("trainingWorker")
        self.frame_interval = frame_interval
        self._commands: "queue.Queue[_Command]" = queue.Queue()
        self._in_flight = threading.BoundedSemaphore(1)  # one frame travelling to the GUI at a time
        self._engine: Engine | None = None
        self._setup: RunSetup | None = None
        self._generation = 0
        self._running = False
        self._pending_steps = 0  # steps still to do for a Step command
        self._target_epochs = 0
        self._max_steps_per_second: float | None = None
        self._records: list = []
        self._last_emit = 0.0
        self._rate_steps = 0
        self._rate_since = time.perf_counter()
        self._steps_per_second = 0.0
        LIVE_WORKERS.add(self)

    # ---------------------------------------------------------------- GUI-thread API (thread-safe)
    def load(self, engine: Engine, setup: RunSetup, generation: int) -> None:
        """Hand over a fresh engine (a reset). The GUI must not touch it afterwards."""
        self._send("load", (engine, setup, generation))

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

    def acknowledge(self) -> None:
        """The GUI has consumed the last frame: the next may be sent."""
        try:
            self._in_flight.release()
        except ValueError:  # released more often than acquired (a frame from an older run)
            pass

    def stop(self, timeout_ms: int = 3000) -> bool:
        """Ask the loop to end and wait for it; cooperative, never terminate()."""
        self.requestInterruption()
        self._send("quit")
        return self.wait(timeout_ms)

    def _send(self, name: str, payload: Any = None) -> None:
        self._commands.put(_Command(name, payload))

    # ---------------------------------------------------------------- worker thread
    def run(self) -> None:
        try:
            while not self.isInterruptionRequested():
                busy = self._engine is not None and (self._running or self._pending_steps > 0)
                if not self._drain_commands(block=not busy):
                    break
                if self._engine is not None and (self._running or self._pending_steps > 0):
                    self._train_chunk()
                    self._maybe_emit()
        except Exception as exc:  # an engine bug must not kill the app silently
            self.sigError.emit(f"training stopped: {type(exc).__name__}: {exc}")

    def _drain_commands(self, block: bool) -> bool:
        """Apply every queued command; returns False on quit."""
        timeout = 0.05 if block else 0.0
        while True:
            try:
                cmd = self._commands.get(timeout=timeout) if timeout else self._commands.get_nowait()
            except queue.Empty:
                return True
            timeout = 0.0
            if cmd.name == "quit":
                return False
            self._apply(cmd)

    def _apply(self, cmd: _Command) -> None:
        if cmd.name == "load":
            self._engine, self._setup, self._generation = cmd.payload
            self._target_epochs = self._setup.config.training.epochs
            self._running, self._pending_steps, self._records = False, 0, []
            self._steps_per_second = 0.0
            self._emit(force=True)
            self.sigStateChanged.emit("paused")
        elif self._engine is None:
            return
        elif cmd.name == "start":
            if self._engine.diverged.all():
                self.sigStateChanged.emit("all-diverged")
                return
            if self._engine.epoch >= self._target_epochs:  # finished: go on for as many again
                self._target_epochs = self._engine.epoch + self._setup.config.training.epochs
            self._running = True
            self._reset_rate()
            self.sigStateChanged.emit("running")
        elif cmd.name == "pause":
            self._running, self._pending_steps = False, 0
            self._emit(force=True)
            self.sigStateChanged.emit("paused")
        elif cmd.name == "step":
            self._running = False
            self._pending_steps += cmd.payload
        elif cmd.name == "members":
            self._engine.set_members(cmd.payload)
            self._emit(force=not self._running)
        elif cmd.name == "activation":
            self._engine.set_activation(cmd.payload)
            self._emit(force=not self._running)
        elif cmd.name == "epochs":
            self._target_epochs = cmd.payload
        elif cmd.name == "speed":
            self._max_steps_per_second = cmd.payload
            self._reset_rate()

    def _train_chunk(self) -> None:
        engine = self._engine
        steps_left_in_run = (self._target_epochs - engine.epoch) * engine.steps_per_epoch - (
            engine.step_count % engine.steps_per_epoch
        )
        count = self._chunk_size()
        if self._pending_steps:
            count = min(count, self._pending_steps)
        elif self._running:
            count = min(count, max(steps_left_in_run, 0))
        if count <= 0:
            self._finish("finished")
            return
        was_diverged = engine.diverged
        started = time.perf_counter()
        record = engine.step(count)
        elapsed = time.perf_counter() - started
        self._records.append(record)
        self._pending_steps = max(0, self._pending_steps - count)
        self._update_rate(count, elapsed)
        newly = tuple(int(i) for i in (record.diverged & ~was_diverged).nonzero()[0])
        if newly:  # the frame first, so the GUI holds the data the message speaks of
            if record.diverged.all():
                self._finish("all-diverged", newly)
                return
            self._emit(force=True)
            self.sigDiverged.emit(newly)
        if self._running and engine.epoch >= self._target_epochs and engine.step_count % engine.steps_per_epoch == 0:
            self._finish("finished")
        elif self._pending_steps == 0 and not self._running:
            self._emit(force=True)  # a Step command completed: show it now
        self._throttle(count, elapsed)

    def _finish(self, state: str, diverged: tuple[int, ...] = ()) -> None:
        self._running, self._pending_steps = False, 0
        self._emit(force=True, finished=True)
        if diverged:
            self.sigDiverged.emit(diverged)
        self.sigStateChanged.emit(state)

    def _chunk_size(self) -> int:
        if self._max_steps_per_second:  # slow motion: a few steps per frame
            return max(1, int(self._max_steps_per_second * self.frame_interval))
        rate = self._steps_per_second or 1000.0
        return int(min(MAX_CHUNK, max(1, rate * CHUNK_SECONDS)))

    def _throttle(self, count: int, elapsed: float) -> None:
        if self._max_steps_per_second:
            wanted = count / self._max_steps_per_second
            if wanted > elapsed:
                # Sleep in short slices so a pause or quit is still seen quickly.
                deadline = time.perf_counter() + wanted - elapsed
                while time.perf_counter() < deadline and self._commands.empty() and not self.isInterruptionRequested():
                    time.sleep(min(0.01, max(0.0, deadline - time.perf_counter())))
                    self._maybe_emit()

    def _reset_rate(self) -> None:
        self._rate_steps, self._rate_since = 0, time.perf_counter()

    def _update_rate(self, count: int, elapsed: float) -> None:
        self._rate_steps += count
        window = time.perf_counter() - self._rate_since
        if window >= 0.5:
            self._steps_per_second = self._rate_steps / window
            self._reset_rate()
        elif not self._steps_per_second and elapsed > 0:
            self._steps_per_second = count / elapsed

    def _maybe_emit(self) -> None:
        if time.perf_counter() - self._last_emit >= self.frame_interval:
            self._emit()

    def _emit(self, force: bool = False, finished: bool = False) -> None:
        """Send everything since the last frame; unless forced, only when the GUI took the last one."""
        took = self._in_flight.acquire(timeout=0.25) if force else self._in_flight.acquire(blocking=False)
        if not took and not force:
            return  # the GUI is busy: keep accumulating, nothing is lost
        frame = make_frame(
            self._engine, self._setup, self._generation, self._records, self._steps_per_second, finished
        )
        self._records = []
        self._last_emit = time.perf_counter()
        self.sigFrame.emit(frame)
