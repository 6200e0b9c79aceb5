"""exp and tanh built from additions, multiplications and divisions only, so that the torch engine
and the compiled engine compute bit-identical activations.

torch.exp/tanh (SLEEF) and the C library's exp/tanh (what numba calls) both err by up to an ulp,
in different places; where training is chaotic (an L1 weight clipped to exactly 0 or not, a sign
flipping) one ulp grows to visible differences within a thousand steps. Every operation below is
an IEEE-754 basic operation, rounded the same way by any CPU, vector unit or compiler that does
not fuse a multiply-add: the same inputs give the same bits in both engines. Accuracy: within a
few ulps of the exact values (tests/core/test_exact_math.py).

The array versions (numpy, and torch through numpy without copying) live here; numba_kernels.py
has the same operations for one float, in the same order.
"""

from __future__ import annotations

import math

import numpy as np

# exp(x) = 2**n * exp(r), x = n ln2 + r, |r| <= ln2 / 2; ln2 split so that n * LN2_HI is exact.
INV_LN2 = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
EXP_MAX = 709.782712893384  # above: inf
EXP_MIN = -745.1332191019412  # below: 0
# Taylor coefficients 1/k! of exp, highest first (degree 13: truncation below 1e-17 for |r| <= ln2/2).
EXP_COEFFS = tuple(1.0 / math.factorial(k) for k in range(13, -1, -1))
# tanh(a) = em1 / (em1 + 2) with em1 = exp(2a) - 1; below this a, em1 by its series (no cancellation)
TANH_SERIES_BELOW = 0.17328679513998632  # ln2 / 4
TANH_ONE_ABOVE = 20.0  # tanh(a) rounds to 1 above this


def exp_numpy(x: np.ndarray) -> np.ndarray:
    """exp of a float64 array, bit-identical to numba_kernels._exp (numpy: a third of torch's
    per-operation overhead on the engine's small tensors)."""
    with np.errstate(all="ignore"):
        xc = np.clip(x, EXP_MIN, EXP_MAX)
        n = np.floor(xc * INV_LN2 + 0.5)
        r = (xc - n * LN2_HI) - n * LN2_LO
        p = np.full_like(r, EXP_COEFFS[0])
        for c in EXP_COEFFS[1:]:
            p *= r
            p += c
        half = np.floor(n * 0.5)
        # 2**n as two exact powers of two (each within the normal range), built from their bits
        p *= ((half.astype(np.int64) + 1023) << 52).view(np.float64)
        p *= (((n - half).astype(np.int64) + 1023) << 52).view(np.float64)
    p[x > EXP_MAX] = math.inf
    p[x < EXP_MIN] = 0.0
    nan = np.isnan(x)
    p[nan] = x[nan]
    return p


def tanh_numpy(x: np.ndarray) -> np.ndarray:
    """tanh of a float64 array, bit-identical to numba_kernels._tanh."""
    with np.errstate(all="ignore"):  # the series of a large |x| overflows, and is not used
        a = np.abs(x)
        two_a = a * 2.0
        series = np.full_like(two_a, EXP_COEFFS[0])  # exp's series without its constant term, over t
        for c in EXP_COEFFS[1:-1]:
            series *= two_a
            series += c
        series *= two_a
        em1 = np.where(a < TANH_SERIES_BELOW, series, exp_numpy(two_a) - 1.0)
        t = em1 / (em1 + 2.0)
    t[a > TANH_ONE_ABOVE] = 1.0
    t = np.where(x < 0, -t, t)
    nan = np.isnan(x)
    t[nan] = x[nan]
    return t


def _on_numpy(fn, x):
    import torch

    return torch.from_numpy(fn(np.ascontiguousarray(x.detach().numpy())))


def exp_torch(x):
    """exp of a float64 tensor, bit-identical to numba_kernels._exp."""
    return _on_numpy(exp_numpy, x)


def tanh_torch(x):
    """tanh of a float64 tensor, bit-identical to numba_kernels._tanh."""
    return _on_numpy(tanh_numpy, x)


def sigmoid_torch(x):
    """1 / (1 + exp(-x)), bit-identical to the compiled engine's."""
    return _on_numpy(lambda v: 1.0 / (exp_numpy(-v) + 1.0), x)
