"""`regviz gui` spawns its trainer before it builds the window; the window's first worker adopts
that process when it fits, and a trainer that does not fit (another engine) is ended, not leaked."""

from __future__ import annotations

import pytest

from regviz.core.presets import load_preset
from regviz.gui import trainer_spawn
from regviz.gui.main_window import MainWindow


def _window(qtbot):
    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_window_adopts_the_trainer_started_early_and_trains_with_it(qtbot):
    trainer_spawn.start_early(None)
    early = trainer_spawn._early.process
    assert early.is_alive()
    win = _window(qtbot)
    try:
        assert win.controller.worker._process is early and trainer_spawn._early is None
        win.controller.step(4)
        qtbot.waitUntil(lambda: win.controller.state.step == 4, timeout=30000)
    finally:
        win.close()
    assert not early.is_alive()


def test_an_early_trainer_that_does_not_fit_is_ended(qtbot):
    trainer_spawn.start_early("torch")  # as if the setting said torch, but the window asks for the default
    early = trainer_spawn._early.process
    win = _window(qtbot)
    try:
        assert win.controller.worker._process is not early
        assert not early.is_alive()
        win.controller.step(2)
        qtbot.waitUntil(lambda: win.controller.state.step == 2, timeout=30000)
    finally:
        win.close()


def test_a_whole_frame_fits_in_the_event_pipe_without_a_reader():
    """A full-speed frame (~0.5 MB) is written at once: with Linux's default 64 KiB pipe the
    trainer's write waited for the window's relay thread. Elsewhere (size 0) there is no claim."""
    import multiprocessing
    import sys
    import threading

    reader, writer = multiprocessing.get_context("spawn").Pipe(duplex=False)
    size = trainer_spawn.widen_pipe(reader)
    if not sys.platform.startswith("linux"):
        assert size == 0
        return
    with open("/proc/sys/fs/pipe-max-size") as f:
        cap = int(f.read())
    if cap < 256 * 1024:
        pytest.skip(f"this system caps pipes at {cap} bytes")
    assert size >= min(trainer_spawn.EVENT_PIPE_BYTES, cap)
    payload = b"x" * (size - 1024)  # room for the length header
    sender = threading.Thread(target=writer.send_bytes, args=(payload,), daemon=True)
    sender.start()
    sender.join(10.0)
    try:
        assert not sender.is_alive(), "the write waited for a reader"
        assert reader.recv_bytes() == payload
    finally:
        if sender.is_alive():  # unblock it, so no thread is left behind
            reader.recv_bytes()
        sender.join(10.0)
        reader.close()
        writer.close()
