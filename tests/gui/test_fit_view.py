"""The fit canvas, fed by a real engine (no worker): the points and curves equal the state's arrays,
colours and labels follow live hyper-parameter changes, a diverged model is marked, the view range
stays put, and the exported image is a real picture."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore
from pyqtgraph.exporters import ImageExporter

from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui.session import METHOD_COLORS, LiveState, build_run, make_frame, member_label
from regviz.gui.style import LIGHT
from regviz.gui.views.fit_view import FitView

DIVERGED_COLOR = LIGHT.diverged


def _run(methods=("l1", "l2"), steps=200):
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, m, 0) for m in methods])
    state = LiveState(setup)
    state.apply(make_frame(engine, setup, 0, [engine.step(steps)]))
    return engine, setup, state


@pytest.fixture
def run():
    return _run()


@pytest.fixture
def view(qtbot):
    v = FitView()
    qtbot.addWidget(v)
    v.resize(800, 520)
    return v


def _pen_color(item) -> str:
    return pg.mkPen(item.opts["pen"]).color().name()


def _legend_texts(view) -> list[str]:
    return [label.text for _sample, label in view.legend.items]


def test_object_name(view):
    assert view.objectName() == "fitCanvas"


def test_points_and_clean_line_equal_the_dataset(view, run):
    _, setup, state = run
    view.set_setup(setup)
    view.render(state)
    ds = setup.dataset
    x, y = view.train_points.getData()
    np.testing.assert_array_equal(x, ds.x_train)
    np.testing.assert_array_equal(y, ds.y_train)
    x, y = view.test_points.getData()
    np.testing.assert_array_equal(x, ds.x_test)
    np.testing.assert_array_equal(y, ds.y_test)
    assert view.train_points.opts["symbol"] != view.test_points.opts["symbol"]
    # Outliers: every marked point is ringed, and only those.
    x, y = view.outlier_points.getData()
    assert len(x) == ds.outlier_train.sum() + ds.outlier_test.sum() > 0
    np.testing.assert_array_equal(x[: ds.outlier_train.sum()], ds.x_train[ds.outlier_train])
    np.testing.assert_array_equal(y[: ds.outlier_train.sum()], ds.y_train[ds.outlier_train])
    assert view.outlier_points.opts["symbolBrush"] is None  # a ring, not a dot
    assert pg.mkPen(view.outlier_points.opts["symbolPen"]).color().name() == LIGHT.outlier
    # The clean line y = slope x + intercept, dashed.
    x, y = view.clean_line.getData()
    np.testing.assert_allclose(y, ds.clean_slope * x + ds.clean_intercept)
    assert view.clean_line.opts["pen"].style() == QtCore.Qt.PenStyle.CustomDashLine  # long dashes, no model's
    assert {"train points", "test points", "outliers", "clean line"} <= set(_legend_texts(view))
    assert view.plot.getAxis("bottom").labelText == "x"
    assert view.plot.getAxis("left").labelText == "y"


def test_prediction_curves_equal_the_state(view, run):
    _, setup, state = run
    view.set_setup(setup)
    view.render(state)
    assert len(view.curves) == setup.size == 2
    for k, curve in enumerate(view.curves):
        x, y = curve.getData()
        np.testing.assert_array_equal(x, setup.fit_grid)
        np.testing.assert_array_equal(y, state.prediction[k])
        assert _pen_color(curve) == METHOD_COLORS[state.members[k].method]
        assert view.legend.getLabel(curve).text == member_label(state.members[k])


def test_curves_follow_each_new_frame(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(state)
    before = view.curves[0].getData()[1].copy()
    state.apply(make_frame(engine, setup, 0, [engine.step(400)]))
    view.render(state)
    after = view.curves[0].getData()[1]
    np.testing.assert_array_equal(after, state.prediction[0])
    assert not np.array_equal(before, after)


def test_view_range_is_fixed_from_the_data(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(state)
    vb = view.plot.vb
    assert vb.autoRangeEnabled() == [False, False]
    (x0, x1), (y0, y1) = vb.viewRange()
    ds = setup.dataset
    assert x0 <= ds.x_range[0] and x1 >= ds.x_range[1]
    for y in (ds.y_train, ds.y_test):
        assert y0 < y.min() and y1 > y.max()
    state.apply(make_frame(engine, setup, 0, [engine.step(300)]))
    view.render(state)
    assert vb.viewRange() == [[x0, x1], [y0, y1]]
    vb.setRange(xRange=(2, 3), yRange=(4, 5), padding=0)  # the user zooms in
    view.plot.autoBtnClicked()  # pyqtgraph's "A" button: back to the data's range, not autorange
    assert vb.viewRange() == [[x0, x1], [y0, y1]]
    assert vb.autoRangeEnabled() == [False, False]


def test_colours_and_labels_follow_a_live_method_change(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(state)
    assert _pen_color(view.curves[0]) == METHOD_COLORS["l1"]
    engine.update_members([0], method="l2")
    state.apply(make_frame(engine, setup, 0, [engine.step(10)]))
    assert state.members[0].method == "l2"
    view.render(state)
    assert _pen_color(view.curves[0]) == METHOD_COLORS["l2"]
    assert view.legend.getLabel(view.curves[0]).text == member_label(state.members[0])
    assert view.legend.getLabel(view.curves[0]).text.startswith("L2")


def test_a_diverged_model_is_dotted_grey_and_labelled(view, run):
    engine, setup, state = run
    view.set_setup(setup)
    view.render(state)
    engine.update_members([1], learning_rate=1e3)  # blows up within a few steps
    state.apply(make_frame(engine, setup, 0, [engine.step(50)]))
    assert state.diverged.tolist() == [False, True]
    view.render(state)
    gone, alive = view.curves[1], view.curves[0]
    assert gone.opts["pen"].style() == QtCore.Qt.PenStyle.DotLine
    assert _pen_color(gone) == DIVERGED_COLOR
    assert view.legend.getLabel(gone).text.endswith("(diverged)")
    assert alive.opts["pen"].style() == QtCore.Qt.PenStyle.SolidLine
    assert "(diverged)" not in view.legend.getLabel(alive).text
    x, y = gone.getData()  # NaN predictions stay NaN (a gap), nothing is invented
    assert len(x) == len(setup.fit_grid)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(state.prediction[1]))


def test_render_follows_a_new_run(view, run):
    _, setup, state = run
    view.set_setup(setup)
    view.render(state)
    _, setup3, state3 = _run(("l1", "l2", "none"), steps=40)
    view.render(state3)  # a state of another run: the items are rebuilt for it
    assert len(view.curves) == 3
    assert _pen_color(view.curves[2]) == METHOD_COLORS["none"]
    np.testing.assert_array_equal(view.curves[2].getData()[1], state3.prediction[2])


def test_a_new_run_of_the_same_shape_reuses_the_items_with_the_new_data(view, run):
    _, setup, state = run
    view.render(state)
    items = (view.plot, view.train_points, view.outlier_points, *view.curves)
    cfg = load_preset("seed").replace(**{"data.seed": 7, "data.slope": -1.0, "regularization.lam": 0.05})
    engine, setup2 = build_run(cfg, [member(cfg, m, 0) for m in ("l1", "l2")])
    fresh = LiveState(setup2)
    view.render(fresh)  # no frame yet: the data is there, the curves are empty
    assert (view.plot, view.train_points, view.outlier_points, *view.curves) == items
    np.testing.assert_array_equal(view.train_points.getData()[1], setup2.dataset.y_train)
    x_out, y_out = view.outlier_points.getData()
    assert set(y_out) <= set(setup2.dataset.y_train) and len(y_out) == setup2.dataset.outlier_train.sum()
    assert all(len(c.getData()[0] if c.getData()[0] is not None else []) == 0 for c in view.curves)
    assert view.plot.vb.viewRange()[1][0] < -8  # the fixed range follows the new, falling data (y down to -9.5)
    fresh.apply(make_frame(engine, setup2, 0, [engine.step(5)]))
    view.render(fresh)
    np.testing.assert_array_equal(view.curves[1].getData()[1], fresh.prediction[1])
    assert _legend_texts(view)[-2:] == [member_label(m) for m in setup2.members]


def test_render_if_changed_skips_an_unchanged_state(view, run):
    _, setup, state = run
    view.set_setup(setup)
    assert view.render_if_changed(state) is True
    assert view.render_if_changed(state) is False
    view.invalidate()
    assert view.render_if_changed(state) is True


def test_exported_image_is_a_real_picture(qtbot, view, run):
    _, setup, state = run
    view.set_setup(setup)
    view.show()
    qtbot.waitExposed(view)
    view.render(state)
    image = ImageExporter(view.export_item()).export(toBytes=True)
    assert image.width() > 300 and image.height() > 200
    rgba = image.convertToFormat(image.Format.Format_RGBA8888)  # bytes R, G, B, A; keep it alive
    pixels = pg.functions.ndarray_from_qimage(rgba)[..., :3].reshape(-1, 3).copy()
    colours = np.unique(pixels, axis=0)
    assert len(colours) > 50  # points, rings, curves, text and anti-aliasing, not a blank canvas
    for method in ("l1", "l2"):  # each model's curve is drawn in its colour
        rgb = [int(METHOD_COLORS[method][i : i + 2], 16) for i in (1, 3, 5)]
        assert (pixels == rgb).all(axis=1).sum() > 100
    ring = (np.abs(pixels.astype(int) - [0xcc, 0x79, 0xa7]).sum(axis=1) < 30)
    assert ring.sum() > 50  # the reddish-purple outlier rings


def test_a_state_without_frames_draws_nothing_and_does_not_fail(view, run):
    _, setup, _ = run
    empty = LiveState(setup)  # right after a reset, before the first frame
    view.set_setup(setup)
    view.render(empty)
    assert all(len(curve.getData()[0]) == 0 for curve in view.curves)
    assert len(view.train_points.getData()[0]) == setup.dataset.n_train
