"""The training loop behind the window, without Qt: runs in its own process.

Why a process: torch releases and re-takes the GIL around every small op, so a trainer thread in
the GUI process stalls whenever the canvases paint (measured: 6-15 % of headless speed). In a child
process the trainer keeps a core of its own and the GUI paints on the other.

The loop reads commands between chunks of steps (a chunk lasts a few ms), so pause, step, reset and
quit take effect at once. Every step's metrics are sent, coalesced: at most one frame per
`frame_interval`, and never more than one frame that the GUI has not acknowledged yet.

Every event carries the run generation of the engine it speaks of, so the GUI can drop what a
previous run said after a reset. An exception while loading or training is reported as an event and
drops the engine; the process stays up and waits for the next load.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from regviz.gui.event_wire import send_event

# One frame per redraw of the window (controller.REDRAW_HZ): at 60 a third of the frames were
# built, sent and applied only to be replaced before any canvas drew them.
DEFAULT_FRAME_INTERVAL = 1 / 40
CHUNK_SECONDS = 0.008  # per engine call: commands wait at most this long; shorter calls cost speed
MAX_CHUNK = 16384
CHUNK_GROWTH = 4  # a chunk is at most this many times the last: from 1 step to its size in a few ms
MAX_UNSENT_STEPS = 200_000  # steps kept for a GUI that does not acknowledge; then training waits
# Commands that only adjust the running engine: a slow-motion wait goes on through them. Any other
# command (pause, step, start, load, speed, quit) ends the wait so it takes effect at once.
ADJUSTMENTS = frozenset({"ack", "members", "activation", "epochs"})
# What a newer "load" makes pointless when both wait in the queue: it replaces the engine they act on.
SUPERSEDED_BY_LOAD = frozenset({"load", "start", "pause", "step", "members", "activation", "epochs"})


def next_chunk(count: int, elapsed: float) -> int:
    """The steps of the next full-speed engine call, from the last full call's `count` steps and
    `elapsed` seconds: a call should last CHUNK_SECONDS. (Sizing chunks from the rate over the
    last half second, which starts low and includes frames, kept them at a tenth of their size
    for seconds after Start, and the per-call overhead cost ~5 % of the speed.)"""
    wanted = count * CHUNK_SECONDS / elapsed if elapsed > 0 else count * CHUNK_GROWTH
    return int(min(MAX_CHUNK, count * CHUNK_GROWTH, max(1, wanted)))


def newest_load_only(commands: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Rapid resets coalesce: of the queued commands, drop every load (and every command for the
    engine it would build) that a later load replaces, so only the newest config is built."""
    last = max((i for i, (name, _) in enumerate(commands) if name == "load"), default=-1)
    return [c for i, c in enumerate(commands) if i >= last or c[0] not in SUPERSEDED_BY_LOAD]


class TrainerLoop:
    """Commands in through `receive(timeout) -> (name, payload) | None`, events out via `send`.

    Events: ("frame", TrainingFrame), ("diverged", (generation, member indices)),
    ("state", (generation, "running" | "paused" | "finished" | "all-diverged" | "failed")),
    ("error", (generation, text)): training failed, the loop waits for the next load;
    ("fatal", text): the loop itself failed and the process ends (the worker reports it as the
    reason the process died).
    """

    def __init__(self, receive: Callable[[float], tuple[str, Any] | None], send: Callable[[str, Any], None],
                 frame_interval: float = DEFAULT_FRAME_INTERVAL, clock: Callable[[], float] = time.perf_counter,
                 engine: str = "auto"):
        self.receive = receive
        self.engine_kind = engine  # engines.ENGINES: auto (numba where it imports), numba or torch
        self.send = send
        self.frame_interval = frame_interval
        self.clock = clock
        self.engine = None
        self.setup = None
        self.generation = 0
        self.running = False
        self.pending_steps = 0
        self.target_epochs = 0
        self.run_epochs = 0
        self.max_steps_per_second: float | None = None
        self.records: list = []
        self.in_flight = False
        self.sent = 0  # frames sent so far; each frame carries its number, each ack names one
        self.last_emit = 0.0
        self.steps_per_second = 0.0
        self.chunk = 1  # steps per engine call at full speed, adapted so that a call lasts CHUNK_SECONDS
        self._rate_steps = 0
        self._rate_since = clock()
        self._quit = False
        self._backlog: list[tuple[str, Any]] = []  # commands that arrived while waiting for an ack

    # ---------------------------------------------------------------- the loop
    def run(self) -> None:
        try:
            while not self._quit:
                self._drain(0.0 if self._busy() else 0.05)
                if self._busy() and not self._quit:
                    self._guarded(self._train_chunk)
                    if self.engine is not None and self.clock() - self.last_emit >= self.frame_interval:
                        self._guarded(self._emit)
        except Exception as exc:  # a bug in the loop itself must reach the user, not vanish
            self.send("fatal", f"stopped by {type(exc).__name__}: {exc}")

    def _busy(self) -> bool:
        if self.in_flight and sum(len(r.data_loss) for r in self.records) >= MAX_UNSENT_STEPS:
            return False  # the GUI has not taken a frame for long: wait for it, memory stays bounded
        return self.engine is not None and (self.running or self.pending_steps > 0)

    def _guarded(self, action: Callable[[], None]) -> None:
        """Run an engine action; an exception becomes an error event and drops the engine."""
        try:
            action()
        except Exception as exc:
            self.engine, self.running, self.pending_steps, self.records = None, False, 0, []
            self.send("error", (self.generation, f"training stopped: {type(exc).__name__}: {exc}"))
            self.send("state", (self.generation, "failed"))

    def _next(self, timeout: float) -> tuple[str, Any] | None:
        return self._backlog.pop(0) if self._backlog else self.receive(timeout)

    def _drain(self, timeout: float) -> None:
        commands = []
        command = self._next(timeout)
        while command is not None:
            commands.append(command)
            command = self._next(0.0)
        # Acknowledgements first: a forced frame sent by a command of this batch waits for the
        # acknowledgement of the previous frame, which may sit later in this very batch.
        for name, payload in commands:
            if name == "ack":
                self._apply(name, payload)
        commands = [c for c in commands if c[0] != "ack"]
        for name, payload in newest_load_only(commands):
            if self._quit:
                return
            self._guarded(lambda: self._apply(name, payload))

    def _apply(self, name: str, payload: Any) -> None:
        if name == "quit":
            self._quit = True
        elif name == "ack":  # for the newest frame: an older one's ack must not free the slot
            if payload == self.sent:
                self.in_flight = False
        elif name == "speed":
            self.max_steps_per_second = payload
            self._reset_rate()
        elif name == "load":
            self._load(*payload)
        elif self.engine is None:
            return
        elif name == "start":
            if self.engine.diverged.all():
                self.send("state", (self.generation, "all-diverged"))
                return
            if self.engine.epoch >= self.target_epochs:  # finished: go on for as many again
                self.target_epochs = self.engine.epoch + self.run_epochs
            self.running = True
            self._reset_rate()
            self.send("state", (self.generation, "running"))
        elif name == "pause":
            self.running, self.pending_steps = False, 0
            self._emit(force=True)
            self.send("state", (self.generation, "paused"))
        elif name == "step":
            self.running = False
            self.pending_steps += int(payload)
        elif name == "members":
            self.engine.set_members(payload)
            self.chunk = 1  # another penalty or L1 rule may cost more per step: size the calls anew
            self._emit(force=not self.running)
        elif name == "activation":
            self.engine.set_activation(payload)
            self._emit(force=not self.running)
        elif name == "epochs":  # the panel's Epochs, changed live
            self.target_epochs = self.run_epochs = int(payload)

    def _load(self, setup, generation: int, resume=None, target_epochs: int | None = None) -> None:
        """A fresh engine for a run set-up (a reset), or, with `resume`, one that continues from a
        snapshot. The set-up carries its data, so nothing is read from disk here."""
        from regviz.gui import session

        self.engine, self.setup, self.generation = None, None, generation
        self.running, self.pending_steps, self.records = False, 0, []
        engine = session.engine_for(setup, self.engine_kind)
        if resume is not None:
            engine.restore(resume)
        self.engine, self.setup = engine, setup
        self.run_epochs = setup.config.training.epochs  # how many a Start after the end adds
        self.target_epochs = target_epochs or self.run_epochs
        self.steps_per_second = 0.0
        self.chunk = 1  # a new engine may be far slower per step (more models, wider layers)
        self._emit(force=True)
        self.send("state", (self.generation, "paused"))

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
        started = self.clock()
        record = engine.step(count)
        elapsed = self.clock() - started
        self.records.append(record)
        self.pending_steps = max(0, self.pending_steps - count)
        self._update_rate(count, elapsed)
        if count == self.chunk:
            self.chunk = next_chunk(count, elapsed)
        newly = tuple(int(i) for i in (record.diverged & ~was_diverged).nonzero()[0])
        if newly:  # the frame first, so the GUI holds the data the message speaks of
            if record.diverged.all():
                self._finish("all-diverged", newly)
                return
            self._emit(force=True)
            self.send("diverged", (self.generation, newly))
        if self.running and engine.step_count >= self.target_epochs * engine.steps_per_epoch:
            self._finish("finished")
        elif self.pending_steps == 0 and not self.running:
            self._emit(force=True)  # a Step command completed: show it now
        self._throttle(count, elapsed)

    def _finish(self, state: str, diverged: tuple[int, ...] = ()) -> None:
        self.running, self.pending_steps = False, 0
        self._emit(force=True, finished=True)
        if diverged:
            self.send("diverged", (self.generation, diverged))
        self.send("state", (self.generation, state))

    def _chunk_size(self) -> int:
        if self.max_steps_per_second:  # slow motion: a few steps per frame
            return max(1, int(self.max_steps_per_second * self.frame_interval))
        return self.chunk

    def _throttle(self, count: int, elapsed: float) -> None:
        """In slow motion, wait until `count` steps have taken their share of a second. Commands
        are answered meanwhile; acknowledgements and live adjustments do not end the wait."""
        if not self.max_steps_per_second:
            return
        deadline = self.clock() + count / self.max_steps_per_second - elapsed
        while not self._quit and self.engine is not None and self.clock() < deadline:
            command = self._next(min(0.01, max(0.0, deadline - self.clock())))
            if command is not None:
                self._guarded(lambda: self._apply(*command))
                if command[0] not in ADJUSTMENTS:
                    return
            if self.engine is not None and self.clock() - self.last_emit >= self.frame_interval:
                self._emit()

    def _reset_rate(self) -> None:
        self._rate_steps, self._rate_since = 0, self.clock()

    def _update_rate(self, count: int, elapsed: float) -> None:
        self._rate_steps += count
        window = self.clock() - self._rate_since
        if window >= 0.5:
            self.steps_per_second = self._rate_steps / window
            self._reset_rate()
        elif not self.steps_per_second and elapsed > 0:
            self.steps_per_second = count / elapsed

    # ---------------------------------------------------------------- frames
    def _emit(self, force: bool = False, finished: bool = False) -> None:
        """Send everything since the last frame, once the GUI took the last one: a forced frame
        waits for that acknowledgement (answering quit meanwhile), an unforced one is skipped and
        its steps go into the next frame. Never more than one frame is in flight."""
        if self.in_flight:
            if not force:
                return
            self._wait_for_ack()
            if self.in_flight or self.engine is None:
                return  # quitting, or the engine was replaced meanwhile
        from regviz.gui.session import make_frame

        self.sent += 1
        frame = make_frame(self.engine, self.setup, self.generation, self.records, self.steps_per_second, finished,
                           self.target_epochs, self.sent)
        self.records = []
        self.last_emit = self.clock()
        self.in_flight = True
        self.send("frame", frame)

    def _wait_for_ack(self) -> None:
        while self.in_flight and not self._quit:
            command = self.receive(0.05)
            if command is None:
                continue
            if command[0] in ("ack", "quit"):
                self._apply(*command)
            else:
                self._backlog.append(command)  # applied after this frame is out


def end_with_parent() -> None:
    """Never outlive the window: on Linux the kernel ends this process when the parent dies (a
    window killed by SIGTERM or SIGKILL runs no clean-up), and Ctrl+C is the parent's to handle."""
    import ctypes
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _notice(events, text: str) -> None:
    """A line for the window's status bar, sent before the loop runs."""
    try:
        send_event(events, "notice", text)
    except (BrokenPipeError, OSError):
        pass


def process_main(commands, events, frame_interval: float = DEFAULT_FRAME_INTERVAL, engine: str | None = None) -> None:
    """Entry point of the trainer process: commands and events are multiprocessing Connections;
    `engine` is one of engines.ENGINES, by default the environment's engines.ENGINE_ENV (set by
    `regviz gui --engine`) or auto. The compiled engine is loaded or compiled here, at launch."""
    import os

    parent = os.getppid()
    end_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        return
    from regviz.core import engines
    from regviz.core.config import ConfigError

    engine = engine or os.environ.get(engines.ENGINE_ENV) or "auto"
    try:
        kind = engines.resolve_engine(engine)
    except ConfigError:  # a stray value in the environment: the default
        engine = kind = engines.resolve_engine("auto")
    if kind == "torch":
        import torch

        torch.set_num_threads(1)  # one core for the trainer, the other for the GUI
    else:  # from the disk cache, or compiled now (first launch), before the first Step waits for it
        if engines.prepare(on_compile=lambda: _notice(events, f"{engines.PREPARING_MESSAGE[0].upper()}"
                                                              f"{engines.PREPARING_MESSAGE[1:]} (compiled once, "
                                                              "then kept in a cache)")):
            _notice(events, "The engine is ready.")

    def receive(timeout: float):
        try:
            if commands.poll(timeout):
                return commands.recv()
        except (EOFError, OSError):  # the GUI process is gone
            return ("quit", None)
        if os.getppid() != parent:  # orphaned (where the kernel cannot tell us): stop
            return ("quit", None)
        return None

    def send(kind: str, payload: Any) -> None:
        try:
            send_event(events, kind, payload)
        except (BrokenPipeError, OSError):
            loop._quit = True

    loop = TrainerLoop(receive, send, frame_interval, engine=engine)
    loop.run()
