"""The loss canvas, fed by a real engine (no worker): curves equal the state's histories, smoothing
and log scale change what is drawn (and redraw a paused view), colours follow live changes, a
diverged model is marked, 100k-step histories stay bounded, zooming and following work, and the
exported image is a real picture."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtWidgets
from pyqtgraph.exporters import ImageExporter

from regviz.core.engine import EpochRecord
from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.core.records import EpochTable
from regviz.gui.session import METHOD_COLORS, LiveState, build_run, make_frame, member_label, smooth
from regviz.gui.plotmath import ENVELOPE_BUCKETS, MIN_COLUMNS, smoothing_window
from regviz.gui.views.loss_view import LOG_FLOOR, LossView


def _run(methods=("l1", "l2"), steps=200):
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, m, 0) for m in methods])
    state = LiveState(setup)
    state.apply(make_frame(engine, setup, 0, [engine.step(steps)]))
    return engine, setup, state


def _synthetic_history(engine, setup, steps: int, seed: int = 0) -> LiveState:
    """A real frame from the engine with a long made-up history (training 100k steps takes a minute)."""
    rng = np.random.default_rng(seed)
    frame = make_frame(engine, setup, 0, [engine.step(1)])
    k, per_epoch = setup.size, engine.steps_per_epoch
    data = np.abs(rng.normal(3.0, 2.0, (steps, k)))
    data[steps // 2, 0] = 500.0  # one spike: the envelope must keep it
    epochs = EpochTable.of([
        EpochRecord(s // per_epoch, s, np.abs(rng.normal(20.0, 5.0, k)), np.ones(k))
        for s in range(per_epoch, steps + 1, per_epoch)
    ], k)
    penalty = np.abs(rng.normal(1.0, 0.1, (steps, k)))
    state = LiveState(setup)
    state.apply(dataclasses.replace(frame, first_step=1, data_loss=data, penalty=penalty, epochs=epochs))
    state.raw = {"data": data, "total": data + penalty}  # what was fed in, before any merging
    return state


def _continue(state: LiveState, engine, setup, steps: int) -> None:
    """Train `steps` more and append them after the state's (possibly made-up) history."""
    frame = make_frame(engine, setup, 0, [engine.step(steps)])
    state.apply(dataclasses.replace(frame, first_step=int(state.steps[-1]) + 1,
                                     epochs=EpochTable.empty(setup.size)))


@pytest.fixture
def run():
    return _run()


@pytest.fixture
def view(qtbot):
    v = LossView()
    qtbot.addWidget(v)
    v.resize(800, 560)
    return v


def _pen_color(item) -> str:
    return pg.mkPen(item.opts["pen"]).color().name()


def _set(check: QtWidgets.QCheckBox, on: bool) -> None:
    check.setChecked(on)


def test_object_names_and_controls(view):
    assert view.objectName() == "lossCanvas"
    smooth_check = view.findChild(QtWidgets.QCheckBox, "lossSmoothCheck")
    log_check = view.findChild(QtWidgets.QCheckBox, "lossLogCheck")
    assert smooth_check is view.smooth_check and log_check is view.log_check
    in_controls = [view.controls.itemAt(i).widget() for i in range(view.controls.count())]
    assert smooth_check in in_controls and log_check in in_controls


def test_raw_curves_equal_the_state(view, run):
    _, setup, state = run
    view.set_setup(setup)
    _set(view.smooth_check, False)
    view.render(state)
    expected = {"total": state.total_loss, "data": state.data_loss, "penalty": state.penalty}
    for term, values in expected.items():
        assert len(view.curves[term]) == setup.size
        for k, curve in enumerate(view.curves[term]):
            x, y = curve.getData()
            np.testing.assert_array_equal(x, state.steps)
            np.testing.assert_array_equal(y, values[:, k])
    assert len(state.epoch_steps) == 5
    for k, (curve, markers) in enumerate(zip(view.error_curves, view.error_markers)):
        x, y = curve.getData()
        np.testing.assert_array_equal(x, state.epoch_steps)
        np.testing.assert_array_equal(y, state.test_error[:, k])
        assert markers.isVisible()
        np.testing.assert_array_equal(markers.getData()[1], state.test_error[:, k])
    # models by colour and dash pattern (recognisable without colour), terms by opacity and width
    assert [_pen_color(c) for c in view.curves["total"]] == [METHOD_COLORS["l1"], METHOD_COLORS["l2"]]
    assert view.curves["total"][0].opts["pen"].style() != view.curves["total"][1].opts["pen"].style()
    alphas = {term: view.curves[term][0].opts["pen"].color().alpha() for term in expected}
    assert alphas["data"] < alphas["total"] == alphas["penalty"]
    _set(view.smooth_check, True)
    view.render(state)
    assert view.curves["total"][0].opts["pen"].widthF() > view.curves["penalty"][0].opts["pen"].widthF()
    # the plots share the x axis
    assert view.error_plot.vb.linkedView(pg.ViewBox.XAxis) is view.loss_plot.vb


def test_legend_has_models_and_terms(view, run):
    _, setup, state = run
    view.set_setup(setup)
    view.render(state)
    texts = [label.text for _sample, label in view.legend.items]
    assert texts == [member_label(m) for m in setup.members] + ["total (thick)", "data term (faint)", "penalty (thin)"]


def test_smoothing_changes_the_plotted_data_and_redraws_when_paused(view, run):
    _, setup, state = run
    view.set_setup(setup)
    _set(view.smooth_check, False)
    assert view.render_if_changed(state) is True
    raw = view.curves["data"][0].getData()[1].copy()
    assert view.render_if_changed(state) is False  # nothing new: no redraw
    _set(view.smooth_check, True)
    assert view.render_if_changed(state) is True  # an option changed: redraw although paused
    smoothed = view.curves["data"][0].getData()[1]
    window = smoothing_window(setup)
    assert window == setup.dataset.n_train  # batch size 1: one epoch of steps
    np.testing.assert_allclose(smoothed, smooth(state.data_loss, window)[:, 0])
    assert not np.allclose(smoothed, raw)
    assert smoothed.std() < raw.std()
    total = view.curves["total"][1].getData()[1]
    np.testing.assert_allclose(total, smooth(state.total_loss, window)[:, 1])


def test_log_scale_sets_a_log_axis_and_copes_with_zeros(view):
    _, setup, state = _run(("l1", "none"))
    assert np.all(state.penalty[:, 1] == 0)  # no regulariser: a penalty of exactly 0
    view.set_setup(setup)
    _set(view.smooth_check, False)
    view.render_if_changed(state)
    _set(view.log_check, True)
    assert view.loss_plot.getAxis("left").logMode
    assert view.render_if_changed(state) is True
    for term, values in (("data", state.data_loss), ("penalty", state.penalty)):
        for k, curve in enumerate(view.curves[term]):
            y = curve.getData()[1]
            assert np.all(np.isfinite(y))
            np.testing.assert_allclose(y, np.log10(np.maximum(values[:, k], LOG_FLOOR)))
    # The identically-zero penalty of the unregularised model is not drawn at all.
    assert view.curves["penalty"][0].isVisible() and not view.curves["penalty"][1].isVisible()
    _set(view.log_check, False)
    assert not view.loss_plot.getAxis("left").logMode
    view.render_if_changed(state)
    np.testing.assert_array_equal(view.curves["data"][0].getData()[1], state.data_loss[:, 0])


def test_colours_and_labels_follow_a_live_method_change(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(state)
    engine.update_members([0], method="l2")
    state.apply(make_frame(engine, setup, 0, [engine.step(10)]))
    view.render(state)
    blue = METHOD_COLORS["l2"]
    assert all(_pen_color(view.curves[term][0]) == blue for term in ("total", "data", "penalty"))
    assert _pen_color(view.error_curves[0]) == blue
    assert view.legend.getLabel(view._model_keys[0]).text == member_label(state.members[0])


def test_a_diverged_model_is_marked(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(state)
    engine.update_members([1], learning_rate=1e3)
    state.apply(make_frame(engine, setup, 0, [engine.step(50)]))
    assert state.diverged.tolist() == [False, True]
    view.render(state)
    assert view.legend.getLabel(view._model_keys[1]).text.endswith("(diverged)")
    assert "(diverged)" not in view.legend.getLabel(view._model_keys[0]).text
    y = view.curves["data"][1].getData()[1]
    assert np.isnan(y[-1]) and np.isfinite(y[0])  # the history ends in a gap, it is not invented
    # Its last values are astronomical; the y range still fits the live model, and nothing drawn
    # is more than a few view heights off screen.
    assert np.nanmax(state.penalty[:, 1]) > 1e6
    live_max = max(np.nanmax(view.curves[term][0].getData()[1]) for term in ("total", "data", "penalty"))
    y0, y1 = view.loss_plot.vb.viewRange()[1]
    assert live_max <= y1 < 2 * live_max
    for term in ("total", "data", "penalty"):
        drawn = view.curves[term][1].getData()[1]
        assert np.nanmax(drawn) <= y1 + 20 * (y1 - y0)


def test_100k_step_history_renders_bounded_and_keeps_spikes(view, run):
    engine, setup, _ = run
    state = _synthetic_history(engine, setup, 100_000)
    view.set_setup(setup)
    _set(view.smooth_check, False)
    view.render(state)
    x, y = view.curves["data"][0].getData()
    assert len(x) <= 2 * ENVELOPE_BUCKETS + 2
    assert x[0] >= 1 and x[-1] <= 100_000
    assert state.history.n <= 16384 < 100_000  # older steps were merged...
    raw = state.raw
    assert y.max() == 500.0 and y.min() == raw["data"][:, 0].min()  # ...and the envelope keeps the extremes
    _, y_total = view.curves["total"][1].getData()
    assert y_total.max() == raw["total"][:, 1].max() and y_total.min() == raw["total"][:, 1].min()
    # the x axis follows the data with headroom; the test error has no markers at 2,500 epochs
    x0, x1 = view.loss_plot.vb.viewRange()[0]
    assert x0 == 0 and 100_000 < x1 <= 150_000
    assert len(state.epoch_steps) == 2500
    assert not any(m.isVisible() for m in view.error_markers)
    # smoothed, and after further frames, still bounded and current
    _set(view.smooth_check, True)
    for _ in range(3):
        _continue(state, engine, setup, 25)
        assert view.render_if_changed(state)
    assert state.steps[-1] == 100_075
    x, y = view.curves["total"][0].getData()
    assert len(x) <= 2 * ENVELOPE_BUCKETS + 2
    x0, x1 = view.loss_plot.vb.viewRange()[0]
    # the newest bucket is there: 2 pixel columns of the x range (smoothed), at least MIN_COLUMNS of them
    assert 100_075 - 2 * (x1 - x0) / MIN_COLUMNS < x[-1] <= 100_075
    tail = smooth(state.total_loss, 40)[state.steps >= x[-1], 0]  # the newest, partial bucket
    np.testing.assert_allclose(y[-2:], [tail.max(), tail.min()])


def test_zoom_stops_following_and_the_auto_button_resumes(view, run):
    engine, setup, _ = run
    state = _synthetic_history(engine, setup, 20_000)
    view.set_setup(setup)
    _set(view.smooth_check, False)
    view.render(state)
    assert view.following
    vb = view.loss_plot.vb
    vb.setXRange(15_000, 15_400, padding=0)  # recent steps: kept at full resolution
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])  # what a mouse zoom emits
    assert not view.following
    x, y = view.curves["data"][0].getData()  # the steps in view, at full resolution
    assert x[0] <= 15_000 <= 15_400 <= x[-1] and len(x) < 420
    np.testing.assert_array_equal(y, state.raw["data"][x.astype(int) - 1, 0])
    assert all(m.isVisible() for m in view.error_markers)  # ten epochs in view: markers again
    _continue(state, engine, setup, 40)
    view.render(state)
    assert vb.viewRange()[0] == [15_000, 15_400]  # new data does not move a zoomed view
    view.loss_plot.autoBtnClicked()  # pyqtgraph's "A" button
    assert view.following
    assert vb.viewRange()[0][1] > state.steps[-1]


def test_clicking_legend_entries_hides_a_model_or_a_term(view, run):
    _, setup, state = run
    view.set_setup(setup)
    view.render(state)
    model_key, penalty_key = view._model_keys[1], view._term_keys[2]
    model_key.setVisible(False)  # what a click on its legend sample does, then the legend signals
    view.legend.sigSampleClicked.emit(model_key)
    assert not any(view.curves[t][1].isVisible() for t in ("total", "data", "penalty"))
    assert not view.error_curves[1].isVisible()
    assert view.curves["total"][0].isVisible()
    penalty_key.setVisible(False)
    view.legend.sigSampleClicked.emit(penalty_key)
    assert not view.curves["penalty"][0].isVisible() and view.curves["data"][0].isVisible()


def test_a_new_state_starts_over(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(_synthetic_history(engine, setup, 5_000))
    fresh = LiveState(setup)  # e.g. after a reset with the same set-up
    fresh.apply(make_frame(engine, setup, 0, [engine.step(80)]))
    view.render(fresh)
    x, y = view.curves["data"][0].getData()
    np.testing.assert_array_equal(x, fresh.steps)
    np.testing.assert_allclose(y, smooth(fresh.data_loss, smoothing_window(setup))[:, 0])


def test_exported_image_is_a_real_picture(qtbot, view, run):
    engine, setup, state = run
    state.apply(make_frame(engine, setup, 0, [engine.step(800)]))
    view.set_setup(setup)
    view.show()
    qtbot.waitExposed(view)
    view.render(state)
    image = ImageExporter(view.export_item()).export(toBytes=True)
    assert image.width() > 300 and image.height() > 300
    rgba = image.convertToFormat(image.Format.Format_RGBA8888)  # bytes R, G, B, A; keep it alive
    pixels = pg.functions.ndarray_from_qimage(rgba)[..., :3].reshape(-1, 3).copy()
    assert len(np.unique(pixels, axis=0)) > 50
    for method in ("l1", "l2"):
        rgb = [int(METHOD_COLORS[method][i : i + 2], 16) for i in (1, 3, 5)]
        assert (pixels == rgb).all(axis=1).sum() > 100


def test_a_state_without_frames_draws_nothing_and_does_not_fail(view, run):
    _, setup, _ = run
    empty = LiveState(setup)  # right after a reset, before the first frame
    view.set_setup(setup)
    for smoothing in (True, False):
        _set(view.smooth_check, smoothing)
        view.render(empty)
        assert all(len(c.getData()[0]) == 0 for c in view.curves["total"] + view.error_curves)


def test_axes_do_not_move_every_frame(view, run):
    engine, setup, _ = run
    state = _synthetic_history(engine, setup, 20_000)
    view.set_setup(setup)
    view.render(state)
    moves = []
    view.loss_plot.vb.sigRangeChanged.connect(lambda *args: moves.append(args))
    view.error_plot.vb.sigRangeChanged.connect(lambda *args: moves.append(args))
    for _ in range(20):  # 20 frames of new steps well inside the current ranges
        _continue(state, engine, setup, 20)
        view.render(state)
    assert moves == []
    assert view.loss_plot.vb.viewRange()[0][1] > state.steps[-1]


def test_a_new_run_with_as_many_models_reuses_the_curves_emptied(view, run):
    _, setup, state = run
    view.render(state)
    curves = [c for cs in view.curves.values() for c in cs]
    assert len(curves[0].getData()[0]) > 0
    engine, setup2, fresh = _run(("l1", "none"), steps=0)
    view.render(fresh)
    assert [c for cs in view.curves.values() for c in cs] == curves
    assert all(c.getData()[0] is None or len(c.getData()[0]) == 0 for c in curves)
    assert _pen_color(view.curves["total"][1]) == METHOD_COLORS["none"]
    assert view.legend.getLabel(view._model_keys[1]).text == member_label(setup2.members[1])
    fresh.apply(make_frame(engine, setup2, 0, [engine.step(30)]))
    view.render(fresh)
    _set(view.smooth_check, False)
    np.testing.assert_array_equal(view.curves["data"][1].getData()[1], fresh.data_loss[:, 1])


def test_curves_have_at_most_two_points_per_pixel_and_dense_ones_are_drawn_thin(qtbot, view, run):
    engine, setup, short = run
    view.show()
    qtbot.waitExposed(view)
    view.set_setup(setup)
    view.render(short)  # 20 epochs: the test error in its own 1.5-px, antialiased pen
    pen = view.error_curves[0].opts["pen"]
    assert pen.widthF() == 1.5 and view.error_curves[0].opts["antialias"]
    state = _synthetic_history(engine, setup, 100_000)
    _set(view.smooth_check, False)
    view.render(state)
    pixels = view.loss_plot.vb.width()
    assert 100 < pixels < 800
    x, _ = view.curves["data"][0].getData()
    assert len(x) <= 2 * pixels + 2 and np.all(np.diff(x) >= 0)
    _set(view.smooth_check, True)  # smoothed curves: buckets of two pixels
    assert len(view.curves["total"][0].getData()[0]) <= pixels + 2
    # 2,500 epochs in a few hundred pixels: a zig-zag, drawn 1 px wide without antialiasing
    for curve in view.error_curves:
        assert curve.opts["pen"].widthF() == 1.0 and curve.opts["pen"].isCosmetic()
        assert not curve.opts["antialias"]
        assert len(curve.getData()[0]) <= 2 * pixels + 2
    assert _pen_color(view.error_curves[1]) == METHOD_COLORS["l2"].lower()
