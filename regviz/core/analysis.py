"""What a set of weight matrices says: sparsity, exact zeros, disconnected neurons, pruned sizes."""

from __future__ import annotations

from typing import Sequence

import numpy as np

SPARSITY_THRESHOLD = 0.01  # |w| below this counts as "switched off"


def sparsity(weights: Sequence[np.ndarray], threshold: float = SPARSITY_THRESHOLD) -> float:
    """Fraction of weights with |w| < threshold, over every matrix of one model."""
    flat = np.concatenate([np.ravel(w) for w in weights])
    return float(np.mean(np.abs(flat) < threshold))


def exact_zeros(weights: Sequence[np.ndarray]) -> float:
    flat = np.concatenate([np.ravel(w) for w in weights])
    return float(np.mean(flat == 0.0))


def disconnected_neurons(
    weights: Sequence[np.ndarray], threshold: float = SPARSITY_THRESHOLD
) -> list[list[int]]:
    """Per hidden layer, the neurons whose incoming or outgoing weights are all below threshold.

    weights[l] is one model's matrix shaped [in, out]; hidden layer l sits between weights[l] and
    weights[l + 1].
    """
    out = []
    for incoming, outgoing in zip(weights[:-1], weights[1:]):
        dead_in = np.all(np.abs(incoming) < threshold, axis=0)
        dead_out = np.all(np.abs(outgoing) < threshold, axis=1)
        out.append([int(j) for j in np.flatnonzero(dead_in | dead_out)])
    return out


def pruned_hidden_sizes(disconnected: Sequence[Sequence[int]], hidden: Sequence[int]) -> tuple[int, ...]:
    """Hidden widths once the disconnected neurons are removed (at least one neuron per layer)."""
    return tuple(max(1, width - len(dead)) for width, dead in zip(hidden, disconnected))


def weight_count(layer_sizes: Sequence[int]) -> int:
    return int(sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:])))
