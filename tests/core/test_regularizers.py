"""Penalties, their gradients, and the three L1 update rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regviz.core import regularizers
from regviz.core.config import ConfigError

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
    """The update rule's penalty gradient (l1 * sign(w) + l2 * w) equals autograd of the penalty."""
    rng = np.random.default_rng(RNG_SEED)
    lam, rho, lr = 0.3, 0.4, 0.01
    l1c, l2c = regularizers.coefficients(method, lam, rho)
    ws = [torch.tensor(w, requires_grad=True) for w in _weights(rng, k=1)]
    pen = regularizers.penalty(ws, torch.tensor([l1c], dtype=torch.float64), torch.tensor([l2c], dtype=torch.float64))
    grads = torch.autograd.grad(pen.sum(), ws)
    for w, g in zip(ws, grads):
        w = w.detach()
        # the engine passes the L2 gradient inside smooth_grad, the L1 part to l1_step
        stepped = regularizers.l1_step(w, l2c * w, torch.tensor(lr, dtype=torch.float64), torch.tensor(l1c, dtype=torch.float64), "subgradient")
        np.testing.assert_allclose(stepped.numpy(), (w - lr * g).numpy(), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(g.numpy(), (l1c * torch.sign(w) + l2c * w).numpy(), rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- L1 update rules
def _t(values):
    return torch.tensor(values, dtype=torch.float64)


def test_proximal_is_soft_thresholding_with_exact_zeros():
    w = _t([0.5, -0.5, 0.002, -0.002, 0.0031, -0.0029, 0.0, 1e-9])
    g = torch.zeros_like(w)
    lr, l1 = _t(0.01), _t(0.3)  # threshold lr * l1 = 0.003
    out = regularizers.l1_step(w, g, lr, l1, "proximal")
    expected = np.sign(w.numpy()) * np.maximum(np.abs(w.numpy()) - 0.003, 0.0)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-18)
    assert out[2].item() == 0.0 and out[3].item() == 0.0 and out[5].item() == 0.0
    assert out[6].item() == 0.0 and out[7].item() == 0.0
    assert out[0].item() == pytest.approx(0.497) and out[1].item() == pytest.approx(-0.497)
    assert out[4].item() == pytest.approx(0.0001)


def test_proximal_applies_the_smooth_gradient_first():
    w = _t([1.0, 1.0, -1.0])
    g = _t([10.0, -10.0, 0.0])
    out = regularizers.l1_step(w, g, _t(0.1), _t(0.5), "proximal")
    # half = w - 0.1 g = [0, 2, -1]; threshold 0.05
    np.testing.assert_allclose(out.numpy(), [0.0, 1.95, -0.95])


def test_proximal_gives_exact_zeros_where_subgradient_chatters():
    w0 = _t([0.001, -0.0005, 0.0012, -0.0021])
    lr, l1 = _t(0.01), _t(0.3)
    zero_grad = torch.zeros_like(w0)
    sub, prox = w0.clone(), w0.clone()
    sub_history = []
    for _ in range(50):
        sub = regularizers.l1_step(sub, zero_grad, lr, l1, "subgradient")
        prox = regularizers.l1_step(prox, zero_grad, lr, l1, "proximal")
        sub_history.append(sub.clone())
    history = torch.stack(sub_history)
    assert torch.equal(prox, torch.zeros_like(prox))
    # subgradient: never exactly zero, flips sign, and stays within about lr * lambda of zero
    assert (history != 0).all()
    flips = (torch.sign(history[1:]) != torch.sign(history[:-1])).sum(0)
    assert (flips >= 40).all()
    assert history[-10:].abs().max().item() <= 0.003 + 1e-12


def test_subgradient_rule_is_plain_sgd_on_the_penalised_loss():
    rng = np.random.default_rng(RNG_SEED)
    w = torch.as_tensor(rng.normal(size=(3, 40)))
    g = torch.as_tensor(rng.normal(size=(3, 40)))
    lr = _t([0.01, 0.02, 0.05]).view(-1, 1)
    l1 = _t([0.3, 0.0, 1.0]).view(-1, 1)
    out = regularizers.l1_step(w, g, lr, l1, "subgradient")
    np.testing.assert_allclose(out.numpy(), (w - lr * (g + l1 * torch.sign(w))).numpy(), rtol=1e-14)


def test_clip_never_crosses_zero_random_trials():
    gen = torch.Generator().manual_seed(RNG_SEED)
    crossings_prevented = 0
    for trial in range(300):
        shape = (4, 57)
        scale = 10.0 ** torch.empty(1).uniform_(-4, 0, generator=gen).item()
        w = torch.randn(shape, generator=gen, dtype=torch.float64) * scale
        w[torch.rand(shape, generator=gen) < 0.05] = 0.0
        g = torch.randn(shape, generator=gen, dtype=torch.float64) * 10.0 ** torch.empty(1).uniform_(-3, 1, generator=gen).item()
        lr = torch.rand(4, 1, generator=gen, dtype=torch.float64) * 0.1 + 1e-4
        l1 = torch.rand(4, 1, generator=gen, dtype=torch.float64) * 1.0
        out = regularizers.l1_step(w, g, lr, l1, "clip")
        sub = regularizers.l1_step(w, g, lr, l1, "subgradient")
        assert ((out * w) >= 0).all(), f"trial {trial}: a weight changed sign"
        crossed = (sub * w) < 0
        crossings_prevented += int(crossed.sum())
        # a weight that would cross lands on exactly zero; every other weight takes the plain step
        assert (out[crossed] == 0).all()
        assert torch.equal(out[~crossed], sub[~crossed])
    assert crossings_prevented > 100  # the trials did exercise the clip


def test_clip_gives_exact_zeros_for_small_weights():
    w = _t([0.001, -0.002, 0.5])
    out = regularizers.l1_step(w, torch.zeros_like(w), _t(0.01), _t(0.3), "clip")
    assert out[0].item() == 0.0 and out[1].item() == 0.0
    assert out[2].item() == pytest.approx(0.497)


def test_unknown_rule_raises():
    w = _t([1.0])
    with pytest.raises(ConfigError) as info:
        regularizers.l1_step(w, w, _t(0.1), _t(0.1), "magic")
    assert info.value.field_name == "regularization.l1_rule"
