"""The numpy network (initial parameters, forward pass) against the torch engine."""

from __future__ import annotations

import numpy as np
import pytest

from regviz.core.activations import get_activation
from regviz.core.engine import MemberSpec
from regviz.core.experiments import build_engine
from regviz.core.network import forward, initial_snapshot, initial_weights, xavier_bound

ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu"]


def test_initial_weights_are_xavier_uniform_and_seeded():
    sizes = (1, 10, 10, 10, 1)
    a, b, c = initial_weights(sizes, 3), initial_weights(sizes, 3), initial_weights(sizes, 4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])
    for w, (fan_in, fan_out) in zip(a, zip(sizes[:-1], sizes[1:])):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        assert w.shape == (fan_in, fan_out) and xavier_bound(fan_in, fan_out) == pytest.approx(bound)
        assert np.abs(w).max() <= bound
    big = initial_weights((1, 200, 200, 1), 0)[1]  # spread over the whole range, mean near 0
    assert big.min() < -0.95 * xavier_bound(200, 200) and big.max() > 0.95 * xavier_bound(200, 200)
    assert abs(big.mean()) < 0.01


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_the_engine_starts_from_the_initial_snapshot_and_forward_agrees_with_it(seed_cfg, name):
    cfg = seed_cfg.replace(**{"model.activation": name, "model.hidden_layers": (6, 5)})
    members = [MemberSpec(seed=s, method="l2", lam=0.01) for s in (5, 6, 7)]
    engine = build_engine(cfg, members)
    activation = get_activation(name)
    start = initial_snapshot((1, 6, 5, 1), activation, [5, 6, 7])
    snap = engine.snapshot()
    for a, b in zip(start.weights + start.biases + start.prelu_slopes, snap.weights + snap.biases + snap.prelu_slopes):
        assert np.array_equal(a, b)
    engine.step(300)  # trained: non-zero biases, moved PReLU slopes
    snap = engine.snapshot()
    x = np.linspace(-3.0, 12.0, 57)
    prediction, pre = forward(snap, activation, x)  # the engine may hold a torch-free ActivationSpec
    np.testing.assert_allclose(prediction, engine.predict(x), rtol=1e-10, atol=1e-12)
    for mine, theirs in zip(pre, engine.pre_activations(x)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
