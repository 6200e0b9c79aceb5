"""The activation canvas's maths and words, without Qt: which hidden units are inactive (dead, stuck
at z <= 0), which unit·inputs are saturated and the mean f'(z) per layer, the saturation bound, round
histogram bins, and how to say what is counted."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from regviz.core.activations import Activation

HIST_BINS = 40  # at most this many bins on the wider side of 0; 0 is always an edge
SATURATION_FRACTION = 0.10  # saturated: f'(z) below 10 % of its peak (on a unit, for one input)

RELU_FAMILY = {"relu", "leaky_relu", "prelu", "rrelu", "elu"}
SATURATING = {"sigmoid", "tanh"}


def inactive_kind(activation: Activation) -> str | None:
    """Which kind of inactive unit this activation can have: 'dead', 'negative', 'saturated' or None.

    'dead' is ReLU, and any fixed ReLU-family member whose parameters give it no gradient for z < 0
    (leaky slope 0, ELU alpha 0); the rest of the family only has units stuck on the negative side.
    """
    if activation.name in RELU_FAMILY:
        flat = float(activation.derivative(np.array([-1.0]))[0]) == 0.0
        return "dead" if flat and not activation.learnable else "negative"
    if activation.name in SATURATING:
        return "saturated"
    return None


def inactive_units(activation: Activation, pre_activation: np.ndarray) -> np.ndarray:
    """Which units of one hidden layer are inactive, from pre-activations [K, n_inputs, units]:
    [K, units] bool.

    ReLU family: z <= 0 on every input. Sigmoid/tanh: f'(z) < 10 % of f'(0) on every input (the
    status line counts unit·inputs instead: saturated_share). Linear (or anything else): never.
    """
    z = np.asarray(pre_activation, dtype=np.float64)
    kind = inactive_kind(activation)
    if kind in ("dead", "negative"):
        return np.all(z <= 0.0, axis=1)
    if kind == "saturated":
        peak = float(activation.derivative(np.zeros(1))[0])
        return np.all(activation.derivative(z) < SATURATION_FRACTION * peak, axis=1)
    return np.zeros((z.shape[0], z.shape[2]), dtype=bool)


def inactive_share(activation: Activation, pre_activations: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """Per model, how many hidden units (every hidden layer) are inactive, and the number of units."""
    if not pre_activations:
        return np.zeros(0, dtype=int), 0
    counts = sum(inactive_units(activation, z).sum(axis=1) for z in pre_activations)
    total = sum(int(z.shape[2]) for z in pre_activations)
    return np.asarray(counts, dtype=int), total


def peak_derivative(activation: Activation) -> float:
    """max f'(z): f'(0) for sigmoid (1/4) and tanh (1)."""
    return float(activation.derivative(np.zeros(1))[0])


def saturated_share(activation: Activation, pre_activations: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """Per model, how many unit·inputs (a hidden unit on one training input, every hidden layer)
    have f'(z) < SATURATION_FRACTION of its peak, and how many unit·inputs there are. A unit is
    rarely saturated on every input, so counting units says 0 while many of its inputs pass
    almost no gradient."""
    if not pre_activations:
        return np.zeros(0, dtype=int), 0
    limit = SATURATION_FRACTION * peak_derivative(activation)
    counts = sum((activation.derivative(np.asarray(z, dtype=np.float64)) < limit).sum(axis=(1, 2))
                 for z in pre_activations)
    total = sum(int(z.shape[1] * z.shape[2]) for z in pre_activations)
    return np.asarray(counts, dtype=int), total


def layer_mean_derivative(activation: Activation, pre_activations: Sequence[np.ndarray]) -> np.ndarray:
    """[K, layers]: the mean f'(z) of each hidden layer over its units and the training inputs
    (NaN where none is finite). The gradient reaching layer 1 has been multiplied by one such
    factor per layer above it: for sigmoid each is at most 1/4, which is why a deep sigmoid net's
    gradient vanishes even with no unit saturated."""
    out = []
    for z in pre_activations:
        d = activation.derivative(np.asarray(z, dtype=np.float64)).reshape(z.shape[0], -1)
        finite = np.isfinite(d)
        count = finite.sum(axis=1)
        total = np.where(finite, d, 0.0).sum(axis=1)
        out.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    return np.stack(out, axis=1) if out else np.zeros((0, 0))


def saturated_line(count: int, total: int, layer_means: np.ndarray, peak: float) -> str:
    """The status text for one model of a saturating activation: the saturated unit·inputs with
    their threshold, and the spread of the per-layer mean f'(z) against its peak."""
    share = 100.0 * count / total if total else 0.0
    percent = "<1" if 0 < share < 0.5 else f"{share:.0f}"
    text = (f"saturated (f′ < {SATURATION_FRACTION:.0%} of max): {count:,}/{total:,} unit·inputs "
            f"({percent}%)")
    means = layer_means[np.isfinite(layer_means)]
    if len(means) > 1:
        text += f" · mean f′ per layer {means.min():.2f}–{means.max():.2f} (max {peak:g})"
    elif len(means) == 1:
        text += f" · mean f′ {means[0]:.2f} (max {peak:g})"
    return text


def saturation_bound(activation: Activation) -> float | None:
    """|z| beyond which f'(z) < 10 % of its peak, for the saturating activations (else None)."""
    if inactive_kind(activation) != "saturated":
        return None
    z = np.linspace(0.0, 50.0, 50001)
    below = np.flatnonzero(activation.derivative(z) < SATURATION_FRACTION * activation.derivative(np.zeros(1))[0])
    return float(z[below[0]]) if len(below) else None


def nice_range(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^n at or above value (value > 0)."""
    value = max(float(value), 1e-12)
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        candidate = mantissa * 10.0**exponent
        if candidate >= value * (1 - 1e-12):
            return candidate
    return 10.0 ** (exponent + 1)


def histogram_edges(low: float, high: float) -> np.ndarray:
    """Bin edges covering [low, high] (low <= 0 <= high) with 0 on an edge and a round (1-2-5) bin
    width: the wider side of 0 gets from HIST_BINS / 2.5 to HIST_BINS bins."""
    width = nice_range(max(-low, high, 1e-3) / HIST_BINS)
    below = max(1, math.ceil(-low / width - 1e-9))
    above = max(1, math.ceil(high / width - 1e-9))
    return np.arange(-below, above + 1) * width


# ---------------------------------------------------------------- what the canvas says about them
STATUS_HELP = {
    "dead": (
        "Dead unit (ReLU, or any unit with no slope for z < 0): its pre-activation z is <= 0 on every "
        "training input, so f(z) = 0 and f'(z) = 0 on all of them. It outputs nothing and receives no gradient, so plain training "
        "cannot revive it."
    ),
    "negative": (
        "Negative-side unit: its pre-activation z is <= 0 on every training input (what would make a "
        "ReLU unit dead). With this activation it is NOT dead: for z < 0 it still passes a gradient "
        "of slope a (ELU: alpha*e^z), so it can recover."
    ),
    "saturated": (
        "Saturated: a unit on one training input whose derivative f'(z) is below 10 % of the peak f'(0) "
        "(0.25 for sigmoid, 1 for tanh), i.e. |z| > 3.64 (sigmoid) or |z| > 1.82 (tanh); counted over "
        "every unit and training input (unit·inputs). Little gradient passes there. The mean f'(z) per "
        "layer is the factor the gradient is multiplied by on its way back through that layer: a "
        "sigmoid's is at most 0.25, so in a deep sigmoid net the gradient reaching the first layers "
        "vanishes even when no unit is saturated (the Gradients tab shows it)."
    ),
    None: "Linear units: f'(z) = 1 everywhere, so no unit can die or saturate.",
}
STATUS_WORD = {"dead": "dead", "negative": "always z ≤ 0", "saturated": "saturated"}


def status_definition(activation: Activation) -> str:
    """One line (HTML) under the plots saying what the histogram legend counts."""
    kind = inactive_kind(activation)
    if kind == "dead":
        return "dead unit: z ≤ 0 on every training input, so f'(z) = 0 there and it gets no gradient"
    if kind == "negative":
        return ("always z ≤ 0: on every training input (a ReLU unit would be dead; this one still passes "
                "a gradient for z &lt; 0)")
    if kind == "saturated":
        bound = saturation_bound(activation)
        return (f"saturated: f'(z) &lt; {SATURATION_FRACTION:.0%} of its peak, i.e. |z| &gt; {bound:.2f} (shaded), "
                "counted per unit and training input; mean f'(z) per layer: the factor the gradient "
                "shrinks by through each layer")
    return "linear: f'(z) = 1 everywhere, so no unit can die or saturate"
