"""`regviz gui` spawns its trainer before it builds the window; the window's first worker adopts
that process when it fits, and a trainer that does not fit (another engine) is ended, not leaked."""

from __future__ import annotations

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
