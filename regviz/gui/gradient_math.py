"""The Gradients tab's maths and words, without Qt: how each activation is drawn, the history of the
gradient reaching layer 1, log-scale ranges, and the caption that says what the numbers show."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from regviz.core.deep_gradients import FPRIME_MAX, GradientFrame, vanishing_ratio

# Activations are not methods, but the palette has four model colours and dash patterns told apart
# without colour: each activation borrows one pair (plus its own marker shape).
ACTIVATION_LOOK = {"sigmoid": "l1", "tanh": "l2", "relu": "elasticnet", "elu": "none"}
ACTIVATION_SYMBOL = {"sigmoid": "o", "tanh": "s", "relu": "t", "elu": "d"}
ACTIVATION_LABEL = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "elu": "ELU"}
HISTORY_POINTS = 2000  # the history keeps at most about this many steps (older ones thinned)
DODGE = 0.17  # layer units between the activations' f'(z) bars of one layer


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Values a log axis can draw: zero, negative and non-finite ones become NaN (a gap)."""
    values = np.array(values, dtype=np.float64)
    values[~(np.isfinite(values) & (values > 0))] = np.nan
    return values


def log_range(values: np.ndarray, decades: float = 0.25) -> tuple[float, float] | None:
    """(low, high) in log10 units around the drawable values, padded by `decades`; None if none."""
    logs = np.log10(positive_or_nan(values)[np.isfinite(positive_or_nan(values))])
    if not len(logs):
        return None
    low, high = float(logs.min()), float(logs.max())
    if high - low < 1.0:  # at least one decade in view, centred
        middle = (low + high) / 2
        low, high = middle - 0.5, middle + 0.5
    return math.floor((low - decades) * 4) / 4, math.ceil((high + decades) * 4) / 4


def dodge(count: int) -> np.ndarray:
    """Horizontal offsets of `count` activations around a layer's tick: -0.25, ..., +0.25 for 4."""
    return (np.arange(count) - (count - 1) / 2) * DODGE


class GradientHistory:
    """Per activation, the mean |dL/dW| reaching hidden layer 1, one row per frame. Past
    HISTORY_POINTS rows every other row is dropped, so memory stays bounded and the whole run stays
    in view."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.rows: list[np.ndarray] = []

    def clear(self) -> None:
        self.steps, self.rows = [], []

    def add(self, step: int, layer_one: np.ndarray) -> None:
        if self.steps and step <= self.steps[-1]:  # the same step again (a resumed run's first frame)
            self.rows[-1] = np.asarray(layer_one, dtype=np.float64)
            return
        self.steps.append(int(step))
        self.rows.append(np.asarray(layer_one, dtype=np.float64))
        if len(self.steps) > HISTORY_POINTS:
            keep = list(range(0, len(self.steps) - 1, 2)) + [len(self.steps) - 1]  # keep the newest
            self.steps = [self.steps[i] for i in keep]
            self.rows = [self.rows[i] for i in keep]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps [n], values [K, n])."""
        if not self.steps:
            return np.zeros(0), np.zeros((0, 0))
        return np.asarray(self.steps, dtype=np.float64), np.stack(self.rows, axis=1)


def sci(value: float) -> str:
    """1 significant-ish figure in words a class reads: '6.5e-05', '0.56', '12'."""
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    if 0.01 <= abs(value) < 1000:
        return f"{value:.2g}" if abs(value) < 10 else f"{value:.0f}"
    return f"{value:.1e}"


def what_is_seen(frame: GradientFrame) -> str:
    """The caption under the canvas: the gradient in layer 1 and in the deepest layer per
    activation, for sigmoid why it vanishes (f'(z) <= 1/4, multiplied layer after layer) or that
    it has vanished everywhere, and the loss each net has reached."""
    depth = frame.fprime_mean.shape[1]
    names = frame.activations
    live = [k for k in range(len(names)) if not frame.diverged[k]]
    grads = ", ".join(f"{ACTIVATION_LABEL[n]} diverged" if frame.diverged[k] else
                      (f"{ACTIVATION_LABEL[n]} {sci(frame.grad_mean[k, 0])}" if depth == 1 else
                       f"{ACTIVATION_LABEL[n]} {sci(frame.grad_mean[k, 0])} and {sci(frame.grad_mean[k, depth - 1])}")
                      for k, n in enumerate(names))
    if depth == 1:
        lines = [f"One hidden layer, nothing to vanish through; mean |∂L/∂W₁|: {grads}."]
    else:
        lines = [f"Mean |∂L/∂W| in layer 1 and in layer {depth}: {grads}."]
    if "sigmoid" in names and depth > 1 and names.index("sigmoid") in live:
        k = names.index("sigmoid")
        ratio = float(vanishing_ratio(frame.grad_mean, depth)[k])
        mean = float(np.nanmean(frame.fprime_mean[k, :-1]))  # the layers it passes back through
        others = [float(np.nanmax(frame.grad_mean[j, :depth])) for j in live if j != k]
        largest = float(np.nanmax(frame.grad_mean[k, :depth]))
        if np.isfinite(ratio) and 0 < ratio < 0.1:
            lines.append(f"Sigmoid: layer 1 gets {sci(ratio)} of layer {depth}'s gradient, "
                         f"×{ratio ** (1.0 / (depth - 1)):.2f} per layer on the way back: its f′(z) is at most "
                         f"{FPRIME_MAX['sigmoid']:g} (mean here {mean:.2f}) and the factors multiply.")
        elif others and largest < 1e-3 * max(others):
            lines.append(f"Sigmoid: the gradient has vanished in every layer (at most {sci(largest)}): "
                         "so its weights barely move any more.")
    losses = ", ".join(f"{ACTIVATION_LABEL[n]} {sci(float(frame.loss[k])) if not frame.diverged[k] else '—'}"
                       for k, n in enumerate(names))
    lines.append(f"Step {frame.step:,}; loss (mean squared error): {losses}.")
    if len(live) < len(names):
        lines.append("A diverged net is frozen: lower the learning rate and press Reset.")
    return " ".join(lines)


def figure_caption(depth: int, width: int, learning_rate: float, step: int, activations: Sequence[str]) -> str:
    """The line under an exported figure: where the picture comes from."""
    names = ", ".join(ACTIVATION_LABEL[n] for n in activations)
    return (f"regviz · gradients · {depth} hidden layers × {width} units ({names}) · full-batch gradient "
            f"descent, lr {learning_rate:g}, MSE · step {step:,}")
