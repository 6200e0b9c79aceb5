"""The trainer process and its two pipes, and one started early: `regviz gui` spawns it before it
imports the plotting libraries and builds the window, so the engine is ready by the time the window
shows and the first Step answers at once. Qt-free; the worker (worker.py) adopts it."""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass

from regviz.gui.trainer_loop import DEFAULT_FRAME_INTERVAL, process_main

_SPAWN = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
EVENT_PIPE_BYTES = 1 << 20  # a frame at full speed is ~0.5 MB; Linux's default pipe holds 64 KiB


def widen_pipe(connection, size: int = EVENT_PIPE_BYTES) -> int:
    """Let the trainer write a whole frame without waiting: with the default 64 KiB pipe, its
    write blocked until the window's relay thread, competing for the GIL with the painting,
    had read most of it (about 5 % of the trainer's time at four models). Asks for `size`, or
    for the system's cap (/proc/sys/fs/pipe-max-size) when that is lower; returns the size the
    pipe has, 0 where the system cannot tell (not Linux)."""
    try:
        import fcntl

        set_size, get_size = fcntl.F_SETPIPE_SZ, fcntl.F_GETPIPE_SZ
    except (ImportError, AttributeError):  # not Linux: pipes keep their size
        return 0
    try:
        with open("/proc/sys/fs/pipe-max-size") as cap:
            size = min(size, int(cap.read()))
    except (OSError, ValueError):
        pass
    try:
        fcntl.fcntl(connection.fileno(), set_size, size)
    except OSError:  # refused: the pipe keeps the size it has
        pass
    try:
        return fcntl.fcntl(connection.fileno(), get_size)
    except OSError:
        return 0


@dataclass
class TrainerProcess:
    process: multiprocessing.Process
    commands: object  # our end: commands to the trainer
    events: object  # our end: the trainer's events
    child_ends: tuple  # the trainer's ends, closed here once it has started
    key: tuple  # (frame_interval, engine)

    def start(self) -> None:
        if self.process.pid is None:
            self.process.start()
        for end in self.child_ends:  # the child has its copies now
            end.close()
        self.child_ends = ()


def make_trainer(frame_interval: float = DEFAULT_FRAME_INTERVAL, engine: str | None = None) -> TrainerProcess:
    """The started early one when it matches, else a new one (not started yet)."""
    global _early
    early, _early = _early, None
    if early is not None and early.key == (frame_interval, engine) and early.process.is_alive():
        return early
    if early is not None:  # asked for another engine or frame rate after all
        early.process.kill()
        early.process.join(1.0)
    commands_out, commands_in = _SPAWN.Pipe(duplex=False)
    events_out, events_in = _SPAWN.Pipe(duplex=False)
    widen_pipe(events_out)
    process = _SPAWN.Process(target=process_main, args=(commands_out, events_in, frame_interval, engine),
                             name="regviz-trainer", daemon=True)
    return TrainerProcess(process, commands_in, events_out, (commands_out, events_in), (frame_interval, engine))


def start_early(engine: str | None = None) -> None:
    """Spawn the window's trainer now; the first worker made with the same settings adopts it."""
    global _early
    trainer = make_trainer(DEFAULT_FRAME_INTERVAL, engine)
    trainer.start()
    _early = trainer


_early: TrainerProcess | None = None
