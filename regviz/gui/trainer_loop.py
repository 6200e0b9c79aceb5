"""The training loop behind the window, without Qt: runs in its own process.

Why a process: torch releases and re-takes the GIL around every small op, so a trainer thread in
the GUI process stalls whenever the canvases paint (measured: 6-15 % of headless speed). In a child
process the trainer keeps a core of its own and the GUI paints on the other.

The loop reads commands between chunks of steps (a chunk lasts a few ms), so pause, step, reset and
quit take effect at once. Every step's metrics are sent, coalesced: at most one frame per
`frame_interval`, and never while the GUI has not acknowledged the previous one.
"""

from __future__ import annotations

import time
from typing import Any, Callable

CHUNK_SECONDS = 0.004
MAX_CHUNK = 4096
FORCED_FRAME_WAIT = 0.25  # how long a forced frame waits for the GUI's acknowledgement


class TrainerLoop:
    """Commands in through `receive(timeout) -> (name, payload) | None`, events out via `send`.

    Events: ("frame", TrainingFrame), ("diverged", member indices), ("state", "running" | "paused" |
    "finished" | "all-diverged"), ("error", text).
    """

    def __init__(self, receive: Callable[[float], tuple[str, Any] | None], send: Callable[[str, Any], None],
                 frame_interval: float = 1 / 60):
        self.receive = receive
        self.send = send
        self.frame_interval = frame_interval
        self.engine = None
        self.setup = None
        self.generation = 0
        self.running = False
        self.pending_steps = 0
        self.target_epochs = 0
        self.max_steps_per_second: float | None = None
        self.records: list = []
        self.in_flight = False
        self.last_emit = 0.0
        self.steps_per_second = 0.0
        self._rate_steps = 0
        self._rate_since = time.perf_counter()
        self._quit = False
        self._backlog: list[tuple[str, Any]] = []  # commands that arrived while waiting for an ack

    # ---------------------------------------------------------------- the loop
    def run(self) -> None:
        try:
            while not self._quit:
                busy = self.engine is not None and (self.running or self.pending_steps > 0)
                self._drain(0.0 if busy else 0.05)
                if self._quit:
                    break
                if self.engine is not None and (self.running or self.pending_steps > 0):
                    self._train_chunk()
                    if time.perf_counter() - self.last_emit >= self.frame_interval:
                        self._emit()
        except Exception as exc:  # an engine bug must reach the user, not vanish
            self.send("error", f"training stopped: {type(exc).__name__}: {exc}")

    def _next(self, timeout: float) -> tuple[str, Any] | None:
        return self._backlog.pop(0) if self._backlog else self.receive(timeout)

    def _drain(self, timeout: float) -> None:
        while not self._quit:
            command = self._next(timeout)
            if command is None:
                return
            timeout = 0.0
            self._apply(*command)

    def _apply(self, name: str, payload: Any) -> None:
        if name == "quit":
            self._quit = True
        elif name == "ack":
            self.in_flight = False
        elif name == "load":
            from regviz.gui.session import build_run

            config, members, self.generation = payload
            self.engine, self.setup = build_run(config, members)
            self.target_epochs = config.training.epochs
            self.running, self.pending_steps, self.records = False, 0, []
            self.steps_per_second = 0.0
            self._emit(force=True)
            self.send("state", "paused")
        elif self.engine is None:
            return
        elif name == "start":
            if self.engine.diverged.all():
                self.send("state", "all-diverged")
                return
            if self.engine.epoch >= self.target_epochs:  # finished: go on for as many again
                self.target_epochs = self.engine.epoch + self.setup.config.training.epochs
            self.running = True
            self._reset_rate()
            self.send("state", "running")
        elif name == "pause":
            self.running, self.pending_steps = False, 0
            self._emit(force=True)
            self.send("state", "paused")
        elif name == "step":
            self.running = False
            self.pending_steps += int(payload)
        elif name == "members":
            self.engine.set_members(payload)
            self._emit(force=not self.running)
        elif name == "activation":
            self.engine.set_activation(payload)
            self._emit(force=not self.running)
        elif name == "epochs":
            self.target_epochs = int(payload)
        elif name == "speed":
            self.max_steps_per_second = payload
            self._reset_rate()

    # ---------------------------------------------------------------- training
    def _train_chunk(self) -> None:
        engine = self.engine
        count = self._chunk_size()
        if self.pending_steps:
            count = min(count, self.pending_steps)
        else:
            left = self.target_epochs * engine.steps_per_epoch - engine.step_count
            count = min(count, max(left, 0))
        if count <= 0:
            self._finish("finished")
            return
        was_diverged = engine.diverged
        started = time.perf_counter()
        record = engine.step(count)
        elapsed = time.perf_counter() - started
        self.records.append(record)
        self.pending_steps = max(0, self.pending_steps - count)
        self._update_rate(count, elapsed)
        newly = tuple(int(i) for i in (record.diverged & ~was_diverged).nonzero()[0])
        if newly:  # the frame first, so the GUI holds the data the message speaks of
            if record.diverged.all():
                self._finish("all-diverged", newly)
                return
            self._emit(force=True)
            self.send("diverged", newly)
        if self.running and engine.step_count >= self.target_epochs * engine.steps_per_epoch:
            self._finish("finished")
        elif self.pending_steps == 0 and not self.running:
            self._emit(force=True)  # a Step command completed: show it now
        self._throttle(count, elapsed)

    def _finish(self, state: str, diverged: tuple[int, ...] = ()) -> None:
        self.running, self.pending_steps = False, 0
        self._emit(force=True, finished=True)
        if diverged:
            self.send("diverged", diverged)
        self.send("state", state)

    def _chunk_size(self) -> int:
        if self.max_steps_per_second:  # slow motion: a few steps per frame
            return max(1, int(self.max_steps_per_second * self.frame_interval))
        rate = self.steps_per_second or 1000.0
        return int(min(MAX_CHUNK, max(1, rate * CHUNK_SECONDS)))

    def _throttle(self, count: int, elapsed: float) -> None:
        if not self.max_steps_per_second:
            return
        deadline = time.perf_counter() + count / self.max_steps_per_second - elapsed
        # Wait in short slices, still answering commands, so pause and quit stay quick.
        while not self._quit and time.perf_counter() < deadline:
            command = self._next(min(0.01, max(0.0, deadline - time.perf_counter())))
            if command is not None:
                self._apply(*command)
                return
            if time.perf_counter() - self.last_emit >= self.frame_interval:
                self._emit()

    def _reset_rate(self) -> None:
        self._rate_steps, self._rate_since = 0, time.perf_counter()

    def _update_rate(self, count: int, elapsed: float) -> None:
        self._rate_steps += count
        window = time.perf_counter() - self._rate_since
        if window >= 0.5:
            self.steps_per_second = self._rate_steps / window
            self._reset_rate()
        elif not self.steps_per_second and elapsed > 0:
            self.steps_per_second = count / elapsed

    # ---------------------------------------------------------------- frames
    def _emit(self, force: bool = False, finished: bool = False) -> None:
        """Send everything since the last frame; unless forced, only once the GUI took the last."""
        if self.in_flight:
            if not force:
                return  # the GUI is busy: keep accumulating, nothing is lost
            self._wait_for_ack(FORCED_FRAME_WAIT)
        from regviz.gui.session import make_frame

        frame = make_frame(self.engine, self.setup, self.generation, self.records, self.steps_per_second, finished)
        self.records = []
        self.last_emit = time.perf_counter()
        self.in_flight = True
        self.send("frame", frame)

    def _wait_for_ack(self, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.in_flight and not self._quit and time.perf_counter() < deadline:
            command = self.receive(max(0.0, deadline - time.perf_counter()))
            if command is None:
                return
            if command[0] in ("ack", "quit"):
                self._apply(*command)
            else:
                self._backlog.append(command)  # applied after this frame is out


def process_main(commands, events, frame_interval: float = 1 / 60) -> None:
    """Entry point of the trainer process: commands and events are multiprocessing Connections."""
    import torch

    torch.set_num_threads(1)  # one core for the trainer, the other for the GUI

    def receive(timeout: float):
        if commands.poll(timeout):
            try:
                return commands.recv()
            except EOFError:  # the GUI process is gone
                return ("quit", None)
        return None

    def send(kind: str, payload: Any) -> None:
        try:
            events.send((kind, payload))
        except (BrokenPipeError, OSError):
            loop._quit = True

    loop = TrainerLoop(receive, send, frame_interval)
    loop.run()
