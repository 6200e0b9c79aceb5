"""The Presets menu: one action per shipped preset, described; choosing one loads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6 import QtWidgets

from regviz.core.config import ExperimentConfig
from regviz.gui.settings import Settings

from window_helpers import find, state

PRESET_FILES = sorted((Path(__file__).resolve().parents[2] / "resources" / "presets").glob("*.json"))


def preset_actions(window) -> dict[str, object]:
    menu = find(window, QtWidgets.QMenu, "presetsMenu")
    assert menu.menuAction() in window.menuBar().actions()
    return {action.data(): action for action in menu.actions() if not action.isSeparator()}


def test_one_action_per_shipped_preset_with_its_description(window):
    actions = preset_actions(window)
    assert sorted(actions) == sorted(path.stem for path in PRESET_FILES) and len(actions) >= 5
    for path in PRESET_FILES:
        description = json.loads(path.read_text(encoding="utf-8"))["description"]
        action = actions[path.stem]
        assert action.statusTip() == description and action.toolTip() == description
        assert action.text() and "-" not in action.text()  # words, not the CLI name
    assert actions["seed-exact-zeros"].text() == "Seed exact zeros"
    assert actions["relu-net"].text() == "ReLU net"


def test_choosing_a_preset_loads_it_into_the_controller_and_the_panel(qtbot, window):
    expected = ExperimentConfig.load(PRESET_FILES[[p.stem for p in PRESET_FILES].index("tanh-net")])
    generation = window.controller.generation
    preset_actions(window)["tanh-net"].trigger()
    assert window.controller.config == expected and window.panel.config == expected
    assert window.controller.generation == generation + 1  # a reset onto it
    qtbot.waitUntil(lambda: state(window).setup.config == expected and state(window).snapshot is not None,
                    timeout=30000)
    assert find(window, QtWidgets.QComboBox, "activationCombo").currentData() == "tanh"
    assert find(window, QtWidgets.QComboBox, "regularizerCombo").currentData() == "l2"
    assert find(window, QtWidgets.QDoubleSpinBox, "lambdaSpin").value() == pytest.approx(0.01)
    assert window.preset == "tanh-net" and "tanh-net" in window.windowTitle()
    assert Settings().last_preset() == "tanh-net"


def test_choosing_the_current_preset_again_resets_to_it(qtbot, window):
    find(window, QtWidgets.QDoubleSpinBox, "lambdaSpin").setValue(0.05)  # a live edit: no reset
    assert window.controller.config.regularization.lam == pytest.approx(0.05)
    generation = window.controller.generation
    preset_actions(window)["seed"].trigger()
    assert window.controller.generation == generation + 1
    assert window.controller.config.regularization.lam == pytest.approx(0.3)
    assert find(window, QtWidgets.QDoubleSpinBox, "lambdaSpin").value() == pytest.approx(0.3)
    qtbot.waitUntil(lambda: state(window).snapshot is not None and state(window).step == 0, timeout=30000)
