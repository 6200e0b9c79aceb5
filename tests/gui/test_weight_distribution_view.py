"""The weights canvas's "over time" mode, driven through its objectNames: the histogram columns it
draws, the chatter band, the log scale, themes, export, and room at 1280x720."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from layout_check import text_problems, widget_problems
from regviz.gui.style import DARK, LIGHT
from regviz.gui.weight_distribution import symlog
from regviz.gui.weights_math import weight_level
from window_helpers import find, run_steps


def over_time(qtbot, window):
    qtbot.mouseClick(find(window, QtWidgets.QToolButton, "weightsOverTimeButton"), QtCore.Qt.MouseButton.LeftButton)
    view = window.weight_distribution_view
    assert window.weights_stack.currentWidget() is view and not view.isHidden()
    assert window.weights_view.isHidden()
    return view


def drawn(window, view):
    window.controller.redraw()
    return view.models


def test_the_newest_column_is_the_histogram_of_the_weights_on_screen(qtbot, window):
    view = over_time(qtbot, window)
    run_steps(qtbot, window, 300)
    window.controller.pause()
    state = window.controller.state
    [model] = drawn(window, view)
    rgba = model.image.image
    assert rgba.ndim == 3 and rgba.shape[2] == 4
    # the oracle: 60 equal bins over +-2L, counted by hand from the snapshot's weights
    limit = 2 * weight_level(state.setup.layer_sizes)
    weights = np.concatenate([w[0].ravel() for w in state.snapshot.weights])
    counts = np.zeros(60, int)
    for w in weights:
        counts[min(59, max(0, int(np.floor((min(max(w, -limit), limit) + limit) / (2 * limit) * 60))))] += 1
    # the drawn image's rows run upward over the bins; its last column is the newest moment
    newest = rgba[-1]
    assert np.array_equal(newest[:, 3] > 0, counts > 0)  # empty bins are see-through, the others are not
    fullest = int(np.argmax(counts))
    assert np.array_equal(newest[fullest], view.colormap.map(
        [(np.log10(counts[fullest] / len(weights)) + 3) / 3], mode="byte")[0])
    # the x axis runs over the steps recorded so far
    x_low, x_high = model.plot.vb.viewRange()[0]
    assert x_low == pytest.approx(0) and x_high == pytest.approx(state.step)


def test_chatter_band_at_lr_lambda_under_subgradient_and_gone_under_proximal(qtbot, window):
    view = over_time(qtbot, window)
    config = window.controller.config
    lr, lam = config.training.learning_rate, config.regularization.lam
    assert config.regularization.method == "l1" and config.regularization.l1_rule == "subgradient"
    [model] = drawn(window, view)
    assert all(line.isVisible() for line in model.band)
    assert sorted(line.value() for line in model.band) == pytest.approx([-lr * lam, lr * lam])
    assert "dashes ±" in model.text and "chatter" in view.caption.text
    find(window, QtWidgets.QCheckBox, "weightDistributionLogCheck").setChecked(True)
    [model] = drawn(window, view)
    assert sorted(line.value() for line in model.band) == pytest.approx([-symlog(lr * lam), symlog(lr * lam)])
    assert symlog(lr * lam) == pytest.approx(0.25 + np.log10(lr * lam / 1e-4))
    assert view.figure_title().endswith("(log scale near 0)")
    window.controller.reset(config.replace(**{"regularization.l1_rule": "proximal"}))
    qtbot.waitUntil(lambda: window.controller.state.members[0].l1_rule == "proximal", timeout=20000)
    [model] = drawn(window, view)
    assert not any(line.isVisible() for line in model.band)
    assert "chatter" not in view.caption.text


def test_compare_gives_every_model_its_plot_and_text_fits_at_1280x720(qtbot, window):
    window.resize(1280, 720)
    window.controller.set_compare(("l1", "l2", "none", "elasticnet"))
    view = over_time(qtbot, window)
    run_steps(qtbot, window, 50)
    for theme in (LIGHT, DARK):
        window.presentation.apply(theme)
        qtbot.waitUntil(lambda: len(drawn(window, view)) == 4, timeout=10000)
        QtWidgets.QApplication.processEvents()
        assert [m.title.text.split(" ·")[0] for m in view.models][:2] == ["L1 λ=0.3", "L2 λ=0.3"]
        assert text_problems(view) == [] and widget_problems(view) == []
    window.presentation.apply(LIGHT)


def test_export_shows_the_mode_on_screen(qtbot, window, tmp_path):
    view = over_time(qtbot, window)
    run_steps(qtbot, window, 100)
    png = tmp_path / "distribution.png"
    assert window.export_canvas(view, str(png))
    image = QtGui.QImage(str(png))
    assert not image.isNull() and len({image.pixel(x, y) for x in range(0, image.width(), 7)
                                       for y in range(0, image.height(), 7)}) > 20
    (tmp_path / "all").mkdir()
    names = [p.name for p in window.export_all(str(tmp_path / "all"))]
    assert any("weight-distribution" in n for n in names) and not any("-weights-" in n for n in names)
    qtbot.mouseClick(find(window, QtWidgets.QToolButton, "weightsHeatmapsButton"), QtCore.Qt.MouseButton.LeftButton)
    assert window.weights_stack.currentWidget() is window.weights_view



def test_replaying_a_step_draws_the_history_up_to_it(qtbot, window):
    view = over_time(qtbot, window)
    run_steps(qtbot, window, 400)
    window.controller.pause()
    live_step = window.controller.state.step
    shown = window.controller.replay_step(150, nearest=False)
    assert 0 < shown <= 150
    [model] = drawn(window, view)
    rect = model.image.boundingRect()
    right = model.image.mapRectToParent(rect).right()
    assert right == pytest.approx(shown)  # nothing after the replayed step leaks in
    assert model.plot.vb.viewRange()[0][1] == pytest.approx(live_step)  # the axis still spans the run
    window.controller.end_replay()
    [model] = drawn(window, view)
    assert model.image.mapRectToParent(model.image.boundingRect()).right() == pytest.approx(live_step)
