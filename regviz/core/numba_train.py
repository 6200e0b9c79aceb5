"""The compiled engine's drivers: n training steps of a range of models in one call, evaluation and
predictions. Each model runs all its steps on its own copy of its parameters (a few hundred floats,
in cache); threads can train disjoint ranges at once (numba_engine.py). A model's arithmetic is the
same wherever it runs, so a member of an ensemble is bit-identical to the same model trained alone.

The activation, the loss and each model's L1 rule are ids checked at run time: one compilation
serves every combination. Layout and ids: numba_kernels.py.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

from regviz.core.numba_kernels import (ENTRY, INTERNAL, CLIP, PRELU, PROXIMAL, SUBGRADIENT, _sign, backward_sample,
                                       abs_sum, evaluate_points, forward_points, forward_sample, loss_and_slope,
                                       penalty, square_sum)


@njit(**INTERNAL)
def _new_parameters(w, bias, slopes, nw, nbias, nslopes, sizes, woff, boff, uoff, learnable, a, dl, sl, nb, lr, l2,
                    lr_l1, rule, any_l2):
    """Every parameter's next value: the smooth step (data gradient and L2) then the model's L1
    rule for weights, plain SGD for biases and PReLU slopes (regularizers.py's formulas). The
    batch's gradients are summed row after row; flat buffers as in forward_sample."""
    last = sizes.shape[0] - 2
    units = uoff[sizes.shape[0]]
    for l in range(last + 1):
        nin, nout = sizes[l], sizes[l + 1]
        ai, ao, wo, bo = uoff[l], uoff[l + 1], woff[l], boff[l]
        for i in range(nin):
            x = a[uint64(ai + i)]
            row = wo + i * nout
            for j in range(nout):
                gw = x * dl[uint64(ao + j)]  # one sample: the outer product, no sum
                for b in range(1, nb):
                    gw += a[uint64(b * units + ai + i)] * dl[uint64(b * units + ao + j)]
                old = w[uint64(row + j)]
                nw[uint64(row + j)] = old - lr * (gw + l2 * old) if any_l2 else old - lr * gw
        for j in range(nout):
            gb = dl[uint64(ao + j)]
            for b in range(1, nb):
                gb += dl[uint64(b * units + ao + j)]
            nbias[uint64(bo + j)] = bias[uint64(bo + j)] - lr * gb
            if learnable and l < last:
                gs = sl[uint64(ao + j)]
                for b in range(1, nb):
                    gs += sl[uint64(b * units + ao + j)]
                nslopes[uint64(bo + j)] = slopes[uint64(bo + j)] - lr * gs
    if rule == PROXIMAL:
        for p in range(nw.shape[0]):
            t = abs(nw[p]) - lr_l1
            if t < 0.0:
                t = 0.0
            nw[p] = _sign(nw[p]) * t
    elif rule == SUBGRADIENT:
        for p in range(nw.shape[0]):
            nw[p] = nw[p] - lr_l1 * _sign(w[p])
    elif rule == CLIP:  # the penalty step may not carry a weight across zero
        for p in range(nw.shape[0]):
            stepped = nw[p] - lr_l1 * _sign(w[p])
            nw[p] = 0.0 if nw[p] * stepped < 0.0 else stepped


@njit(nogil=True, **ENTRY)
def train_models(k0, k1, W, Bs, S, sizes, woff, boff, uoff, act, p0, p1, loss, delta, l1, l2, lr, lr_l1, rule,
                 any_l2, xtr, ytr, xte, yte, orders, shuffle, first_step, spe, bs, draws, dstart, diverged,
                 data_out, pen_out, ep_test, ep_train):
    """Models k0 to k1 - 1, each for its next data_out.shape[1] steps: per-step losses into
    data_out/pen_out [K, n], test error and mean train loss at each epoch's end into
    ep_test/ep_train [K, epochs]. Without the GIL: threads can take disjoint ranges of models."""
    for k in range(k0, k1):
        n_steps = data_out.shape[1]
        n_train = xtr.shape[0]
        units = uoff[sizes.shape[0]]
        out_at = uoff[sizes.shape[0] - 1]
        width = 1
        for l in range(sizes.shape[0]):
            width = max(width, sizes[l])
        learnable = act == PRELU
        w, bias, slopes = W[k].copy(), Bs[k].copy(), S[k].copy()
        nw, nbias, nslopes = w.copy(), bias.copy(), slopes.copy()
        a, z, d = np.empty(bs * units), np.empty(bs * units), np.empty(bs * units)
        dl, sl = np.empty(bs * units), np.zeros(bs * units)
        g, gin, losses = np.empty(width), np.empty(width), np.empty(bs)
        points = max(xtr.shape[0], xte.shape[0])
        A, Z = np.empty((units, points)), np.empty((units, points))
        l1k, l2k, lrk, lrl1k, rulek = l1[k], l2[k], lr[k], lr_l1[k], rule[k]
        squares = any_l2  # as the torch engine: 0 * sum w^2 is NaN, not 0, once sum w^2 overflows
        pen = penalty(abs_sum(w), square_sum(w) if squares else 0.0, l1k, l2k, any_l2)
        r = 0
        epoch = 0
        for i in range(n_steps):
            s = first_step + i
            pos = s % spe
            if shuffle and pos == 0:
                r += 1
            if diverged[k]:  # frozen: no loss any more (gaps in the curves)
                data_out[k, i] = np.nan
                pen_out[k, i] = np.nan
            else:
                start = pos * bs
                nb = min(bs, n_train - start)
                for b in range(nb):
                    row = orders[r, start + b]
                    a[b * units] = xtr[row]
                    forward_sample(w, bias, slopes, sizes, woff, boff, uoff, act, p0, p1, draws, k, dstart[i], nb, b,
                                   a, z, d)
                    value, slope = loss_and_slope(loss, delta, a[b * units + out_at] - ytr[row])
                    losses[b] = value
                    g[0] = slope
                    backward_sample(w, sizes, woff, uoff, act, learnable, b, z, d, g, gin, dl, sl)
                data = losses[0]
                for b in range(1, nb):
                    data += losses[b]
                _new_parameters(w, bias, slopes, nw, nbias, nslopes, sizes, woff, boff, uoff, learnable, a, dl, sl, nb,
                                lrk, l2k, lrl1k, rulek, any_l2)
                data_out[k, i] = data
                pen_out[k, i] = pen
                # One finiteness test per step (as the torch engine): a finite sum of |values| means every
                # value is finite; a sum that overflows means values near 1e308: diverged too.
                w_abs = abs_sum(nw)
                plain = abs_sum(nbias) + (abs_sum(nslopes) if learnable else 0.0)
                if math.isfinite(data + pen + w_abs + plain):
                    w, nw = nw, w
                    bias, nbias = nbias, bias
                    slopes, nslopes = nslopes, slopes
                    pen = penalty(w_abs, square_sum(w) if squares else 0.0, l1k, l2k, any_l2)
                else:  # diverged on this step: flagged now, keeps its last finite parameters
                    diverged[k] = True
            if (s + 1) % spe == 0:
                if diverged[k]:
                    ep_test[k, epoch] = np.nan
                    ep_train[k, epoch] = np.nan
                else:
                    for which in range(2):  # one call site: its code is compiled once, not twice
                        xs, ys = (xte, yte) if which == 0 else (xtr, ytr)
                        total = evaluate_points(w, bias, slopes, sizes, woff, boff, uoff, act, p0, p1, loss, delta,
                                                xs, ys, A, Z, which == 0)
                        if which == 0:
                            ep_test[k, epoch] = total
                        else:
                            ep_train[k, epoch] = total / n_train
                epoch += 1
        # element by element: a slice assignment checks shapes, and compiling that check's error
        # message (string formatting) took half of the engine's first compilation (3.5 of 7 s)
        for p in range(w.shape[0]):
            W[k, p] = w[p]
        for p in range(bias.shape[0]):
            Bs[k, p] = bias[p]
        for p in range(slopes.shape[0]):
            S[k, p] = slopes[p]


@njit(**ENTRY)
def predict_all(W, Bs, S, sizes, woff, boff, uoff, act, p0, p1, xs, out, pre):
    """Outputs out [K, n] and hidden pre-activations pre [K, n, hidden units] at points xs."""
    units = uoff[sizes.shape[0]]
    A, Z = np.empty((units, xs.shape[0])), np.empty((units, xs.shape[0]))
    out_at = uoff[sizes.shape[0] - 1]
    first_hidden = uoff[1]
    for k in range(W.shape[0]):
        forward_points(W[k], Bs[k], S[k], sizes, woff, boff, uoff, act, p0, p1, xs, A, Z)
        for t in range(xs.shape[0]):
            out[k, t] = A[out_at, t]
            for u in range(out_at - first_hidden):
                pre[k, t, u] = Z[first_hidden + u, t]
