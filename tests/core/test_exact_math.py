"""exact_math's exp and tanh: within a few ulps of the true values (numpy's, an independent
implementation), the same bits in the array versions and in the compiled kernels; and the torch-free
activation specs match the activation registry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regviz.core import activation_spec, exact_math
from regviz.core.activations import ACTIVATIONS

GRID = np.concatenate([
    np.random.default_rng(0).normal(0.0, 4.0, 20_000),
    np.random.default_rng(1).normal(0.0, 0.05, 5_000),
    np.linspace(-750.0, 712.0, 3_001),
    [0.0, -0.0, 1e-300, -1e-300, 0.17328679513998632, 20.0, 709.78, -745.2, np.inf, -np.inf, np.nan],
])


def _ulps(mine, exact):
    finite = np.isfinite(exact) & (exact != 0)
    return np.abs(mine[finite] - exact[finite]) / np.spacing(np.abs(exact[finite]))


def test_exp_and_tanh_are_within_a_few_ulps_with_the_right_limits():
    with np.errstate(all="ignore"):
        exp, tanh = exact_math.exp_numpy(GRID), exact_math.tanh_numpy(GRID)
        assert _ulps(exp, np.exp(GRID)).max() <= 2
        assert _ulps(tanh, np.tanh(GRID)).max() <= 4
        np.testing.assert_array_equal(np.isnan(exp), np.isnan(GRID))
        assert exp[GRID == np.inf][0] == np.inf and exp[GRID == -np.inf][0] == 0.0 and exp[GRID > 709.8].min() == np.inf
        assert tanh[GRID == np.inf][0] == 1.0 and tanh[GRID == -np.inf][0] == -1.0
        assert exp[GRID == 0.0][0] == 1.0 and tanh[GRID == 0.0][0] == 0.0
        assert np.array_equal(tanh, -exact_math.tanh_numpy(-GRID), equal_nan=True)  # odd, exactly


def test_the_compiled_kernels_compute_the_same_bits():
    pytest.importorskip("numba")
    from numba import njit

    from regviz.core import numba_kernels

    @njit
    def both(x, e, t):
        for i in range(x.shape[0]):
            e[i] = numba_kernels._exp(x[i])
            t[i] = numba_kernels._tanh(x[i])

    e, t = np.empty_like(GRID), np.empty_like(GRID)
    both(GRID, e, t)
    with np.errstate(all="ignore"):
        assert np.array_equal(e, exact_math.exp_numpy(GRID), equal_nan=True)
        assert np.array_equal(t, exact_math.tanh_numpy(GRID), equal_nan=True)
    z = torch.from_numpy(GRID[:2000].reshape(2, 10, 100))
    assert np.array_equal(exact_math.tanh_torch(z).numpy().ravel(), t[:2000])
    assert exact_math.sigmoid_torch(z).dtype == torch.float64


def test_the_torch_free_specs_match_the_activation_registry():
    assert set(activation_spec.KERNEL_IDS) == set(ACTIVATIONS)
    for name, activation in ACTIVATIONS.items():
        spec = activation_spec.ActivationSpec(name)
        assert dict(spec.params) == dict(activation.params), name
        assert spec.learnable == activation.learnable
    assert activation_spec.spec_of(ACTIVATIONS["elu"].with_params(alpha=2.0)).params == {"alpha": 2.0}
    assert activation_spec.kernel_code(activation_spec.ActivationSpec("rrelu", {"lower": 2.0}))[1].tolist() == [2.0, 8.0]
    with pytest.raises(ValueError):
        activation_spec.ActivationSpec("swish")
    with pytest.raises(ValueError):
        activation_spec.ActivationSpec("elu", {"slope": 1.0})
