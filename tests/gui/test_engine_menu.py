"""Run ▸ Engine: the trainer switches engine mid-run without losing the run, the choice is
remembered, and `regviz gui --engine` (REGVIZ_ENGINE) wins for its launch."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets

from regviz.core.engines import ENGINE_ENV
from regviz.gui.controller import members_for
from regviz.gui.engine_menu import initial_engine
from regviz.gui.session import build_run
from regviz.gui.settings import Settings
from window_helpers import find


def test_switching_engine_mid_run_carries_on_from_the_same_weights(qtbot, window):
    menu = find(window, QtWidgets.QMenu, "engineMenu")
    names = [a.objectName() for a in menu.actions()]
    assert names == ["engine_auto_Action", "engine_numba_Action", "engine_torch_Action"]
    assert menu.findChild(QtGui.QAction, "engine_auto_Action").isChecked()  # nothing chosen yet
    controller = window.controller
    controller.step(7)
    qtbot.waitUntil(lambda: controller.state.step == 7, timeout=30000)
    old_process = controller.worker._process
    menu.findChild(QtGui.QAction, "engine_torch_Action").trigger()
    assert controller.engine == "torch" and not old_process.is_alive()  # a new trainer took over
    assert Settings().engine() == "torch"
    controller.step(3)
    qtbot.waitUntil(lambda: controller.state.step == 10, timeout=60000)  # the torch trainer went on from step 7
    assert controller.worker.alive
    # the oracle: the same model trained 10 steps in one go by the compiled engine, here (the two
    # engines compute the same bits, so the switch lost and changed nothing)
    engine, _setup = build_run(controller.config, members_for(controller.config, None), "numba")
    engine.step(10)
    expected = engine.snapshot()
    for got, want in zip(controller.state.snapshot.weights + controller.state.snapshot.biases,
                         expected.weights + expected.biases):
        assert np.array_equal(got, want)


def test_the_remembered_engine_and_the_command_lines_win(monkeypatch):
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    settings = Settings()
    assert initial_engine(settings) is None
    settings.set_engine("torch")
    assert initial_engine(settings) == "torch"
    monkeypatch.setenv(ENGINE_ENV, "numba")  # regviz gui --engine numba
    assert initial_engine(settings) == "numba"
    monkeypatch.setenv(ENGINE_ENV, "bogus")
    settings.set_engine("nonsense")
    assert initial_engine(settings) is None
