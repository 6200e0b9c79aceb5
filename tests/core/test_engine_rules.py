"""The L1 rules inside the engine against a plain-Python oracle, and RReLU's training backward
against autograd."""

from __future__ import annotations

import numpy as np
import pytest

from regviz.core import regularizers
from regviz.core.engine import MemberSpec
from regviz.core.experiments import build_engine

from engine_oracle import autograd_gradients, batch_at, oracle_step
from engine_kinds import engine_kind  # noqa: F401  (every test here runs on both engines)


@pytest.mark.parametrize("activation, batch_size", [("linear", 1), ("tanh", 4)])
def test_one_engine_step_equals_the_oracle_for_every_rule_and_method(seed_cfg, mixed_members, activation, batch_size):
    """From trained weights (many near zero under L1), every weight of every model after one step is
    what the oracle computes from autograd's data gradient, element by element."""
    cfg = seed_cfg.replace(**{"model.activation": activation, "training.batch_size": batch_size})
    engine = build_engine(cfg, mixed_members)
    engine.step(300)
    before = engine.snapshot()
    xb, yb = batch_at(engine, engine.step_count)
    engine.step(1)
    after = engine.snapshot()
    zeros = 0
    for k, spec in enumerate(mixed_members):
        _, grads, _, _ = autograd_gradients(before, k, engine.activation, xb, yb, "abs", 1.0)
        l1, l2 = regularizers.coefficients(spec.method, spec.lam, spec.rho)
        for layer, (w, g) in enumerate(zip(before.weights, grads)):
            expected = np.array([oracle_step(a, b, spec.learning_rate, l1, l2, spec.l1_term_rule)
                                 for a, b in zip(w[k].ravel().tolist(), g.ravel().tolist())]).reshape(w[k].shape)
            np.testing.assert_allclose(after.weights[layer][k], expected, rtol=1e-11, atol=1e-15,
                                       err_msg=f"model {k} ({spec.method}, {spec.l1_rule}) layer {layer}")
            zeros += int((expected == 0).sum())
            assert np.array_equal(after.weights[layer][k] == 0, expected == 0)  # exact zeros exactly there
    assert zeros > 50  # clip and proximal really produced exact zeros in this step


def test_clip_and_proximal_give_exact_zeros_in_training_and_subgradient_none(seed_cfg):
    members = [MemberSpec(seed=0, method="l1", l1_rule=rule) for rule in ("subgradient", "clip", "proximal")]
    engine = build_engine(seed_cfg, members)
    engine.step(4000)
    snap = engine.snapshot()
    zeros = [sum(int((w[k] == 0).sum()) for w in snap.weights) for k in range(3)]
    assert zeros[0] == 0 and zeros[1] > 100 and zeros[2] > 100


def test_rrelu_training_backward_matches_autograd_with_the_drawn_slopes(seed_cfg, mixed_members):
    """RReLU draws a random slope per element and step: capture the engine's draws for one step,
    then autograd through x -> where(x > 0, x, x * slope) with those slopes gives the new weights."""
    cfg = seed_cfg.replace(**{"model.activation": "rrelu", "training.batch_size": 3})
    members = [m for m in mixed_members if m.l1_term_rule is None]  # plain SGD: autograd's step is the oracle
    engine = build_engine(cfg, members, engine="torch")  # records the torch engine's draws (the compiled
    # engine draws the same ones: tests/core/test_engine_agreement.py)
    engine.step(20)
    before = engine.snapshot()
    xb, yb = batch_at(engine, engine.step_count)
    drawn = []
    activation = engine.activation
    batched = activation.batched

    def recording(z, ctx):
        h, d = batched(z, ctx)
        drawn.append(d.numpy().copy())
        return h, d

    object.__setattr__(activation, "batched", recording)
    try:
        engine.step(1)
    finally:
        object.__delattr__(activation, "batched")
    after = engine.snapshot()
    assert len(drawn) == 3  # one draw per hidden layer
    lo, hi = activation.train_slope_band()
    for k, spec in enumerate(members):
        slopes = [d[k] for d in drawn]  # d is the slope where z <= 0 and 1 elsewhere
        negative = [s[s != 1.0] for s in slopes]
        assert all(((n >= lo) & (n <= hi)).all() for n in negative)
        new_w, new_b = _step_with_slopes(before, k, activation, xb, yb, spec, slopes)
        for layer in range(len(new_w)):
            np.testing.assert_allclose(after.weights[layer][k], new_w[layer], rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(after.biases[layer][k], new_b[layer], rtol=1e-10, atol=1e-13)
    assert sum(int((d != 1.0).sum()) for d in drawn) > 10  # negative pre-activations were exercised


def _step_with_slopes(snap, k, activation, xb, yb, spec, slopes):
    params, grads, _, _ = autograd_gradients(snap, k, activation, xb, yb, "abs", 1.0, spec, negative_slopes=slopes)
    new = [p - spec.learning_rate * g for p, g in zip(params, grads)]
    return new[: len(snap.weights)], new[len(snap.weights) :]
