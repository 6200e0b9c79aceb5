"""Sessions and the history scrubber in the whole window: a saved run comes back on every canvas
and trains on from its step; a bad file changes nothing; dragging the timeline replays a recorded
step (checked against the frames the trainer sent, and numpy's forward pass) and releasing it, or a
key, returns to live."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from regviz.core.network import forward

from window_helpers import find, run_steps, state


def dialog_text(win) -> str:
    return "\n".join(d.text() for d in win.findChildren(QtWidgets.QMessageBox, "errorDialog") if d.isVisible())


def close_dialogs(win) -> None:
    for dialog in win.findChildren(QtWidgets.QMessageBox, "errorDialog"):
        dialog.close()


def weight_matrices(win) -> list[np.ndarray]:
    return [np.array(p.matrix, copy=True) for p in win.weights_view.panels]


def fit_curves(win) -> list[np.ndarray]:
    return [np.array(c.getData()[1], copy=True) for c in win.fit_view.curves]


def drawn(qtbot, win) -> None:
    """Every canvas has drawn what the controller shows now."""
    controller = win.controller
    qtbot.waitUntil(lambda: controller._pending_setup is None, timeout=10000)
    controller.redraw()


class FrameLog:
    """The snapshots the trainer sent, by step: an oracle kept apart from the recorder under test."""

    def __init__(self, win):
        self.by_step = {}
        win.controller.worker.sigFrame.connect(self._on_frame)

    def _on_frame(self, frame) -> None:
        self.by_step[frame.snapshot.step] = frame.snapshot


# ---------------------------------------------------------------- save and open
def test_save_then_open_restores_every_canvas_and_start_continues(qtbot, window, tmp_path):
    run_steps(qtbot, window, 300)
    drawn(qtbot, window)
    saved_step = state(window).step
    weights, fit = weight_matrices(window), fit_curves(window)
    history = state(window).history
    rows = (np.array(history.x), np.array(history.count), np.array(history.mean("data")))
    members = state(window).members
    path = tmp_path / "lesson.json"
    assert window.sessions.save_file(str(path))
    assert json.loads(path.read_text())["schema"] == "regviz.session/1"

    window.controller.reset()  # something else on screen first
    qtbot.waitUntil(lambda: state(window).step == 0 and len(state(window).steps) == 0, timeout=30000)
    generation = window.controller.generation
    assert window.sessions.open_file(str(path))
    assert window.controller.generation == generation + 1 and "lesson" in window.windowTitle()
    restored = state(window)
    assert restored.step == saved_step and restored.members == members
    np.testing.assert_array_equal(restored.history.x, rows[0])
    np.testing.assert_array_equal(restored.history.count, rows[1])
    np.testing.assert_allclose(restored.history.mean("data"), rows[2], rtol=1e-8)
    drawn(qtbot, window)
    for before, after in zip(weights, weight_matrices(window)):
        np.testing.assert_array_equal(after, before)  # the same weights on the weights canvas
    for before, after in zip(fit, fit_curves(window)):
        np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9)  # and the same fit

    window.controller.start()  # Start goes on from the saved step
    qtbot.waitUntil(lambda: state(window).step >= saved_step + 100, timeout=60000)
    with qtbot.waitSignal(window.controller.worker.sigStateChanged, timeout=30000,
                          check_params_cb=lambda p: p[1] == "paused"):
        window.controller.pause()
    steps = state(window).steps
    after = steps[steps > saved_step]
    assert after[0] == saved_step + 1 and np.all(np.diff(after) == 1)  # no gap, nothing repeated
    assert steps[len(rows[0]) - 1] == saved_step


BAD_SESSIONS = {
    "truncated": lambda good: good[: len(good) // 2],
    "config": lambda good: json.dumps(json.loads(good)["config"]),
    "random": lambda good: '{"colour": "blue", "n": 3}',
    "newer": lambda good: good.replace('"regviz.session/1"', '"regviz.session/2"'),
    "shapes": lambda good: good.replace('"hidden_layers":[10,10,10]', '"hidden_layers":[10,10,12]'),
}


@pytest.mark.parametrize("name", sorted(BAD_SESSIONS))
def test_a_bad_session_gets_a_dialog_and_changes_nothing(qtbot, window, tmp_path, name):
    run_steps(qtbot, window, 20)
    good = tmp_path / "good.json"
    assert window.sessions.save_file(str(good))
    bad = tmp_path / f"{name}.json"
    bad.write_text(BAD_SESSIONS[name](good.read_text()))
    assert bad.read_text() != good.read_text()
    controller = window.controller
    before = (controller.config, controller.compare, controller.state, controller.generation, window.windowTitle())
    assert not window.sessions.open_file(str(bad))
    assert bad.name in dialog_text(window)
    close_dialogs(window)
    assert (controller.config, controller.compare, controller.state, controller.generation,
            window.windowTitle()) == before
    assert window.panel.config == controller.config
    run_steps(qtbot, window, 5)  # the run on screen goes on
    assert state(window).step == 25


def test_saving_into_a_missing_folder_says_so(qtbot, window, tmp_path):
    target = tmp_path / "nowhere" / "s.json"
    assert not window.sessions.save_file(str(target))
    assert "does not exist" in dialog_text(window)
    close_dialogs(window)
    assert not target.parent.exists()


def test_compare_mode_and_live_edits_come_back(qtbot, window, tmp_path):
    find(window, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    qtbot.waitUntil(lambda: state(window).setup.size == 2, timeout=30000)
    run_steps(qtbot, window, 40)
    find(window, QtWidgets.QDoubleSpinBox, "lambdaSpin").setValue(0.05)  # live, no reset
    run_steps(qtbot, window, 10)
    path = tmp_path / "compare.json"
    assert window.sessions.save_file(str(path))
    window.panel.compare_check.setChecked(False)
    qtbot.waitUntil(lambda: state(window).setup.size == 1, timeout=30000)
    assert window.sessions.open_file(str(path))
    assert window.controller.compare == ("l1", "l2") and window.panel.compare_check.isChecked()
    assert [m.lam for m in state(window).members] == [0.05, 0.05]
    assert window.panel.config == window.controller.config


# ---------------------------------------------------------------- the history scrubber
def test_dragging_the_scrubber_replays_an_early_step_and_release_returns_to_live(qtbot, window):
    frames = FrameLog(window)
    run_steps(qtbot, window, 400)
    drawn(qtbot, window)
    scrubber = find(window, QtWidgets.QSlider, "historyScrubber")
    label = find(window, QtWidgets.QLabel, "replayLabel")
    live_weights = weight_matrices(window)
    middle = scrubber.height() // 2
    qtbot.mousePress(scrubber, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(scrubber.width() // 10, middle))
    replay = window.controller.replay
    assert replay is not None and replay.step < 120
    shown = replay.step
    assert f"replaying step {shown:,}" in label.text()
    drawn(qtbot, window)
    marker = window.scrubber_bar.marker.line  # the loss canvas marks the replayed step
    assert marker.isVisible() and marker.value() == shown and marker.scene() is window.loss_view.graphics.scene()
    snap = frames.by_step.get(shown) or window.controller.state.recorder.entries[0].snapshot  # step 0: initial
    assert snap.step == shown
    for layer, matrix in enumerate(weight_matrices(window)):
        np.testing.assert_array_equal(matrix, snap.weights[layer][0])
    expected, _ = forward(snap, state(window).setup.activation, state(window).setup.fit_grid)
    np.testing.assert_allclose(fit_curves(window)[0], expected[0], rtol=1e-12)

    qtbot.mouseMove(scrubber, QtCore.QPoint(scrubber.width() // 2, middle))  # dragging further
    assert window.controller.replay.step > shown
    qtbot.mouseRelease(scrubber, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(scrubber.width() // 2, middle))
    assert window.controller.replay is None and label.text().startswith("live") and not marker.isVisible()
    drawn(qtbot, window)
    for before, after in zip(live_weights, weight_matrices(window)):
        np.testing.assert_array_equal(after, before)  # the newest frame again


def test_a_key_returns_to_live_and_training_goes_on_while_replaying(qtbot, window):
    run_steps(qtbot, window, 100)
    scrubber = window.scrubber
    window.controller.start()
    qtbot.mousePress(scrubber, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(1, scrubber.height() // 2))
    replayed = window.controller.replay.step
    reached = state(window).step
    qtbot.waitUntil(lambda: state(window).step > reached + 50, timeout=60000)  # training goes on
    drawn(qtbot, window)
    assert window.controller.replay.step == replayed  # the canvases still show the replayed step
    assert window.weights_view._rendered_version == window.controller.replay.version
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)
    assert window.controller.replay is None and not scrubber.dragging
    assert window.controller.running  # the key that ended the replay did nothing else
    qtbot.mouseRelease(scrubber, QtCore.Qt.MouseButton.LeftButton)  # the release after it is harmless
    assert window.controller.replay is None
    window.controller.pause()


def test_a_loaded_session_can_be_scrubbed(qtbot, window, tmp_path):
    run_steps(qtbot, window, 200)
    path = tmp_path / "s.json"
    assert window.sessions.save_file(str(path))
    recorded = state(window).recorder.steps
    window.controller.reset()
    assert window.sessions.open_file(str(path))
    assert state(window).recorder.steps == recorded  # the scrubber covers the session's steps
    assert window.scrubber.scrub_to_step(0) == 0
    drawn(qtbot, window)
    first = json.loads(path.read_text())["snapshots"][0]
    np.testing.assert_allclose(window.weights_view.panels[1].matrix, np.array(first["weights"][1][0]), rtol=1e-12)
    window.scrubber.return_to_live()
    assert window.controller.replay is None
