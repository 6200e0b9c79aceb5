"""Penalties, their gradients, and the three L1 update rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regviz.core import regularizers
from regviz.core.config import ConfigError

from engine_oracle import oracle_step

RNG_SEED = 20240611


def _weights(rng, k=1):
    return [rng.normal(0.0, 1.0, (k, a, b)) for a, b in ((1, 10), (10, 10), (10, 10), (10, 1))]


def _formula(ws, method, lam, rho=0.5):
    abs_sum = sum(np.abs(w).sum() for w in ws)
    sq_sum = sum((w * w).sum() for w in ws)
    return {
        "none": 0.0,
        "l1": lam * abs_sum,
        "l2": lam * sq_sum / 2,
        "elasticnet": lam * (rho * abs_sum + (1 - rho) * sq_sum / 2),
    }[method]


@pytest.mark.parametrize(
    "method, lam, rho, expected",
    [
        ("none", 0.3, 0.5, (0.0, 0.0)),
        ("l1", 0.3, 0.5, (0.3, 0.0)),
        ("l2", 0.3, 0.5, (0.0, 0.3)),
        ("elasticnet", 0.3, 0.5, (0.15, 0.15)),
        ("elasticnet", 1.0, 0.2, (0.2, 0.8)),
        ("elasticnet", 1.0, 1.0, (1.0, 0.0)),
        ("elasticnet", 1.0, 0.0, (0.0, 1.0)),
    ],
)
def test_coefficients(method, lam, rho, expected):
    assert regularizers.coefficients(method, lam, rho) == pytest.approx(expected)


def test_unknown_method_raises():
    with pytest.raises(ConfigError) as info:
        regularizers.coefficients("l3", 0.3)
    assert info.value.field_name == "regularization.method"
    assert "elasticnet" in str(info.value)


@pytest.mark.parametrize("method", ["none", "l1", "l2", "elasticnet"])
@pytest.mark.parametrize("lam, rho", [(0.3, 0.5), (0.07, 0.25), (2.0, 0.9)])
def test_penalty_numpy_matches_the_formula(method, lam, rho):
    rng = np.random.default_rng(RNG_SEED)
    ws = [w[0] for w in _weights(rng)]
    assert regularizers.penalty_numpy(ws, method, lam, rho) == pytest.approx(_formula(ws, method, lam, rho), rel=1e-12)


def test_penalty_known_values():
    ws = [np.array([[1.0, -2.0]]), np.array([[3.0], [-4.0]])]  # sum|W| = 10, sum W^2 = 30
    assert regularizers.penalty_numpy(ws, "none", 0.3) == 0.0
    assert regularizers.penalty_numpy(ws, "l1", 0.3) == pytest.approx(3.0)
    assert regularizers.penalty_numpy(ws, "l2", 0.3) == pytest.approx(4.5)
    assert regularizers.penalty_numpy(ws, "elasticnet", 0.3, 0.5) == pytest.approx(0.3 * (5.0 + 7.5))


def test_batched_penalty_is_per_model():
    rng = np.random.default_rng(RNG_SEED)
    ws = _weights(rng, k=4)
    methods = [("none", 0.3), ("l1", 0.3), ("l2", 0.1), ("elasticnet", 0.7)]
    coeffs = [regularizers.coefficients(m, lam, 0.5) for m, lam in methods]
    l1 = torch.tensor([c[0] for c in coeffs], dtype=torch.float64)
    l2 = torch.tensor([c[1] for c in coeffs], dtype=torch.float64)
    got = regularizers.penalty([torch.as_tensor(w) for w in ws], l1, l2).numpy()
    assert got.shape == (4,)
    for k, (m, lam) in enumerate(methods):
        assert got[k] == pytest.approx(_formula([w[k] for w in ws], m, lam), rel=1e-12)


@pytest.mark.parametrize("method", ["l1", "l2", "elasticnet", "none"])
def test_penalty_gradient_matches_autograd(method):
    """The two-part step (smooth, then the L1 term by subgradient) is SGD on the penalty: autograd's
    gradient of the penalty, applied as w - lr * g, gives the same weights."""
    rng = np.random.default_rng(RNG_SEED)
    lam, rho, lr = 0.3, 0.4, 0.01
    l1c, l2c = regularizers.coefficients(method, lam, rho)
    ws = [torch.tensor(w, requires_grad=True) for w in _weights(rng, k=1)]
    pen = regularizers.penalty(ws, torch.tensor([l1c], dtype=torch.float64), torch.tensor([l2c], dtype=torch.float64))
    grads = torch.autograd.grad(pen.sum(), ws)
    for w, g in zip(ws, grads):
        w = w.detach()
        half = regularizers.smooth_step(w, torch.zeros_like(w), _t(lr), _t(l2c))
        stepped = regularizers.l1_term_step(w, half, _t(lr * l1c), "subgradient")
        np.testing.assert_allclose(stepped.numpy(), (w - lr * g).numpy(), rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- L1 update rules, against plain Python
def _t(values):
    return torch.tensor(values, dtype=torch.float64)


def _engine_step(w, g, lr, l1, l2, rule):
    half = regularizers.smooth_step(_t(w), _t(g), _t(lr), _t(l2))
    return regularizers.l1_term_step(_t(w), half, _t(lr * l1), rule)


@pytest.mark.parametrize("rule", ["subgradient", "clip", "proximal"])
def test_rules_match_the_plain_python_oracle_on_random_values(rule):
    rng = np.random.default_rng(RNG_SEED)
    w = rng.normal(size=2000) * 10.0 ** rng.uniform(-4, 0, 2000)
    w[rng.random(2000) < 0.05] = 0.0
    g = rng.normal(size=2000) * 10.0 ** rng.uniform(-3, 1, 2000)
    lr, l1, l2 = 0.02, 0.3, 0.1
    got = _engine_step(w, g, lr, l1, l2, rule).numpy()
    expected = np.array([oracle_step(a, b, lr, l1, l2, rule) for a, b in zip(w.tolist(), g.tolist())])
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-18)
    if rule != "subgradient":
        assert (got == 0).sum() > 20  # the trials reached the exact-zero branch


def test_clip_tests_the_crossing_from_w_half():
    """w = 0.001 with a data gradient of 10 and lr 0.01: the data step takes it to -0.099; the
    penalty step (sign of w, +) moves it to -0.102, no crossing: it is NOT clipped to 0."""
    got = _engine_step([0.001], [10.0], 0.01, 0.3, 0.0, "clip").item()
    assert got == pytest.approx(0.001 - 0.01 * 10.0 - 0.01 * 0.3)
    assert got == pytest.approx(-0.102)
    # the penalty step itself may not cross: w_half = 0.002 and lr * l1 = 0.003 land on exactly 0
    assert _engine_step([0.002], [0.0], 0.01, 0.3, 0.0, "clip").item() == 0.0
    assert _engine_step([-0.002], [0.0], 0.01, 0.3, 0.0, "clip").item() == 0.0
    # the same weight under subgradient crosses to -0.001
    assert _engine_step([0.002], [0.0], 0.01, 0.3, 0.0, "subgradient").item() == pytest.approx(-0.001)


def test_clip_uses_the_sign_of_w_before_the_step():
    """A weight at exactly 0 has no L1 subgradient (sign 0): only the data step moves it."""
    assert _engine_step([0.0], [1.0], 0.01, 0.3, 0.0, "clip").item() == pytest.approx(-0.01)
    assert _engine_step([0.0], [-1.0], 0.01, 0.3, 0.0, "subgradient").item() == pytest.approx(0.01)


def test_proximal_is_soft_thresholding_with_exact_zeros():
    w = [0.5, -0.5, 0.002, -0.002, 0.0031, -0.0029, 0.0, 1e-9]
    out = _engine_step(w, [0.0] * len(w), 0.01, 0.3, 0.0, "proximal").numpy()  # threshold 0.003
    assert out.tolist()[2:4] == [0.0, 0.0] and out[5] == 0.0 and out[6] == 0.0 and out[7] == 0.0
    assert out[0] == pytest.approx(0.497) and out[1] == pytest.approx(-0.497)
    assert out[4] == pytest.approx(0.0001)


def test_proximal_applies_the_smooth_gradient_first():
    out = _engine_step([1.0, 1.0, -1.0], [10.0, -10.0, 0.0], 0.1, 0.5, 0.0, "proximal")
    # half = w - 0.1 g = [0, 2, -1]; threshold 0.05
    np.testing.assert_allclose(out.numpy(), [0.0, 1.95, -0.95])


def test_proximal_gives_exact_zeros_where_subgradient_chatters():
    w0 = [0.001, -0.0005, 0.0012, -0.0021]
    zero = [0.0] * 4
    sub, prox = list(w0), list(w0)
    history = []
    for _ in range(50):
        sub = _engine_step(sub, zero, 0.01, 0.3, 0.0, "subgradient").tolist()
        prox = _engine_step(prox, zero, 0.01, 0.3, 0.0, "proximal").tolist()
        history.append(sub)
    history = np.array(history)
    assert prox == [0.0] * 4
    # subgradient: never exactly zero, flips sign, and stays within about lr * lambda of zero
    assert (history != 0).all()
    flips = (np.sign(history[1:]) != np.sign(history[:-1])).sum(0)
    assert (flips >= 40).all()
    assert np.abs(history[-10:]).max() <= 0.003 + 1e-12


def test_smooth_step_is_sgd_with_weight_decay():
    w, g = [0.5, -2.0, 0.0], [1.0, 0.5, -3.0]
    got = regularizers.smooth_step(_t(w), _t(g), _t(0.1), _t(0.2)).tolist()
    assert got == pytest.approx([0.5 - 0.1 * (1.0 + 0.1), -2.0 - 0.1 * (0.5 - 0.4), 0.3])
    assert regularizers.smooth_step(_t(w), _t(g), _t(0.1), None).tolist() == pytest.approx([0.4, -2.05, 0.3])


def test_unknown_rule_raises():
    w = _t([1.0])
    with pytest.raises(ConfigError) as info:
        regularizers.l1_term_step(w, w, _t(0.1), "magic")
    assert info.value.field_name == "regularization.l1_rule"
