"""The network without an engine, in numpy: its initial parameters and its forward pass.

Every engine starts from `initial_snapshot`, so the same seeds give the same weights everywhere;
the window draws the untrained model, and replays recorded snapshots, with `forward`, without
importing torch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from regviz.core.records import Snapshot

if TYPE_CHECKING:  # activations imports torch; an engine without torch passes an ActivationSpec
    from regviz.core.activations import Activation


def xavier_bound(fan_in: int, fan_out: int) -> float:
    """Glorot & Bengio 2010: weights ~ U(-b, b) with b = sqrt(6 / (fan_in + fan_out))."""
    return math.sqrt(6.0 / (fan_in + fan_out))


def initial_weights(layer_sizes: Sequence[int], seed: int) -> list[np.ndarray]:
    """One model's Xavier-uniform weight matrices [in, out], drawn from its own seed."""
    rng = np.random.default_rng(int(seed))
    return [rng.uniform(-xavier_bound(a, b), xavier_bound(a, b), (a, b))
            for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]


def initial_snapshot(layer_sizes: Sequence[int], activation: Activation, seeds: Sequence[int]) -> Snapshot:
    """K untrained models: Xavier-uniform weights, zero biases, PReLU slopes at their init."""
    per_model = [initial_weights(layer_sizes, seed) for seed in seeds]
    weights = tuple(np.stack([m[layer] for m in per_model]) for layer in range(len(layer_sizes) - 1))
    biases = tuple(np.zeros((len(seeds), n)) for n in layer_sizes[1:])
    slopes = ()
    if activation.learnable:
        slopes = tuple(np.full((len(seeds), n), activation.params.get("init", 0.25)) for n in layer_sizes[1:-1])
    return Snapshot(0, 0, weights, biases, slopes, np.zeros(len(seeds), dtype=bool))


def forward(snap: Snapshot, activation: Activation, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Test-time predictions [K, n] of every model at points x, and the hidden pre-activations
    (per hidden layer [K, n, units]). PReLU uses each model's learned slopes."""
    h = np.broadcast_to(np.asarray(x, dtype=np.float64).reshape(1, -1, 1), (len(snap.diverged), np.size(x), 1))
    pre = []
    last = len(snap.weights) - 1
    for layer, (w, b) in enumerate(zip(snap.weights, snap.biases)):
        z = np.matmul(h, w) + b[:, None, :]
        if layer < last:
            pre.append(z)
            if snap.prelu_slopes:
                h = np.where(z > 0, z, z * snap.prelu_slopes[layer][:, None, :])
            else:
                h = activation.value(z)
        else:
            h = z
    return h[:, :, 0], pre
