"""Vanishing gradients, without Qt or torch: deep MLPs with sigmoid, tanh, ReLU and ELU trained side
by side (one batched ensemble, numpy), reporting per layer the gradient that reaches it and the
activation derivatives f'(z) it is multiplied by on the way back.

Every member starts from the same Xavier-uniform weights (the app's init scheme, network.py; drawn
from the same seed) and zero biases, and sees the same data, so only the activation differs. The
loss is the mean squared error over the training points; the update is plain full-batch gradient
descent (one step = one pass over the training points), so the per-layer gradients are not
sampling noise. A member whose loss or gradient stops being finite is frozen and flagged.

The activations follow regviz.core.activations (imported nowhere here: it imports torch): at z == 0
every derivative takes the z <= 0 branch, ELU has alpha = 1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "elu")
FPRIME_MAX = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "elu": 1.0}  # the largest f'(z) can be
QUANTILES = (0.1, 0.5, 0.9)  # the f'(z) spread reported per layer
MAX_DEPTH = 12
MAX_WIDTH = 32
MAX_STEPS = 1_000_000
FRAME_INTERVAL = 1 / 15  # s between live frames: the canvas needs no more


def activation_and_derivative(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and f'(z) of one of ACTIVATION_NAMES (float64)."""
    z = np.asarray(z, dtype=np.float64)
    if name == "sigmoid":
        h = np.exp(-np.logaddexp(0.0, -z))  # no overflow for very negative z
        return h, h * (1.0 - h)
    if name == "tanh":
        h = np.tanh(z)
        return h, 1.0 - h * h
    if name == "relu":
        positive = z > 0
        return np.where(positive, z, 0.0), positive.astype(np.float64)
    if name == "elu":
        positive = z > 0
        expz = np.exp(np.minimum(z, 0.0))
        return np.where(positive, z, expz - 1.0), np.where(positive, 1.0, expz)
    raise ValueError(f"activation: got {name!r}; expected one of {', '.join(ACTIVATION_NAMES)}")


@dataclass(frozen=True)
class DeepSpec:
    """What to train: depth hidden layers of `width` units, one member per activation."""

    depth: int = 8
    width: int = 10
    activations: tuple[str, ...] = ACTIVATION_NAMES
    learning_rate: float = 0.01
    seed: int = 0  # the init seed: every member starts from the same weights

    def validate(self) -> "DeepSpec":
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) or not 1 <= self.depth <= MAX_DEPTH:
            raise ValueError(f"depth: got {self.depth!r}; expected a whole number from 1 to {MAX_DEPTH}")
        if isinstance(self.width, bool) or not isinstance(self.width, int) or not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"width: got {self.width!r}; expected a whole number from 1 to {MAX_WIDTH}")
        if not self.activations or any(a not in ACTIVATION_NAMES for a in self.activations):
            raise ValueError(f"activations: got {self.activations!r}; expected names from {ACTIVATION_NAMES}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or not 0 < lr <= 10:
            raise ValueError(f"learning rate: got {lr!r}; expected a number above 0, at most 10")
        return self

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (1, *([self.width] * self.depth), 1)


@dataclass
class DeepState:
    """The ensemble's parameters: weights [K, in, out] and biases [K, out] per layer."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    step: int = 0
    diverged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class Measurement:
    """One forward and backward pass over the training points, without an update.

    grad_mean[k, l]: mean |dL/dW_l| over the entries of weight matrix l (l = 0 feeds hidden layer
    1; the last is the output layer); fprime[l]: f'(z) of hidden layer l, [K, n, width];
    weight_grads / bias_grads: the gradients themselves."""

    loss: np.ndarray  # [K]
    grad_mean: np.ndarray  # [K, depth + 1]
    fprime: list[np.ndarray]
    weight_grads: list[np.ndarray]
    bias_grads: list[np.ndarray]


@dataclass(frozen=True)
class GradientFrame:
    """What the canvas draws, and the state to resume from (picklable, small)."""

    step: int
    activations: tuple[str, ...]
    loss: np.ndarray  # [K]
    grad_mean: np.ndarray  # [K, depth + 1]
    fprime_mean: np.ndarray  # [K, depth]
    fprime_quantiles: np.ndarray  # [K, depth, len(QUANTILES)]
    diverged: np.ndarray  # [K] bool
    state: DeepState


def xavier_weights(layer_sizes: Sequence[int], seed: int) -> list[np.ndarray]:
    """network.initial_weights without its torch import: the same draws, in the same order."""
    rng = np.random.default_rng(int(seed))
    out = []
    for a, b in zip(layer_sizes[:-1], layer_sizes[1:]):
        bound = math.sqrt(6.0 / (a + b))
        out.append(rng.uniform(-bound, bound, (a, b)))
    return out


def initial_state(spec: DeepSpec) -> DeepState:
    spec.validate()
    k = len(spec.activations)
    one = xavier_weights(spec.layer_sizes, spec.seed)
    weights = [np.repeat(w[None], k, axis=0) for w in one]
    biases = [np.zeros((k, w.shape[1])) for w in one]
    return DeepState(weights, biases, 0, np.zeros(k, dtype=bool))


def measure(spec: DeepSpec, state: DeepState, x: np.ndarray, y: np.ndarray) -> Measurement:
    """Loss, gradients and f'(z) of every member at its current parameters (MSE over x, y)."""
    x = np.asarray(x, dtype=np.float64).reshape(1, -1, 1)
    y = np.asarray(y, dtype=np.float64).reshape(1, -1, 1)
    k, n = len(spec.activations), x.shape[1]
    h = np.broadcast_to(x, (k, n, 1))
    inputs, fprime = [], []
    last = len(state.weights) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        for layer, (w, b) in enumerate(zip(state.weights, state.biases)):
            inputs.append(h)
            z = np.matmul(h, w) + b[:, None, :]
            if layer == last:
                h = z
                break
            values, slopes = [], []
            for member, name in enumerate(spec.activations):
                v, d = activation_and_derivative(name, z[member])
                values.append(v)
                slopes.append(d)
            h, d = np.stack(values), np.stack(slopes)
            fprime.append(d)
        error = h - y
        loss = np.mean(error**2, axis=(1, 2))
        delta = 2.0 * error / n  # dL/dz of the output
        weight_grads: list[np.ndarray] = [np.empty(0)] * len(state.weights)
        bias_grads: list[np.ndarray] = [np.empty(0)] * len(state.weights)
        for layer in range(last, -1, -1):
            weight_grads[layer] = np.matmul(inputs[layer].transpose(0, 2, 1), delta)
            bias_grads[layer] = delta.sum(axis=1)
            if layer > 0:
                delta = np.matmul(delta, state.weights[layer].transpose(0, 2, 1)) * fprime[layer - 1]
    grad_mean = np.stack([np.abs(g).mean(axis=(1, 2)) for g in weight_grads], axis=1)
    return Measurement(loss, grad_mean, fprime, weight_grads, bias_grads)


def sgd_step(spec: DeepSpec, state: DeepState, x: np.ndarray, y: np.ndarray) -> Measurement:
    """One full-batch gradient step of every member still finite; returns the measurement it used."""
    m = measure(spec, state, x, y)
    finite = np.isfinite(m.loss)
    for g in (*m.weight_grads, *m.bias_grads):
        finite &= np.isfinite(g).reshape(len(finite), -1).all(axis=1)
    state.diverged |= ~finite
    live = ~state.diverged
    lr = spec.learning_rate
    for layer in range(len(state.weights)):
        new_w = state.weights[layer] - lr * m.weight_grads[layer]
        new_b = state.biases[layer] - lr * m.bias_grads[layer]
        state.weights[layer] = np.where(live[:, None, None], new_w, state.weights[layer])
        state.biases[layer] = np.where(live[:, None], new_b, state.biases[layer])
    state.step += 1
    return m


def make_frame(spec: DeepSpec, state: DeepState, x: np.ndarray, y: np.ndarray) -> GradientFrame:
    """The canvas's numbers for the current parameters (a copy of the state rides along)."""
    m = measure(spec, state, x, y)
    k = len(spec.activations)
    pooled = [d.reshape(k, -1) for d in m.fprime]  # per layer, every unit on every input
    fprime_mean = np.stack([p.mean(axis=1) for p in pooled], axis=1)
    quantiles = np.stack([np.quantile(p, QUANTILES, axis=1).T for p in pooled], axis=1)
    copy = DeepState([w.copy() for w in state.weights], [b.copy() for b in state.biases], state.step,
                     state.diverged.copy())
    return GradientFrame(state.step, tuple(spec.activations), m.loss, m.grad_mean, fprime_mean, quantiles,
                         state.diverged.copy(), copy)


def train_live(spec: DeepSpec, x: np.ndarray, y: np.ndarray, state: DeepState | None = None,
               total_steps: int = MAX_STEPS, *, progress: Callable[[int, int], None] | None = None,
               should_stop: Callable[[], bool] | None = None,
               frame: Callable[[GradientFrame], None] | None = None,
               frame_interval: float = FRAME_INTERVAL, max_steps_per_second: float | None = None) -> GradientFrame:
    """Train until total_steps or should_stop(); a frame every frame_interval and one at the end
    (the state to resume from). Run in a job process (regviz.gui.jobs, with frames)."""
    spec.validate()
    state = state if state is not None else initial_state(spec)
    started, first_step = time.perf_counter(), state.step
    last_frame = started
    while state.step < total_steps:
        if should_stop is not None and should_stop():
            break
        chunk_end = time.perf_counter() + 0.005  # check for a stop every few ms
        while state.step < total_steps and time.perf_counter() < chunk_end:
            if max_steps_per_second and (state.step - first_step) >= (time.perf_counter() - started) * max_steps_per_second:
                time.sleep(0.002)
                continue
            sgd_step(spec, state, x, y)
            if state.diverged.all():
                break
        now = time.perf_counter()
        if frame is not None and now - last_frame >= frame_interval:
            last_frame = now
            frame(make_frame(spec, state, x, y))
        if progress is not None:
            progress(state.step, total_steps)
        if state.diverged.all():
            break
    final = make_frame(spec, state, x, y)
    if frame is not None:
        frame(final)
    return final


def vanishing_ratio(grad_mean: np.ndarray, depth: int) -> np.ndarray:
    """Per member, hidden layer 1's mean |gradient| over hidden layer `depth`'s (the deepest)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return grad_mean[:, 0] / grad_mean[:, depth - 1]
