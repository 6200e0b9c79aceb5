"""The deep-net gradient lab (regviz.core.deep_gradients, numpy only): its backward pass against
torch autograd and finite differences, the activations against regviz.core.activations, the init
against network.py, f'(z) <= 1/4 for sigmoid, and the vanishing gradient itself on the seed data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from regviz.core.activations import get_activation
from regviz.core.data import make_dataset
from regviz.core.deep_gradients import (ACTIVATION_NAMES, DeepSpec, activation_and_derivative, initial_state, make_frame,
                                        measure, sgd_step, train_live, vanishing_ratio, xavier_weights)
from regviz.core.network import initial_weights
from regviz.core.presets import load_preset

TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "elu": torch.nn.functional.elu}


@pytest.fixture(scope="module")
def seed_data():
    data = make_dataset(load_preset("seed").data)
    return data.x_train, data.y_train


def perturbed(spec: DeepSpec, seed: int = 3):
    """An initial state with random biases too, so every bias gradient is exercised."""
    state = initial_state(spec)
    rng = np.random.default_rng(seed)
    state.biases = [b + rng.normal(0, 0.3, b.shape) for b in state.biases]
    return state


def test_activations_match_the_apps():
    z = np.concatenate([np.linspace(-30, 30, 601), [0.0, -1e-9, 1e-9, -800.0]])
    for name in ACTIVATION_NAMES:
        f, d = activation_and_derivative(name, z)
        app = get_activation(name)
        np.testing.assert_allclose(f, app.value(z), atol=1e-12, err_msg=name)
        np.testing.assert_allclose(d, app.derivative(z), atol=1e-12, err_msg=name)
    # sigmoid's slope peaks at z = 0 with 1/4
    _, d = activation_and_derivative("sigmoid", z)
    assert d.max() == pytest.approx(0.25) and np.all(d <= 0.25)


def test_initial_weights_are_the_apps_xavier_draws():
    sizes = (1, 10, 10, 10, 1)
    for a, b in zip(xavier_weights(sizes, 12), initial_weights(sizes, 12)):
        np.testing.assert_array_equal(a, b)
    state = initial_state(DeepSpec(depth=3, width=10, seed=12))
    assert [w.shape for w in state.weights] == [(4, 1, 10), (4, 10, 10), (4, 10, 10), (4, 10, 1)]
    assert all(np.array_equal(w[0], w[3]) for w in state.weights)  # every activation starts the same


def test_backward_pass_matches_torch_autograd(seed_data):
    x, y = seed_data
    spec = DeepSpec(depth=4, width=6, seed=5)
    state = perturbed(spec)
    m = measure(spec, state, x, y)
    xt, yt = torch.tensor(x, dtype=torch.float64).reshape(-1, 1), torch.tensor(y, dtype=torch.float64).reshape(-1, 1)
    for k, name in enumerate(spec.activations):
        ws = [torch.tensor(w[k], requires_grad=True) for w in state.weights]
        bs = [torch.tensor(b[k], requires_grad=True) for b in state.biases]
        h = xt
        for layer, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w + b
            if layer < len(ws) - 1:
                h = TORCH_ACT[name](h)
        loss = ((h - yt) ** 2).mean()
        loss.backward()
        assert m.loss[k] == pytest.approx(loss.item(), rel=1e-12)
        for layer in range(len(ws)):
            np.testing.assert_allclose(m.weight_grads[layer][k], ws[layer].grad.numpy(), rtol=1e-9, atol=1e-15)
            np.testing.assert_allclose(m.bias_grads[layer][k], bs[layer].grad.numpy(), rtol=1e-9, atol=1e-15)
            assert m.grad_mean[k, layer] == pytest.approx(ws[layer].grad.abs().mean().item(), rel=1e-9)


def test_first_and_last_layer_gradients_by_finite_differences(seed_data):
    """Central differences of the loss in a few weights of hidden layer 1 and of the deepest hidden
    layer, for every activation (ReLU away from its kink: the biases keep z off 0)."""
    x, y = seed_data
    spec = DeepSpec(depth=5, width=4, seed=7)
    state = perturbed(spec)
    m = measure(spec, state, x, y)
    eps = 1e-6
    for layer in (0, spec.depth - 1):
        for index in [(0, 0), (0, 1)] if layer == 0 else [(1, 2), (3, 0)]:
            for k in range(len(spec.activations)):
                losses = []
                for sign in (1, -1):
                    moved = dataclasses.replace(state, weights=[w.copy() for w in state.weights])
                    moved.weights[layer][(k, *index)] += sign * eps
                    losses.append(measure(spec, moved, x, y).loss[k])
                numeric = (losses[0] - losses[1]) / (2 * eps)
                assert m.weight_grads[layer][(k, *index)] == pytest.approx(numeric, rel=1e-4, abs=1e-10)


def test_sigmoid_derivatives_stay_under_a_quarter_in_every_layer(seed_data):
    frame = make_frame(DeepSpec(seed=12), initial_state(DeepSpec(seed=12)), *seed_data)
    k = frame.activations.index("sigmoid")
    assert np.all(frame.fprime_quantiles[k] <= 0.25) and np.all(frame.fprime_mean[k] <= 0.25)
    assert np.all(frame.fprime_quantiles <= 1.0) and np.all(frame.fprime_quantiles >= 0.0)
    assert np.all(np.diff(frame.fprime_quantiles, axis=2) >= 0)  # 10 % <= median <= 90 %


@pytest.mark.parametrize("seed", [0, 12, 3])
def test_an_eight_layer_sigmoid_net_starves_its_first_layer(seed_data, seed):
    """Measured at init on the seed data: sigmoid's layer 1 gets 6e-5 to 2e-4 of layer 8's mean
    |gradient|; tanh, ReLU and ELU keep 0.17 to 10 of it. Asserted with margins: < 1e-2, > 0.05."""
    spec = DeepSpec(depth=8, width=10, seed=seed)
    frame = make_frame(spec, initial_state(spec), *seed_data)
    ratio = dict(zip(frame.activations, vanishing_ratio(frame.grad_mean, 8)))
    assert ratio["sigmoid"] < 1e-2
    assert min(ratio["tanh"], ratio["relu"], ratio["elu"]) > 0.05


def test_the_deep_sigmoid_preset_shows_it():
    cfg = load_preset("deep-sigmoid")
    assert cfg.model.hidden_layers == (10,) * 8 and cfg.model.activation == "sigmoid"
    data = make_dataset(cfg.data)
    spec = DeepSpec(depth=8, width=10, activations=("sigmoid",), seed=cfg.training.seed)
    frame = make_frame(spec, initial_state(spec), data.x_train, data.y_train)
    assert vanishing_ratio(frame.grad_mean, 8)[0] < 1e-2


def test_gradient_descent_lowers_every_loss_and_train_live_is_those_steps(seed_data):
    x, y = seed_data
    spec = DeepSpec(depth=3, width=5, learning_rate=0.001, seed=1)
    by_hand = initial_state(spec)
    first = measure(spec, by_hand, x, y).loss
    for _ in range(30):
        sgd_step(spec, by_hand, x, y)
    assert np.all(measure(spec, by_hand, x, y).loss < first)
    frames = []
    final = train_live(spec, x, y, total_steps=30, frame=frames.append, frame_interval=0.0)
    assert final.step == 30 and frames[-1] is final and all(f.step <= 30 for f in frames)
    for a, b in zip(final.state.weights, by_hand.weights):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    # resuming from a frame's state goes on from its step
    more = train_live(spec, x, y, final.state, total_steps=35)
    assert more.step == 35


def test_should_stop_ends_the_run():
    spec = DeepSpec(depth=2, width=3)
    calls = []
    result = train_live(spec, np.array([1.0, 2.0]), np.array([2.0, 4.0]),
                        should_stop=lambda: calls.append(1) or len(calls) > 2)
    assert 0 < result.step < 1_000_000


def test_a_diverging_net_is_frozen_and_flagged(seed_data):
    spec = DeepSpec(depth=3, width=10, learning_rate=10.0, activations=("relu", "sigmoid"), seed=0)
    state = initial_state(spec)
    with np.errstate(all="ignore"):
        for _ in range(200):
            sgd_step(spec, state, *seed_data)
    assert state.diverged[0]
    assert all(np.all(np.isfinite(w[0])) for w in state.weights)  # frozen at its last finite weights
    frame = make_frame(spec, state, *seed_data)
    assert frame.diverged[0]


@pytest.mark.parametrize("changes", [{"depth": 0}, {"depth": 13}, {"width": 2.5}, {"width": True},
                                     {"learning_rate": 0.0}, {"learning_rate": float("nan")},
                                     {"activations": ("softplus",)}, {"activations": ()}])
def test_bad_specs_say_what_is_wrong(changes):
    with pytest.raises(ValueError) as info:
        dataclasses.replace(DeepSpec(), **changes).validate()
    assert next(iter(changes)).replace("_", " ") in str(info.value)
