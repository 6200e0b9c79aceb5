"""Activations: numpy value/derivative vs torch autograd, parameters, RReLU convention, softmax."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from regviz.core.activation_spec import rrelu_generator
from regviz.core.activations import ACTIVATIONS, BatchedContext, get_activation, softmax
from regviz.core.config import ConfigError

NAMES = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu"]

# A dense grid with the kink neighbourhood spelled out: exactly 0, -0.0, and tiny values either side.
GRID = np.unique(
    np.concatenate(
        [
            np.linspace(-8.0, 8.0, 3201),
            np.linspace(-1e-3, 1e-3, 41),
            [0.0, -0.0, 1e-300, -1e-300, 1e-12, -1e-12, 5e-8, -5e-8],
        ]
    )
)

# (name, params) cases: the defaults and adjusted parameters.
CASES = [(name, {}) for name in NAMES] + [
    ("leaky_relu", {"slope": 0.2}),
    ("leaky_relu", {"slope": 0.0}),
    ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 2.5}),
    ("prelu", {"init": 0.1}),
    ("rrelu", {"lower": 2.0, "upper": 4.0}),
    ("rrelu", {"lower": 5.0, "upper": 5.0}),
]


def _case_id(case):
    name, params = case
    return name + "".join(f"-{k}={v:g}" for k, v in params.items())


def _paper_rrelu_eval(act):
    """RReLU at test time as Xu et al. 2015 define it, written here (not the code's own module)."""
    slope = 2.0 / (act.params["lower"] + act.params["upper"])
    return lambda x: torch.where(x > 0, x, x * slope)


def _autograd(act, x: np.ndarray):
    if act.name == "rrelu":
        module = _paper_rrelu_eval(act)
    else:
        module = act.module().to(torch.float64)
        module.eval()
    if isinstance(module, torch.nn.PReLU):
        # nn.PReLU stores its init in float32 (0.1 -> 0.10000000149); compare in float64
        with torch.no_grad():
            module.weight.fill_(act.init)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = module(xt)
    (grad,) = torch.autograd.grad(out.sum(), xt)
    return out.detach().numpy(), grad.numpy()


def test_registry_has_the_eight_activations():
    assert set(ACTIVATIONS) == set(NAMES)
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        assert get_activation(name).name == name


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_value_matches_torch_module(case):
    name, params = case
    act = get_activation(name, params)
    expected, _ = _autograd(act, GRID)
    np.testing.assert_allclose(act.value(GRID), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_derivative_matches_autograd_including_zero(case):
    name, params = case
    act = get_activation(name, params)
    _, expected = _autograd(act, GRID)
    got = act.derivative(GRID)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # the value at exactly 0 on its own (the x <= 0 branch, as torch takes it)
    zero = np.array([0.0])
    np.testing.assert_allclose(act.derivative(zero), _autograd(act, zero)[1], rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_derivative_matches_central_difference_away_from_kinks(case):
    name, params = case
    act = get_activation(name, params)
    x = np.linspace(-5.0, 5.0, 200)
    x = x[np.abs(x) > 1e-3]
    h = 1e-6
    numeric = (act.value(x + h) - act.value(x - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(x), numeric, rtol=1e-6, atol=1e-8)


def test_derivatives_at_zero_take_the_left_branch():
    zero = np.array([0.0])
    assert ACTIVATIONS["relu"].derivative(zero)[0] == 0.0
    assert ACTIVATIONS["leaky_relu"].derivative(zero)[0] == pytest.approx(0.01)
    assert ACTIVATIONS["prelu"].derivative(zero)[0] == pytest.approx(0.25)
    assert ACTIVATIONS["elu"].derivative(zero)[0] == pytest.approx(1.0)
    assert ACTIVATIONS["rrelu"].derivative(zero)[0] == pytest.approx(1 / 5.5)


def test_prelu_module_weight_is_its_init_slope():
    for init in (0.25, 0.1, 0.0, 1.0):
        module = get_activation("prelu", {"init": init}).module()
        assert module.weight.detach().numpy() == pytest.approx([init])
    assert ACTIVATIONS["prelu"].learnable
    assert not any(ACTIVATIONS[n].learnable for n in NAMES if n != "prelu")


def test_paper_defaults():
    assert ACTIVATIONS["leaky_relu"].slope == 0.01
    assert ACTIVATIONS["prelu"].init == 0.25
    assert ACTIVATIONS["elu"].alpha == 1.0
    assert (ACTIVATIONS["rrelu"].lower, ACTIVATIONS["rrelu"].upper) == (3.0, 8.0)


def test_with_params_changes_the_function_and_leaves_the_registry_alone():
    leaky = ACTIVATIONS["leaky_relu"].with_params(slope=0.2)
    assert leaky.value(np.array([-1.0]))[0] == pytest.approx(-0.2)
    assert leaky.derivative(np.array([-3.0]))[0] == pytest.approx(0.2)
    assert ACTIVATIONS["leaky_relu"].slope == 0.01  # the registry entry is untouched
    elu = ACTIVATIONS["elu"].with_params(alpha=0.5)
    assert elu.value(np.array([-50.0]))[0] == pytest.approx(-0.5)
    assert elu.derivative(np.array([0.0]))[0] == pytest.approx(0.5)
    rrelu = ACTIVATIONS["rrelu"].with_params(lower=2.0, upper=4.0)
    assert rrelu.negative_slope() == pytest.approx(2 / 6)
    assert rrelu.train_slope_band() == pytest.approx((1 / 4, 1 / 2))
    # with_params keeps the parameters it is not given
    assert rrelu.with_params(upper=6.0).lower == 2.0


@pytest.mark.parametrize(
    "name, params, field",
    [
        ("leaky_relu", {"slope": -0.1}, "slope"),
        ("leaky_relu", {"slope": 2.0}, "slope"),
        ("leaky_relu", {"slope": float("nan")}, "slope"),
        ("leaky_relu", {"slope": "0.1"}, "slope"),
        ("leaky_relu", {"slope": True}, "slope"),
        ("elu", {"alpha": -1.0}, "alpha"),
        ("elu", {"alpha": float("inf")}, "alpha"),
        ("elu", {"alpha": 11.0}, "alpha"),
        ("prelu", {"init": 1.5}, "init"),
        ("rrelu", {"lower": 0.5}, "lower"),
        ("rrelu", {"lower": 5.0, "upper": 4.0}, "upper"),
        ("relu", {"slope": 0.1}, "slope"),
        ("elu", {"beta": 1.0}, "beta"),
    ],
)
def test_bad_params_raise_config_error_naming_the_field(name, params, field):
    with pytest.raises(ConfigError) as info:
        get_activation(name, params)
    assert info.value.field_name == f"model.activation_params.{field}"
    assert f"model.activation_params.{field}" in str(info.value)
    with pytest.raises(ConfigError):
        ACTIVATIONS[name].with_params(**params)


def test_unknown_activation_raises():
    with pytest.raises(ConfigError) as info:
        get_activation("swish")
    assert info.value.field_name == "model.activation"
    assert "relu" in str(info.value)


# ---------------------------------------------------------------- RReLU convention
def test_rrelu_uses_the_paper_test_slope_not_torchs():
    act = ACTIVATIONS["rrelu"]
    paper = 2.0 / (3.0 + 8.0)
    assert act.negative_slope() == pytest.approx(paper)
    assert act.derivative(np.array([-2.0]))[0] == pytest.approx(paper)
    assert act.value(np.array([-2.0]))[0] == pytest.approx(-2.0 * paper)
    module = act.module().eval()
    assert module(torch.tensor([-1.0], dtype=torch.float64)).item() == pytest.approx(-paper)

    torch_module = torch.nn.RReLU(1 / 8, 1 / 3).eval()
    torch_slope = -torch_module(torch.tensor([-1.0], dtype=torch.float64)).item()
    assert torch_slope == pytest.approx((1 / 8 + 1 / 3) / 2)
    assert abs(torch_slope - paper) > 0.04  # 0.229 vs 0.182: really a different convention
    assert "2/(l+u)" in act.formula and "paper" in act.convention


@pytest.mark.parametrize("lower, upper", [(3.0, 8.0), (2.0, 4.0)])
def test_rrelu_training_slopes_lie_within_the_band(lower, upper):
    act = get_activation("rrelu", {"lower": lower, "upper": upper})
    module = act.module().to(torch.float64)
    module.train()
    x = -torch.linspace(0.1, 5.0, 20000, dtype=torch.float64)
    with torch.random.fork_rng():
        torch.manual_seed(1234)
        slopes = (module(x) / x).numpy()
    lo, hi = act.train_slope_band()
    assert (lo, hi) == pytest.approx((1 / upper, 1 / lower))
    assert slopes.min() >= lo - 1e-15 and slopes.max() <= hi + 1e-15
    # random per element, and spread over the band (not one fixed slope)
    assert slopes.std() > 0.1 * (hi - lo)
    assert slopes.min() < lo + 0.1 * (hi - lo) and slopes.max() > hi - 0.1 * (hi - lo)
    # positive inputs are untouched in training too
    pos = torch.linspace(0.1, 5.0, 100, dtype=torch.float64)
    assert torch.equal(module(pos), pos)


def test_rrelu_batched_training_uses_each_models_generator():
    act = ACTIVATIONS["rrelu"]
    z = -torch.ones(3, 4, 7, dtype=torch.float64)
    gens = [rrelu_generator(s) for s in (1, 2, 1)]  # numpy: the compiled engine draws from the same
    h, d = act.batched(z, BatchedContext(training=True, generators=gens))
    slopes = (h / z).numpy()
    np.testing.assert_allclose(d.numpy(), slopes, rtol=1e-12)
    lo, hi = act.train_slope_band()
    assert slopes.min() >= lo and slopes.max() <= hi
    assert np.array_equal(slopes[0], slopes[2])  # same seed, same slopes
    assert not np.array_equal(slopes[0], slopes[1])
    # a positive input keeps slope 1 in training
    h_pos, d_pos = act.batched(torch.ones(3, 4, 7, dtype=torch.float64), BatchedContext(True, gens))
    assert torch.equal(h_pos, torch.ones_like(h_pos)) and torch.equal(d_pos, torch.ones_like(d_pos))


# ---------------------------------------------------------------- sigmoid
def test_sigmoid_derivative_peaks_at_a_quarter():
    act = ACTIVATIONS["sigmoid"]
    d = act.derivative(GRID)
    assert d.max() == 0.25
    assert act.derivative(np.array([0.0]))[0] == 0.25
    assert (d <= 0.25).all()
    assert (d[np.abs(GRID) > 1e-3] < 0.25).all()
    assert act.derivative(np.array([5.0]))[0] < 0.01  # vanishing far from 0
    # stable for large |x| (no overflow warnings, exact limits)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        v = act.value(np.array([-1000.0, 1000.0]))
    assert v[0] == 0.0 and v[1] == 1.0


# ---------------------------------------------------------------- batched form used by the engine


@pytest.mark.parametrize("case", [pytest.param(c, id=_case_id(c)) for c in CASES])
def test_batched_eval_matches_numpy(case):
    name, params = case
    act = get_activation(name, params)
    z = torch.tensor(GRID, dtype=torch.float64).view(1, -1, 1).repeat(2, 1, 3)
    h, d = act.batched(z, BatchedContext(training=False))
    assert h.shape == z.shape and h.dtype == torch.float64
    expected_h = np.broadcast_to(act.value(GRID).reshape(1, -1, 1), z.shape)
    expected_d = np.broadcast_to(act.derivative(GRID).reshape(1, -1, 1), z.shape)
    np.testing.assert_allclose(h.numpy(), expected_h, rtol=1e-12, atol=1e-15)
    d = torch.ones_like(z) if d is None else d
    assert d.shape == z.shape
    np.testing.assert_allclose(d.numpy(), expected_d, rtol=1e-12, atol=1e-15)


def test_batched_derivative_none_only_for_linear():
    z = torch.linspace(-1, 1, 5, dtype=torch.float64).view(1, 5, 1)
    for name in NAMES:
        _, d = ACTIVATIONS[name].batched(z, BatchedContext(training=False))
        assert (d is None) == (name == "linear")


@pytest.mark.parametrize("act, slope", [(get_activation("leaky_relu", {"slope": 0.25}), 0.25),
                                         (get_activation("leaky_relu", {"slope": 0.0}), 0.0),
                                         (get_activation("leaky_relu", {"slope": 0.01}), 0.01),
                                         (get_activation("rrelu"), 2 / 11)])
def test_piecewise_batched_derivative_is_the_exact_float64_slope(act, slope):
    """The derivative is the slope itself, to the last bit, whether float32 can hold it or not."""
    z = torch.tensor([-2.0, -1.0, 0.0, 1.0], dtype=torch.float64).view(1, 4, 1)
    _, d = act.batched(z, BatchedContext(training=False))
    assert d.dtype == torch.float64
    assert d.view(-1).tolist() == [slope, slope, slope, 1.0]


def test_leaky_relu_batched_derivative_is_the_float64_slope():
    z = -torch.ones(1, 2, 2, dtype=torch.float64)
    _, d = ACTIVATIONS["leaky_relu"].batched(z, BatchedContext(training=False))
    assert (d == 0.01).all(), d.view(-1).tolist()


def test_prelu_batched_uses_the_learned_slopes_per_unit():
    act = ACTIVATIONS["prelu"]
    z = -torch.ones(2, 3, 4, dtype=torch.float64)
    slopes = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], dtype=torch.float64).view(2, 1, 4)
    h, d = act.batched(z, BatchedContext(training=True, slopes=slopes))
    np.testing.assert_allclose(d.numpy(), slopes.expand(2, 3, 4).numpy())
    np.testing.assert_allclose(h.numpy(), -slopes.expand(2, 3, 4).numpy())


# ---------------------------------------------------------------- softmax
@pytest.mark.parametrize(
    "z, expected",
    [
        ([3.0, 0.7, 0.5], [0.846, 0.085, 0.069]),
        ([1.2, 1.0, 1.5], [0.316, 0.258, 0.426]),
        ([1.5] + [1.2] * 9, [0.130] + [0.097] * 9),
    ],
)
def test_softmax_article_examples(z, expected):
    p = softmax(z)
    assert np.round(p, 3).tolist() == pytest.approx(expected, abs=1e-12)
    assert p.sum() == pytest.approx(1.0)


def test_softmax_temperature_flattens_and_sharpens():
    z = np.array([3.0, 0.7, 0.5])
    base = softmax(z)
    hot = softmax(z, temperature=5.0)
    cold = softmax(z, temperature=0.2)
    assert hot.max() < base.max() < cold.max()
    assert hot.min() > base.min()
    assert np.argmax(hot) == np.argmax(base) == np.argmax(cold) == 0
    np.testing.assert_allclose(softmax(z, temperature=1e6), np.full(3, 1 / 3), atol=1e-5)
    assert softmax(z, temperature=1e-3)[0] == pytest.approx(1.0)


def test_softmax_is_stable_and_works_on_the_last_axis():
    p = softmax([1000.0, 1000.0])
    assert p.tolist() == [0.5, 0.5]
    batch = softmax(np.array([[3.0, 0.7, 0.5], [1.2, 1.0, 1.5]]))
    assert batch.shape == (2, 3)
    np.testing.assert_allclose(batch.sum(axis=-1), [1.0, 1.0])
    np.testing.assert_allclose(batch[1], softmax([1.2, 1.0, 1.5]))


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan")])
def test_softmax_bad_temperature_raises(temperature):
    with pytest.raises(ValueError):
        softmax([1.0, 2.0], temperature=temperature)


def test_softmax_of_equal_inputs_is_uniform():
    assert softmax(np.zeros(4)).tolist() == [0.25] * 4
    assert math.isclose(softmax([0.0, math.log(3.0)])[1], 0.75)
