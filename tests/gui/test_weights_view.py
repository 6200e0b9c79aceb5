"""The weights canvas, fed by a real engine (no worker): heatmaps equal the snapshot, the colour
scale never moves, titles show sparsity, disconnected neurons are marked, hover reads a cell."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets
from pyqtgraph import functions as fn
from pyqtgraph.exporters import ImageExporter

from regviz.core import analysis
from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui.session import METHOD_COLORS, LiveState, build_run, make_frame, member_label
from regviz.gui.views.weights_view import WeightsView
from regviz.gui.weights_math import weight_level

from layout_check import text_problems


def _run(methods=("l1", "l2"), steps=2000, **changes):
    cfg = load_preset("seed")
    if changes:
        cfg = cfg.replace(**changes)
    engine, setup = build_run(cfg, [member(cfg, m, 0) for m in methods])
    state = LiveState(setup)
    state.apply(make_frame(engine, setup, 0, [engine.step(steps)]))
    return engine, setup, state


@pytest.fixture(scope="module")
def pair():
    """L1 vs L2 on the seed preset after 2000 steps (read-only: tests that train further make their own)."""
    return _run()


@pytest.fixture
def view(qtbot, pair):
    _, setup, state = pair
    v = WeightsView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.set_setup(setup)
    v.render(state)
    return v


def _percent(text: str) -> float:
    return float(re.search(r"(\d+)% off", text).group(1))


def test_object_name_and_one_panel_per_matrix(view, pair):
    _, setup, _ = pair
    assert view.objectName() == "weightsCanvas"
    assert len(view.models) == 2
    assert all(len(m.panels) == 4 for m in view.models)  # the article's 2x2 grid per model


def test_images_equal_the_snapshot_matrices(view, pair):
    _, _, state = pair
    for k in range(2):
        for l, w in enumerate(state.snapshot.weights):
            image = view.panel(k, l).image
            # row-major ImageItems: image[i, j] is W[i, j] (rows = input neuron), no transpose
            assert image.axisOrder == "row-major"
            np.testing.assert_array_equal(image.image, w[k])
            assert image.image.shape == w[k].shape
            # drawn cell (i, j) at x in [j, j+1], y in [i, i+1]: columns across, rows down
            assert image.pos() == QtCore.QPointF(0, 0)
            assert image.boundingRect() == QtCore.QRectF(0, 0, w.shape[2], w.shape[1])
            assert view.panel(k, l).plot.vb.yInverted()


def test_levels_fixed_symmetric_and_one_colour_bar_across_frames(qtbot, pair):
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, "l1", 0), member(cfg, "l2", 0)])
    state = LiveState(setup)
    v = WeightsView()
    qtbot.addWidget(v)
    v.set_setup(setup)
    level = weight_level(setup.layer_sizes)
    assert level == pytest.approx(0.8)  # the largest Xavier bound sqrt(6/11) = 0.739, rounded up
    seen = []
    for _ in range(4):
        state.apply(make_frame(engine, setup, 0, [engine.step(300)]))
        v.render(state)
        seen.append([tuple(img.getLevels()) for img in v.images] + [tuple(v.colorbar.levels())])
    assert all(levels == (-level, level) for frame in seen for levels in frame)
    # the images really changed between frames, the scale did not
    np.testing.assert_array_equal(v.panel(0, 1).image.image, state.snapshot.weights[1][0])
    # one colour bar controls every heatmap, with a white middle (0 = off)
    assert sum(isinstance(item, type(v.colorbar)) for item in v.graphics.scene().items()) == 1
    assert len(v.colorbar.img_list) == 8
    white = v.colormap.map(0.5, mode="byte")
    assert tuple(int(c) for c in white[:3]) == (255, 255, 255)
    # |w| = 0.01 maps to almost white: each channel within 3 % of 255
    near_zero = v.colormap.map(0.5 + 0.01 / (2 * level), mode="byte")
    assert min(int(c) for c in near_zero[:3]) > 247


def test_off_weights_are_drawn_white_and_strong_ones_saturated(view, pair):
    _, _, state = pair
    w = state.snapshot.weights[2][0]  # L1, layer 3: one live weight, the rest off
    image = view.panel(0, 2).image
    image.render()
    colour = lambda i, j: image.qimage.pixelColor(int(j), int(i)).getRgb()[:3]  # noqa: E731
    off = np.argwhere(np.abs(w) < analysis.SPARSITY_THRESHOLD)
    assert len(off) > 90
    for i, j in off:
        assert min(colour(i, j)) >= 245  # white, within a few units
    i, j = np.unravel_index(np.argmax(np.abs(w)), w.shape)
    r, g, b = colour(i, j)
    assert abs(w[i, j]) > view.level  # beyond the scale: full colour of its sign
    assert (b > 60 and r < 20) if w[i, j] < 0 else (r > 90 and b < 40)


def test_titles_show_shape_and_sparsity(view, pair):
    _, _, state = pair
    l1_weights = [w[0] for w in state.snapshot.weights]
    l2_weights = [w[1] for w in state.snapshot.weights]
    l1 = _percent(view.models[0].title.text)
    l2 = _percent(view.models[1].title.text)
    assert l1 > 90.0
    assert l2 < 50.0 and l1 - l2 > 40.0
    assert l1 == round(100 * analysis.sparsity(l1_weights))
    assert l2 == round(100 * analysis.sparsity(l2_weights))
    for k, weights in enumerate((l1_weights, l2_weights)):
        for l, w in enumerate(weights):
            heading = view.panel(k, l).heading.text
            assert f"W{l + 1}" in heading and f"{w.shape[0]}×{w.shape[1]}" in heading
            expected = 100 * np.mean(np.abs(w) < analysis.SPARSITY_THRESHOLD)
            assert _percent(heading) == pytest.approx(expected, abs=0.5)


def test_model_titles_in_member_colours(view, pair):
    _, setup, state = pair
    for model, spec in zip(view.models, state.members):
        assert model.title.text.startswith(member_label(spec))
        assert model.title.opts["color"] == METHOD_COLORS[spec.method]
    assert "disconnected" in view.models[0].title.text


def test_disconnected_neurons_marked_on_column_in_and_row_out(view, pair):
    _, _, state = pair
    for k in range(2):
        weights = [w[k] for w in state.snapshot.weights]
        dead = analysis.disconnected_neurons(weights)
        for l, panel in enumerate(view.models[k].panels):
            cols = dead[l] if l < len(dead) else []
            rows = dead[l - 1] if l >= 1 else []
            assert panel.marked == (tuple(rows), tuple(cols))
            xs, ys = panel.markers.data["x"], panel.markers.data["y"]
            assert len(xs) == len(rows) + len(cols)
            above = ys < 0  # column markers sit above the matrix (row 0 is at the top)
            assert sorted(xs[above] - 0.5) == pytest.approx(sorted(cols))
            assert sorted(ys[~above] - 0.5) == pytest.approx(sorted(rows))
    l1_dead = analysis.disconnected_neurons([w[0] for w in state.snapshot.weights])
    assert sum(len(d) for d in l1_dead) >= 20  # L1 switches most hidden neurons off
    assert f"{sum(len(d) for d in l1_dead)}/30" in view.models[0].title.text


def test_markers_follow_the_weights_in_place(qtbot):
    engine, setup, state = _run(methods=("l1",), steps=10)
    v = WeightsView()
    qtbot.addWidget(v)
    v.set_setup(setup)
    v.render(state)
    items_before = list(v.panel(0, 1).plot.vb.addedItems)
    marked_before = v.panel(0, 1).marked
    state.apply(make_frame(engine, setup, 0, [engine.step(2500)]))
    v.render(state)
    assert v.panel(0, 1).plot.vb.addedItems == items_before  # nothing created per frame
    assert v.panel(0, 1).marked != marked_before
    dead = analysis.disconnected_neurons([w[0] for w in state.snapshot.weights])
    assert v.panel(0, 1).marked == (tuple(dead[0]), tuple(dead[1]))


def test_describe_at_reads_the_cell_under_the_mouse(qtbot, view, pair):
    _, _, state = pair
    view.show()
    qtbot.waitExposed(view)
    w = state.snapshot.weights[1][0]  # L1, layer 2
    i, j = np.unravel_index(np.argmax(np.abs(w)), w.shape)  # the one live weight
    panel = view.panel(0, 1)
    scene_pos = panel.plot.vb.mapViewToScene(QtCore.QPointF(j + 0.5, i + 0.5))
    assert panel.plot.vb.sceneBoundingRect().contains(scene_pos)
    text = view.describe_at(scene_pos)
    assert text is not None
    assert text.startswith(f"layer 2, w[{i},{j}] = {w[i, j]:+.4f}")
    assert "L1" in text  # compare mode names the model
    # an "off" weight says so
    off = view.describe_at(panel.plot.vb.mapViewToScene(QtCore.QPointF(0.5, 0.5)))
    assert "w[0,0] = " in off and ("off" in off or "exact zero" in off)
    # L2's W4 (10x1): row 7
    w4 = state.snapshot.weights[3][1]
    text = view.describe_at(view.panel(1, 3).plot.vb.mapViewToScene(QtCore.QPointF(0.5, 7.5)))
    assert text.startswith(f"layer 4, w[7,0] = {w4[7, 0]:+.4f}")
    # outside every matrix: nothing
    assert view.describe_at(view.colorbar.sceneBoundingRect().center()) is None
    margin = panel.plot.vb.mapViewToScene(QtCore.QPointF(-panel.margins[0] / 2, 3.5))
    assert view.describe_at(margin) is None
    # the scene's mouse signal drives the hover label and the tooltip
    view.graphics.scene().sigMouseMoved.emit(scene_pos)
    assert view.hover_label.text().startswith(f"layer 2, w[{i},{j}] = {w[i, j]:+.4f}")
    assert view.graphics.toolTip().startswith(f"layer 2, w[{i},{j}] = {w[i, j]:+.4f}")
    off_pos = panel.plot.vb.mapViewToScene(QtCore.QPointF(0.5, 0.5))
    view.graphics.scene().sigMouseMoved.emit(off_pos)
    assert view.graphics.toolTip() == off
    if "off" in off:
        assert "|w| < 0.01" in view.hover_label.text()  # shown as plain text, not taken for HTML


def test_hover_follows_the_training_under_a_still_mouse(qtbot):
    engine, setup, state = _run(methods=("l2",), steps=10)
    v = WeightsView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.set_setup(setup)
    v.render(state)
    v.show()
    qtbot.waitExposed(v)
    pos = v.panel(0, 1).plot.vb.mapViewToScene(QtCore.QPointF(2.5, 4.5))
    v.graphics.scene().sigMouseMoved.emit(pos)
    before = v.hover_label.text()
    assert before.startswith(f"layer 2, w[4,2] = {state.snapshot.weights[1][0][4, 2]:+.4f}")
    state.apply(make_frame(engine, setup, 0, [engine.step(500)]))
    v.render(state)
    assert v.hover_label.text().startswith(f"layer 2, w[4,2] = {state.snapshot.weights[1][0][4, 2]:+.4f}")
    assert v.hover_label.text() != before


def test_arbitrary_layer_sizes_and_four_models(qtbot):
    methods = ("l1", "l2", "none", "elasticnet")
    engine, setup, state = _run(methods=methods, steps=300, **{"model.hidden_layers": (3, 7)})
    v = WeightsView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.set_setup(setup)
    v.render(state)
    assert [m.label for m in v.models] == [member_label(s) for s in setup.members]
    for k in range(4):
        shapes = [p.image.image.shape for p in v.models[k].panels]
        assert shapes == [(1, 3), (3, 7), (7, 1)]
        for l, w in enumerate(state.snapshot.weights):
            np.testing.assert_array_equal(v.panel(k, l).image.image, w[k])
    assert v.level == pytest.approx(1.3)  # sqrt(6/4) = 1.22 rounded up
    v.show()
    qtbot.waitExposed(v)
    # four grids and the colour bar fit a 900-pixel-wide window, with readable cells
    assert v.colorbar.sceneBoundingRect().right() <= v.graphics.width() + 1
    assert min(min(p.cell_px) for p in v.panels) >= 7.5


def test_narrow_canvas_wraps_its_texts_instead_of_overflowing(qtbot, pair):
    _, setup, state = pair
    v = WeightsView()
    qtbot.addWidget(v)
    v.resize(1400, 700)
    v.set_setup(setup)
    v.render(state)
    v.show()
    qtbot.waitExposed(v)
    for width in (1400, 560, 300):  # texts wrap onto more lines; nothing is cut or overlaps
        v.resize(width, 420)
        qtbot.waitUntil(lambda: v.graphics.width() <= width and text_problems(v) == [], timeout=10000)
        v.render(state)
    assert "hidden neurons disconnected" in v.models[0].title.text


def test_models_that_do_not_fit_are_picked_not_shrunk(qtbot):
    _, setup, state = _run(methods=("l1", "l2", "none", "elasticnet"), steps=50)
    v = WeightsView()
    qtbot.addWidget(v)
    v.resize(520, 360)  # a quarter of a 1280x720 window
    v.set_setup(setup)
    v.render(state)
    v.show()
    qtbot.waitExposed(v)
    # the canvas checks the cells it really got and shows fewer models until they are readable
    qtbot.waitUntil(lambda: min(min(p.cell_px) for p in v.panels) >= 7.45, timeout=10000)
    assert 1 <= len(v.models) < 4 and v.shown == list(range(len(v.models)))  # L1 first, then L2
    assert v.show_label.isVisible() and len(v.show_buttons) == 4
    v.show_buttons[3].setChecked(True)  # pick elastic net: it takes the place of the longest shown
    qtbot.waitUntil(lambda: 3 in v.shown, timeout=10000)
    v.render(state)
    last = next(m for m in v.models if m.index == 3)
    np.testing.assert_array_equal(last.panels[1].image.image, state.snapshot.weights[1][3])
    v.resize(1800, 900)  # room for all four: no choice needed
    qtbot.waitUntil(lambda: v.shown == [0, 1, 2, 3], timeout=10000)
    assert not v.show_label.isVisible()


def test_diverged_model_is_flagged_and_drawn(qtbot, pair):
    engine, setup, state = pair
    frame = make_frame(engine, setup, 0)
    weights = tuple(w.copy() for w in frame.snapshot.weights)
    weights[1][1, 0, 0] = np.nan
    snap = dataclasses.replace(frame.snapshot, weights=weights, diverged=np.array([False, True]))
    bad = LiveState(setup)
    bad.apply(dataclasses.replace(frame, snapshot=snap))
    v = WeightsView()
    qtbot.addWidget(v)
    v.set_setup(setup)
    v.render(bad)
    assert "diverged" in v.models[1].title.text
    assert "diverged" not in v.models[0].title.text
    assert np.isfinite(v.panel(1, 1).image.image).all()


def test_render_if_changed_skips_an_unchanged_state(view, pair):
    _, _, state = pair
    view.invalidate()
    assert view.render_if_changed(state) is True
    assert view.render_if_changed(state) is False


def test_export_is_a_real_picture(qtbot, view):
    view.show()
    qtbot.waitExposed(view)
    image = ImageExporter(view.export_item()).export(toBytes=True)
    assert not image.isNull() and image.width() > 400
    pixels = fn.ndarray_from_qimage(image)[..., :3].reshape(-1, 3)
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 50
    # both ends of the scale appear: strong reds and strong blues
    red = (pixels[:, 0] > 150) & (pixels[:, 2] < 80)
    blue = (pixels[:, 2] > 100) & (pixels[:, 0] < 60)
    assert red.sum() > 100 and blue.sum() > 100


def test_a_new_run_rebuilds_the_grid(qtbot, pair):
    _, setup, state = pair
    v = WeightsView()
    qtbot.addWidget(v)
    v.render(state)  # render builds the items for a setup it has not seen
    assert len(v.models) == 2
    _, single, single_state = _run(methods=("l2",), steps=20, **{"model.hidden_layers": (5,)})
    v.render(single_state)
    assert len(v.models) == 1 and [p.shape for p in v.panels] == [(1, 5), (5, 1)]
    assert sum(isinstance(item, type(v.colorbar)) for item in v.graphics.scene().items()) == 1
    assert len(v.colorbar.img_list) == 2


def test_a_new_run_of_the_same_shape_reuses_the_panels(qtbot, view, pair):
    panels, colorbar = list(view.panels), view.colorbar
    assert any(p.marked != ((), ()) for p in panels)  # the trained L1 net has marked neurons
    engine, setup, state = _run(steps=0, **{"regularization.lam": 0.07, "training.seed": 3})
    view.render(state)
    assert view.panels == panels and view.colorbar is colorbar  # the same items, refilled
    assert all(p.marked == ((), ()) for p in view.panels)
    assert "λ=0.07" in view.models[0].title.text and "% off" in view.models[0].title.text
    for panel, w in zip(view.panels[:4], state.snapshot.weights):
        np.testing.assert_array_equal(panel.image.image, w[0])  # the new run's initial weights


def test_the_colour_bar_reads_weights_as_they_are(qtbot, pair):
    """A tall canvas puts the bar beside the heatmaps; its ticks are weights, so its label must not
    gain an SI scale such as '(x0.001)' that would make ±0.8 read as ±0.0008."""
    _, setup, state = pair
    v = WeightsView()
    qtbot.addWidget(v)
    v.resize(800, 500)
    v.set_setup(setup)
    v.render(state)
    v.show()
    qtbot.waitExposed(v)
    QtWidgets.QApplication.processEvents()
    axis = v.colorbar.axis
    assert not axis.autoSIPrefix
    assert "x0" not in axis.labelString() and "×" not in axis.labelString()
