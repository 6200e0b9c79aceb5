"""The activations canvas: curves equal the registry's value/derivative, parameter edits redraw and
emit, RReLU's band and test line, PReLU's learned slopes, the dead/saturated share."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6 import QtWidgets
from pyqtgraph import functions as fn
from pyqtgraph.exporters import ImageExporter

from regviz.core.activations import ACTIVATIONS, get_activation
from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui.session import LiveState, build_run, make_frame
from regviz.gui.activation_math import (histogram_edges, inactive_share, inactive_units, layer_mean_derivative,
                                        saturated_share, saturation_bound)
from regviz.gui.views.activation_view import STATUS_HELP, ActivationView


def _run(activation="linear", methods=("l1", "l2"), steps=2000):
    cfg = load_preset("seed").replace(**{"model.activation": activation})
    engine, setup = build_run(cfg, [member(cfg, m, 0) for m in methods])
    state = LiveState(setup)
    state.apply(make_frame(engine, setup, 0, [engine.step(steps)]))
    return engine, setup, state


def _view(qtbot, setup, state=None):
    v = ActivationView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.set_setup(setup)
    if state is not None:
        v.render(state)
    return v


def _slope(curve) -> np.ndarray:
    """Slope of a line through the origin drawn for x < 0, from its data."""
    x, y = curve.getData()
    keep = x < -1
    return y[keep] / x[keep]


@pytest.fixture(scope="module")
def relu_pair():
    return _run("relu")


def test_object_name_and_controls_row(qtbot, relu_pair):
    _, setup, state = relu_pair
    v = _view(qtbot, setup, state)
    assert v.objectName() == "activationCanvas"
    assert v.name_label.parent() is v and v.controls.indexOf(v.name_label) >= 0


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_curves_are_the_activation_and_its_derivative(qtbot, relu_pair, name):
    _, setup, _ = relu_pair
    v = _view(qtbot, setup)
    act = get_activation(name)
    v.set_activation(act)
    x, f = v.value_curve.getData()
    x2, df = v.derivative_curve.getData()
    assert x[0] == -5.0 and x[-1] == 5.0 and 0.0 in x
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_allclose(f, act.value(x))
    np.testing.assert_allclose(df, act.derivative(x))
    assert v.derivative_curve.opts["pen"].style() != v.value_curve.opts["pen"].style()  # dashed vs solid
    # every other registered activation is drawn faint behind it
    for other, curve in v.other_curves.items():
        assert curve.isVisible() == (other != name)
        if other != name:
            np.testing.assert_allclose(curve.getData()[1], ACTIVATIONS[other].value(curve.getData()[0]))
    legend = [label.text for _, label in v.curve_legend.items]
    assert any(t.startswith("f(x)") for t in legend) and "f'(x)" in legend and "other activations" in legend
    # the parameter spin boxes follow the activation's ParamSpecs
    assert set(v.spin_boxes) == set(act.param_specs)
    for key, spec in act.param_specs.items():
        spin = v.findChild(QtWidgets.QDoubleSpinBox, f"param_{key}")
        assert spin is v.spin_boxes[key]
        assert spin.value() == pytest.approx(spec.default)
        assert spec.low <= spin.minimum() <= spin.value() <= spin.maximum() <= spec.high
        if name != "rrelu":  # RReLU narrows lower's maximum and upper's minimum to keep lower <= upper
            assert (spin.minimum(), spin.maximum()) == (spec.low, spec.high)
        assert spec.help in spin.toolTip()


def test_editing_a_spin_box_redraws_and_emits(qtbot, relu_pair):
    _, setup, _ = relu_pair
    v = _view(qtbot, setup)
    v.set_activation(get_activation("leaky_relu"))
    spin = v.spin_boxes["slope"]
    assert (spin.minimum(), spin.maximum()) == (0.0, 1.0)
    with qtbot.waitSignal(v.sigParamsChanged, timeout=10000) as blocker:
        spin.setValue(0.2)
    assert blocker.args == [{"slope": 0.2}]
    x, f = v.value_curve.getData()
    np.testing.assert_allclose(f, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(v.derivative_curve.getData()[1], np.where(x > 0, 1.0, 0.2))
    assert v.activation.params == {"slope": 0.2}

    v.set_activation(get_activation("elu"))
    with qtbot.waitSignal(v.sigParamsChanged, timeout=10000) as blocker:
        v.spin_boxes["alpha"].setValue(2.5)
    assert blocker.args == [{"alpha": 2.5}]
    x, f = v.value_curve.getData()
    assert f[0] == pytest.approx(2.5 * np.expm1(-5.0))


def test_set_activation_switches_in_place(qtbot, relu_pair):
    _, setup, state = relu_pair
    v = _view(qtbot, setup, state)
    curves = (v.value_curve, v.derivative_curve, v.hist_curves[0])
    v.set_activation(get_activation("elu"))
    assert list(v.spin_boxes) == ["alpha"]
    v.set_activation(get_activation("relu"))
    assert v.spin_boxes == {}
    assert (v.value_curve, v.derivative_curve, v.hist_curves[0]) == curves  # nothing rebuilt


def test_rrelu_band_is_between_1_over_u_and_1_over_l(qtbot):
    _, setup, state = _run("rrelu", methods=("l1",), steps=200)
    v = _view(qtbot, setup, state)
    assert v.band.isVisible() and v.test_line.isVisible()
    np.testing.assert_allclose(_slope(v.band_low), 1 / 8)
    np.testing.assert_allclose(_slope(v.band_high), 1 / 3)
    np.testing.assert_allclose(_slope(v.test_line), 2 / (3 + 8))
    legend = [label.text for _, label in v.curve_legend.items]
    assert "train: slopes in [1/u, 1/l]" in legend
    assert "test: 2/(l+u)" in legend
    assert "paper convention" in v.info_text and "torch.nn.RReLU" in v.info_text
    # f(x) itself is the test-time function
    x, f = v.value_curve.getData()
    np.testing.assert_allclose(f[x < 0], x[x < 0] * 2 / 11)

    lower, upper = v.spin_boxes["lower"], v.spin_boxes["upper"]
    with qtbot.waitSignal(v.sigParamsChanged, timeout=10000) as blocker:
        lower.setValue(4.0)
    assert blocker.args == [{"lower": 4.0, "upper": 8.0}]
    np.testing.assert_allclose(_slope(v.band_high), 1 / 4)
    np.testing.assert_allclose(_slope(v.test_line), 2 / 12)
    assert upper.minimum() == 4.0 and lower.maximum() == 8.0  # lower <= upper is kept by the ranges

    # the window can push other parameters (no signal back): the spin boxes follow, nothing clamped
    with qtbot.assertNotEmitted(v.sigParamsChanged):
        v.set_activation(get_activation("rrelu", {"lower": 10.0, "upper": 20.0}))
    assert (lower.value(), upper.value()) == (10.0, 20.0)
    assert (lower.maximum(), upper.minimum()) == (20.0, 10.0)
    np.testing.assert_allclose(_slope(v.band_low), 1 / 20)

    v.set_activation(get_activation("relu"))
    assert not v.band.isVisible() and not v.test_line.isVisible()
    assert "test: 2/(l+u)" not in [label.text for _, label in v.curve_legend.items]


def test_prelu_shows_the_learned_slopes(qtbot):
    engine, setup, state = _run("prelu", steps=2000)
    v = _view(qtbot, setup, state)
    slopes = state.snapshot.prelu_slopes
    assert len(slopes) == 3 and slopes[0].shape == (2, 10)
    for k, line in enumerate(v.prelu_lines):
        assert line.isVisible()
        learned = np.concatenate([s[k] for s in slopes])
        x, y = line.getData()  # pairs (-5, a * -5), (0, 0) per unit
        np.testing.assert_allclose(y[0::2] / x[0::2], learned)
        assert f"mean {learned.mean():.3f}" in v.info_text
    assert not np.allclose(np.concatenate([s[0] for s in slopes]), 0.25)  # they did move from the init
    # the next frame moves the lines in place
    line = v.prelu_lines[0]
    state.apply(make_frame(engine, setup, 0, [engine.step(200)]))
    v.render(state)
    assert v.prelu_lines[0] is line
    learned = np.concatenate([s[0] for s in state.snapshot.prelu_slopes])
    x, y = line.getData()
    np.testing.assert_allclose(y[0::2] / x[0::2], learned)


def test_inactive_units_on_hand_made_pre_activations():
    relu, tanh, sigmoid = get_activation("relu"), get_activation("tanh"), get_activation("sigmoid")
    # one model, 4 inputs, 4 units
    z = np.array([[
        [-1.0, -2.0, 0.0, 3.0],
        [-0.5, 1.0, 0.0, 3.0],
        [-3.0, -2.0, 0.0, -3.0],
        [-0.1, -2.0, 0.0, 3.0],
    ]])
    # unit 0: always negative (dead), 1: one positive input (alive), 2: always exactly 0 (dead: z <= 0),
    # 3: |z| = 3 everywhere: alive for ReLU on three inputs, saturated for tanh (bound 1.82), not sigmoid (3.64)
    np.testing.assert_array_equal(inactive_units(relu, z), [[True, False, True, False]])
    np.testing.assert_array_equal(inactive_units(tanh, z), [[False, False, False, True]])
    np.testing.assert_array_equal(inactive_units(sigmoid, z), [[False, False, False, False]])
    np.testing.assert_array_equal(inactive_units(get_activation("linear"), z), [[False] * 4])
    counts, total = inactive_share(relu, [z, z[:, :, :2]])  # two hidden layers: 4 + 2 units
    assert counts.tolist() == [3] and total == 6
    # 10 % of the peak: 1 - tanh(z)^2 = 0.1, and s(1 - s) = 0.025 with s = (1 + sqrt(0.9)) / 2
    assert saturation_bound(tanh) == pytest.approx(np.arctanh(np.sqrt(0.9)), abs=1e-3)
    s = (1 + np.sqrt(0.9)) / 2
    assert saturation_bound(sigmoid) == pytest.approx(np.log(s / (1 - s)), abs=1e-3)  # 3.64


def test_saturated_unit_inputs_and_mean_derivative_per_layer_by_hand():
    """Counted per unit and input, not per unit: a unit saturated on 1 of 4 inputs counts once."""
    sigmoid = get_activation("sigmoid")
    z = np.zeros((2, 4, 3))  # 2 models, 4 inputs, 3 units: f'(0) = 0.25 everywhere ...
    z[0, 0, 0] = 5.0  # ... but f'(5) = 0.0066 < 0.025: saturated
    z[0, 1:, 1] = -4.0  # f'(-4) = 0.0177: saturated on 3 inputs
    z[1, :, 2] = 3.0  # f'(3) = 0.0452 > 0.025: not saturated
    counts, total = saturated_share(sigmoid, [z, z[:, :, :1]])  # two layers: 12 + 4 unit·inputs
    assert counts.tolist() == [1 + 3 + 1, 0] and total == 16
    assert inactive_units(sigmoid, z).sum() == 0  # no unit is saturated on every input
    means = layer_mean_derivative(sigmoid, [z, z[:, :, :1]])
    f5, f4, f3 = (np.exp(-v) / (1 + np.exp(-v)) ** 2 for v in (5.0, 4.0, 3.0))
    np.testing.assert_allclose(means[0], [(8 * 0.25 + f5 + 3 * f4) / 12, (f5 + 3 * 0.25) / 4], rtol=1e-9)
    np.testing.assert_allclose(means[1], [(8 * 0.25 + 4 * f3) / 12, 0.25], rtol=1e-9)


def test_dead_share_in_the_view_from_a_hand_made_frame(qtbot, relu_pair):
    engine, setup, _ = relu_pair
    frame = make_frame(engine, setup, 0)
    rng = np.random.default_rng(0)
    pre = []
    for layer in range(3):
        z = rng.uniform(0.1, 2.0, size=(2, 40, 10))  # all alive
        z[0, :, : layer + 1] = -rng.uniform(0.1, 2.0, size=(40, layer + 1))  # model 0: 1 + 2 + 3 dead
        z[1, :, :5] = -1.0  # model 1: 5 dead per layer ...
        z[1, 7, 4] = 0.5  # ... but one input wakes unit 4 up: 4 per layer
        pre.append(z)
    state = LiveState(setup)
    state.apply(dataclasses.replace(frame, pre_activations=tuple(pre)))
    v = _view(qtbot, setup, state)
    texts = v.status_lines()
    assert texts[0] == "L1 λ=0.3 — dead: 6/30 units (20%)"
    assert texts[1] == "L2 λ=0.3 — dead: 12/30 units (40%)"
    # the definition is a tooltip, and a line under the plots
    assert v.status_label.toolTip() == STATUS_HELP["dead"]
    assert "<= 0 on every training input" in v.status_label.toolTip()
    assert "z ≤ 0 on every training input" in v.info_text
    # the histogram counts every value once, on bins with 0 on an edge
    for k, curve in enumerate(v.hist_curves):
        edges, counts = curve.getData()
        assert counts.sum() == 3 * 40 * 10
        assert 0.0 in edges
        expected, _ = np.histogram(np.concatenate([z[k].ravel() for z in pre]), bins=edges)
        np.testing.assert_array_equal(counts, expected)

    v.set_activation(get_activation("leaky_relu"))
    v.render(state)
    assert v.status_lines()[0] == "L1 λ=0.3 — always z ≤ 0: 6/30 units (20%)"
    assert "still passes a gradient" in v.status_label.toolTip()
    # a leaky slope of 0 is a ReLU again: its units can die
    v.spin_boxes["slope"].setValue(0.0)
    v.render(state)
    assert v.status_lines()[0] == "L1 λ=0.3 — dead: 6/30 units (20%)"
    assert v.status_label.toolTip() == STATUS_HELP["dead"]


def test_saturated_share_for_sigmoid(qtbot):
    engine, setup, _ = _run("sigmoid", methods=("l2",), steps=10)
    frame = make_frame(engine, setup, 0)
    pre = [np.full((1, 40, 10), 0.3) for _ in range(3)]
    pre[0][0, :, :3] = 6.0  # far beyond 3.64: saturated, 3 units x 40 inputs
    pre[1][0, :, 0] = -9.0  # saturated on the other side: 40
    pre[2][0, :, 0] = 3.0  # f'(3) = 0.045 > 0.025: not saturated
    state = LiveState(setup)
    state.apply(dataclasses.replace(frame, pre_activations=tuple(pre)))
    v = _view(qtbot, setup, state)
    # mean f' per layer, by hand: f'(0.3) = 0.2445, f'(6) = 0.0025, f'(-9) = 0.0001, f'(3) = 0.0452:
    # (7 x 0.2445 + 3 x 0.0025) / 10 = 0.17, (9 x 0.2445 + 0.0001) / 10 = 0.22, (9 x 0.2445 + 0.0452) / 10 = 0.22
    assert v.status_lines() == ["saturated (f′ < 10% of max): 160/1,200 unit·inputs (13%) · "
                                "mean f′ per layer 0.17–0.22 (max 0.25)"]
    assert v.status_label.toolTip() == STATUS_HELP["saturated"]
    assert all(region.isVisible() for region in v.regions)  # both saturated tails shaded
    low, high = v.hist_plot.vb.viewRange()[0]
    assert low < -3.64 and high > 3.64


def test_histogram_edges_are_round_and_cover_the_data():
    edges = histogram_edges(-0.3, 7.2)
    assert edges[0] <= -0.3 and edges[-1] >= 7.2 and 0.0 in edges
    widths = np.diff(edges)
    np.testing.assert_allclose(widths, widths[0])
    assert len(edges) - 1 <= 40 + 2


def test_export_is_a_real_picture(qtbot, relu_pair):
    _, setup, state = relu_pair
    v = _view(qtbot, setup, state)
    v.show()
    qtbot.waitExposed(v)
    image = ImageExporter(v.export_item()).export(toBytes=True)
    assert not image.isNull() and image.width() > 400
    pixels = fn.ndarray_from_qimage(image)[..., :3].reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 50


def test_a_new_run_rebuilds_only_the_per_model_items(qtbot, relu_pair):
    _, setup, state = relu_pair
    v = _view(qtbot, setup, state)
    items = len(v.hist_plot.vb.addedItems), len(v.curve_plot.vb.addedItems)
    _, single, single_state = _run("prelu", methods=("l1",), steps=20)
    v.render(single_state)  # a state from another run: the view follows its setup
    assert len(v.hist_curves) == 1 and len(v.prelu_lines) == 1
    assert v.activation.name == "prelu" and list(v.spin_boxes) == ["init"]
    v.render(state)
    assert (len(v.hist_plot.vb.addedItems), len(v.curve_plot.vb.addedItems)) == items
