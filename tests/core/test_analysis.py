"""What weights say: sparsity, exact zeros, disconnected neurons, pruned sizes, weight counts."""

from __future__ import annotations

import numpy as np

from regviz.core import analysis


def _net():
    w0 = np.array([[1.0, 0.005, 0.0, 2.0]])  # 1 -> 4
    w1 = np.array([[0.5, 0.001], [0.3, 0.2], [0.0, 0.0], [0.009, 0.0]])  # 4 -> 2
    w2 = np.array([[0.7], [0.002]])  # 2 -> 1
    return [w0, w1, w2]


def test_sparsity_and_exact_zeros():
    ws = _net()
    flat = np.concatenate([w.ravel() for w in ws])
    assert analysis.sparsity(ws) == np.mean(np.abs(flat) < 0.01) == 8 / 14
    assert analysis.exact_zeros(ws) == 4 / 14
    assert analysis.sparsity(ws, threshold=1e-6) == 4 / 14
    assert analysis.sparsity([np.zeros((3, 3))]) == 1.0 and analysis.exact_zeros([np.ones((2, 2))]) == 0.0


def test_disconnected_neurons():
    ws = _net()
    # hidden layer 0 (4 units): unit 1 has |in| < 0.01; unit 2 in = 0; unit 3 has all outgoing < 0.01
    # hidden layer 1 (2 units): unit 1 has outgoing 0.002 < 0.01
    assert analysis.disconnected_neurons(ws) == [[1, 2, 3], [1]]
    assert analysis.disconnected_neurons(ws, threshold=1e-6) == [[2], []]
    assert analysis.pruned_hidden_sizes([[1, 2, 3], [1]], (4, 2)) == (1, 1)
    assert analysis.pruned_hidden_sizes([[0, 1, 2, 3], []], (4, 2)) == (1, 2)  # at least one neuron


def test_weight_count():
    assert analysis.weight_count((1, 10, 10, 10, 1)) == 220
    assert analysis.weight_count((1, 10, 10, 1, 1)) == 121  # the article's pruned net
    assert analysis.weight_count((1, 1)) == 1
