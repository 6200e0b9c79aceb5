"""The compiled engine's per-model arithmetic: the forward pass (one sample while training, a block
of points at test time), the loss, the backward pass and the penalty, in explicit float64 loops
over the tiny matrices (no BLAS, no `@`). numba_train.py drives them over the steps and models.

The activation, the loss and each model's L1 rule are ids checked at run time, so one compilation
serves every combination. Each model is computed alone and in the same order whatever K is, so a
member of an ensemble is bit-identical to the same model trained alone, serial or parallel.

Layout (numba_engine.py builds it): one model's weights w [P], layer l at woff[l] as [in, out]
row-major; its biases [Q], layer l at boff[l]; PReLU slopes [Q] use the bias offsets of the hidden
layers; uoff[l] is where layer l's units sit in a sample's activation buffer (the input at 0).
Every sum adds its terms first to last, as the torch engine's batched_matmul does.
"""

from __future__ import annotations

import math

from regviz.core.numba_runtime import configure_cache

CACHE = configure_cache() is not None
# Functions only compiled code calls: no Python entry point to build (a good part of compile time),
# and IEEE division (x / 0 is inf or NaN, as in torch) instead of a ZeroDivisionError test per division.
INTERNAL = {"cache": CACHE, "error_model": "numpy", "no_cpython_wrapper": True, "no_cfunc_wrapper": True}
ENTRY = {"cache": CACHE, "error_model": "numpy"}

import numpy as np  # noqa: E402
from numba import njit, uint64  # noqa: E402

from regviz.core.exact_math import (EXP_COEFFS, EXP_MAX, EXP_MIN, INV_LN2, LN2_HI, LN2_LO,  # noqa: E402
                                    TANH_ONE_ABOVE, TANH_SERIES_BELOW)

LINEAR, SIGMOID, TANH, RELU, LEAKY, PRELU, RRELU, ELU = range(8)
U1, U2, U3, U4, U5, U6, U7 = (np.uint64(v) for v in range(1, 8))
ABS, SQUARED, HUBER = range(3)
NO_L1, SUBGRADIENT, CLIP, PROXIMAL = range(4)


@njit(**INTERNAL)
def _sign(v):
    if v > 0.0:
        return 1.0
    if v < 0.0:
        return -1.0
    return v  # 0 stays 0, NaN stays NaN (as torch.sign)


@njit(**INTERNAL)
def _exp(x):
    """exact_math.exp_torch for one float, the same operations in the same order."""
    if x != x:
        return x
    if x > EXP_MAX:
        return math.inf
    if x < EXP_MIN:
        return 0.0
    n = np.floor(x * INV_LN2 + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    p = EXP_COEFFS[0]
    for i in range(1, len(EXP_COEFFS)):
        p = p * r + EXP_COEFFS[i]
    half = np.floor(n * 0.5)
    return (p * math.ldexp(1.0, int(half))) * math.ldexp(1.0, int(n - half))


@njit(**INTERNAL)
def _tanh(x):
    """exact_math.tanh_torch for one float."""
    if x != x:
        return x
    a = abs(x)
    if a > TANH_ONE_ABOVE:
        t = 1.0
    else:
        two_a = a * 2.0
        if a < TANH_SERIES_BELOW:
            p = EXP_COEFFS[0]
            for i in range(1, len(EXP_COEFFS) - 1):
                p = p * two_a + EXP_COEFFS[i]
            em1 = p * two_a
        else:
            em1 = _exp(two_a) - 1.0
        t = em1 / (em1 + 2.0)
    return -t if x < 0 else t


@njit(**INTERNAL)
def _activate(act, p0, p1, v, s):
    """(f(v), f'(v)); s is the negative slope for PReLU and RReLU (ignored by the others)."""
    if act == LINEAR:
        return v, 1.0
    if act == SIGMOID:
        h = 1.0 / (_exp(-v) + 1.0)
        return h, h * (1.0 - h)
    if act == TANH:
        h = _tanh(v)
        return h, 1.0 - h * h
    if act == RELU:
        return (0.0 if v <= 0.0 else v), (1.0 if v > 0.0 else 0.0)
    if act == ELU:
        e = _exp(v if v < 0.0 else 0.0)
        return (v if v > 0.0 else p0 * (e - 1.0)), (1.0 if v > 0.0 else p0 * e)
    if act == LEAKY:
        s = p0
    return (v if v > 0.0 else v * s), (1.0 if v > 0.0 else s)


@njit(**INTERNAL)
def affine(x, xo, w, wo, nin, nout, bias, bo, out, oo):
    """out[oo + j] = (sum over i of x[xo + i] * w[wo + i * nout + j]) + bias[bo + j], the terms added
    in i order. Eight outputs at a time in registers. Indices are unsigned (U1..U7 are uint64),
    which spares numba's negative-index test on every access: half the time of these loops."""
    j = 0
    while j + 8 <= nout:
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for i in range(nin):
            v = x[uint64(xo + i)]
            r = uint64(wo + i * nout + j)
            a0 += v * w[r]
            a1 += v * w[r + U1]
            a2 += v * w[r + U2]
            a3 += v * w[r + U3]
            a4 += v * w[r + U4]
            a5 += v * w[r + U5]
            a6 += v * w[r + U6]
            a7 += v * w[r + U7]
        o, c = uint64(oo + j), uint64(bo + j)
        out[o] = a0 + bias[c]
        out[o + U1] = a1 + bias[c + U1]
        out[o + U2] = a2 + bias[c + U2]
        out[o + U3] = a3 + bias[c + U3]
        out[o + U4] = a4 + bias[c + U4]
        out[o + U5] = a5 + bias[c + U5]
        out[o + U6] = a6 + bias[c + U6]
        out[o + U7] = a7 + bias[c + U7]
        j += 8
    while j < nout:
        acc = 0.0
        for i in range(nin):
            acc += x[uint64(xo + i)] * w[uint64(wo + i * nout + j)]
        out[uint64(oo + j)] = acc + bias[uint64(bo + j)]
        j += 1


@njit(**INTERNAL)
def backprop(g, w, wo, nin, nout, out):
    """out[i] = sum over j of g[j] * w[wo + i * nout + j] (g through a layer's weights), the terms
    added in j order; eight inputs at a time."""
    i = 0
    step = uint64(nout)
    while i + 8 <= nin:
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for j in range(nout):
            v = g[uint64(j)]
            r = uint64(wo + i * nout + j)
            a0 += v * w[r]
            r += step
            a1 += v * w[r]
            r += step
            a2 += v * w[r]
            r += step
            a3 += v * w[r]
            r += step
            a4 += v * w[r]
            r += step
            a5 += v * w[r]
            r += step
            a6 += v * w[r]
            r += step
            a7 += v * w[r]
        o = uint64(i)
        out[o] = a0
        out[o + U1] = a1
        out[o + U2] = a2
        out[o + U3] = a3
        out[o + U4] = a4
        out[o + U5] = a5
        out[o + U6] = a6
        out[o + U7] = a7
        i += 8
    while i < nin:
        acc = 0.0
        for j in range(nout):
            acc += g[uint64(j)] * w[uint64(wo + i * nout + j)]
        out[uint64(i)] = acc
        i += 1


@njit(**INTERNAL)
def forward_sample(w, bias, slopes, sizes, woff, boff, uoff, act, p0, p1, draws, k, dbase, nb, b, a, z, d):
    """Batch row b, whose units sit at b * units in the flat buffers a (values; its input already at
    a[b * units]), z (pre-activations) and d (f'(z)). RReLU draws a divisor per element:
    draws[k, dbase + nb * boff[l] + b * units_l + j]."""
    last = sizes.shape[0] - 2
    base = b * uoff[sizes.shape[0]]
    for l in range(last + 1):
        nin, nout = sizes[l], sizes[l + 1]
        ai, ao, bo = base + uoff[l], base + uoff[l + 1], boff[l]
        affine(a, ai, w, woff[l], nin, nout, bias, bo, z, ao)
        if l == last:
            a[uint64(ao)] = z[uint64(ao)]
            continue
        for j in range(nout):
            s = 0.0
            if act == PRELU:
                s = slopes[uint64(bo + j)]
            elif act == RRELU:  # a random divisor per element and step
                s = 1.0 / (draws[k, dbase + nb * bo + b * nout + j] * (p1 - p0) + p0)
            h, dv = _activate(act, p0, p1, z[uint64(ao + j)], s)
            a[uint64(ao + j)] = h
            d[uint64(ao + j)] = dv


@njit(**INTERNAL)
def forward_points(w, bias, slopes, sizes, woff, boff, uoff, act, p0, p1, xs, A, Z):
    """Test-time forward pass of a block of points xs: unit values A [units, n] and pre-activations
    Z [units, n] (points innermost, so the loops run over them in vector registers). The same
    operations per point, in the same order, as forward_sample."""
    n = xs.shape[0]
    last = sizes.shape[0] - 2
    for t in range(n):
        A[0, t] = xs[t]
    for l in range(last + 1):
        nin, nout = sizes[l], sizes[l + 1]
        ai, ao, wo, bo = uoff[l], uoff[l + 1], woff[l], boff[l]
        for j in range(nout):
            if nin == 1:
                c, bj = w[wo + j], bias[bo + j]
                for t in range(n):
                    Z[ao + j, t] = A[ai, t] * c + bj
            else:
                for t in range(n):
                    Z[ao + j, t] = 0.0
        if nin > 1:
            for i in range(nin):
                for j in range(nout):
                    c = w[wo + i * nout + j]
                    for t in range(n):
                        Z[ao + j, t] += A[ai + i, t] * c
            for j in range(nout):
                bj = bias[bo + j]
                for t in range(n):
                    Z[ao + j, t] = Z[ao + j, t] + bj
        for j in range(nout):
            if l == last:
                for t in range(n):
                    A[ao + j, t] = Z[ao + j, t]
                continue
            s = 2.0 / (p0 + p1) if act == RRELU else (slopes[bo + j] if act == PRELU else 0.0)
            for t in range(n):
                A[ao + j, t] = _activate(act, p0, p1, Z[ao + j, t], s)[0]


@njit(**INTERNAL)
def loss_and_slope(loss, delta, err):
    """(data loss, its derivative) of one error."""
    if loss == ABS:
        return abs(err), _sign(err)
    if loss == SQUARED:
        return err * err, 2.0 * err
    ae = abs(err)
    q = delta if ae > delta else ae
    g = err
    if g > delta:
        g = delta
    elif g < -delta:
        g = -delta
    return 0.5 * q * q + delta * (ae - q), g


@njit(**INTERNAL)
def evaluate_points(w, bias, slopes, sizes, woff, boff, uoff, act, p0, p1, loss, delta, xs, ys, A, Z, absolute):
    """Sum over the points of |error| (absolute) or of the data loss, at test-time behaviour."""
    forward_points(w, bias, slopes, sizes, woff, boff, uoff, act, p0, p1, xs, A, Z)
    out_at = uoff[sizes.shape[0] - 1]
    total = 0.0
    for t in range(xs.shape[0]):
        err = A[out_at, t] - ys[t]
        total += abs(err) if absolute else loss_and_slope(loss, delta, err)[0]
    return total


@njit(**INTERNAL)
def backward_sample(w, sizes, woff, uoff, act, learnable, b, z, d, g, gin, dl, sl):
    """Batch row b's deltas dLoss/dz per layer into dl (and PReLU's dLoss/dslope terms into sl),
    flat buffers as in forward_sample; g[0] holds dLoss/dOutput on entry. The gradients are reduced
    over the batch afterwards."""
    last = sizes.shape[0] - 2
    base = b * uoff[sizes.shape[0]]
    for l in range(last, -1, -1):
        nin, nout = sizes[l], sizes[l + 1]
        ao = base + uoff[l + 1]
        if l < last:
            for j in range(nout):
                if learnable:
                    v = z[uint64(ao + j)]
                    sl[uint64(ao + j)] = g[uint64(j)] * (v if v < 0.0 else 0.0)
                if act != LINEAR:
                    g[uint64(j)] = g[uint64(j)] * d[uint64(ao + j)]
        for j in range(nout):
            dl[uint64(ao + j)] = g[uint64(j)]
        if l == 0:
            break
        backprop(g, w, woff[l], nin, nout, gin)
        for i in range(nin):
            g[uint64(i)] = gin[uint64(i)]


@njit(**INTERNAL)
def abs_sum(v):
    """sum |v|, four partial sums side by side (the order does not matter: the penalty is reported,
    not trained on, and a finite sum of |v| tells that every value is finite)."""
    n = v.shape[0]
    a0 = a1 = a2 = a3 = 0.0
    top = n - n % 4
    for p in range(0, top, 4):
        a0 += abs(v[p])
        a1 += abs(v[p + 1])
        a2 += abs(v[p + 2])
        a3 += abs(v[p + 3])
    for p in range(top, n):
        a0 += abs(v[p])
    return (a0 + a1) + (a2 + a3)


@njit(**INTERNAL)
def square_sum(v):
    n = v.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    top = n - n % 4
    for p in range(0, top, 4):
        s0 += v[p] * v[p]
        s1 += v[p + 1] * v[p + 1]
        s2 += v[p + 2] * v[p + 2]
        s3 += v[p + 3] * v[p + 3]
    for p in range(top, n):
        s0 += v[p] * v[p]
    return (s0 + s1) + (s2 + s3)


@njit(**INTERNAL)
def penalty(abs_sum, sq_sum, l1, l2, any_l2):
    """As the torch engine: l1 * sum|w| (+ l2 * sum w^2 / 2 when any model has an L2 term)."""
    if any_l2:
        return l1 * abs_sum + 0.5 * l2 * sq_sum
    return abs_sum * l1
