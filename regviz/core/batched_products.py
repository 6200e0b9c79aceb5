"""Batched products over K models for the torch engine: every sum adds its terms first to last, so
a model's numbers do not depend on its place in an ensemble, and equal the compiled engine's."""

from __future__ import annotations

import torch

# The most elements a batched product may materialise at once (32 MB of float64).
PRODUCT_CHUNK = 4_000_000
# Below this many multiply-adds per matrix, torch.bmm uses its own plain loop for each model (not
# MKL), which rounds the same wherever the model sits; the ensemble tests check that it still does.
NAIVE_BMM_LIMIT = 400


def batched_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a @ b over K models ([K, n, m] @ [K, m, p]) as a broadcast product summed over m in order.

    Not MKL's gemm (what torch.bmm uses for bigger matrices): it rounds differently with the memory
    alignment of each model's matrix, so a model's result would depend on its place in the
    ensemble. Nor torch's sum, whose order of addition follows the memory layout of its input. The
    terms are added first to last (a cumulative sum's last row), as torch.bmm's own loop does for
    small products and as the compiled engine does: the same rounding everywhere. Rows of a are
    taken in chunks to bound the memory."""
    k, n, m = a.shape
    p = b.shape[2]
    if n * m * p < NAIVE_BMM_LIMIT:
        return torch.bmm(a, b)
    rows = max(1, PRODUCT_CHUNK // max(1, k * m * p))
    if rows >= n:
        return sum_in_order(torch.mul(a.unsqueeze(3), b.unsqueeze(1)), 2)
    return torch.cat([sum_in_order(torch.mul(a[:, i : i + rows].unsqueeze(3), b.unsqueeze(1)), 2)
                      for i in range(0, n, rows)], dim=1)


def sum_in_order(t: torch.Tensor, dim: int, keepdim: bool = False) -> torch.Tensor:
    """The sum over `dim`, adding the terms first to last (see batched_matmul)."""
    if t.shape[dim] == 1:
        return t if keepdim else t.squeeze(dim)
    last = t.cumsum(dim).narrow(dim, t.shape[dim] - 1, 1)
    return last if keepdim else last.squeeze(dim)


def _affine(h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """h @ w + b over K models; a one-input layer is a broadcast multiply, cheaper than a matmul."""
    # Separate product and sum (not addcmul/baddbmm): one rounding each, whatever the ensemble size.
    if w.shape[1] == 1:
        return torch.add(torch.mul(h, w), b)
    return torch.add(batched_matmul(h, w), b)


def _backprop(grad: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """grad @ w^T over K models; a one-output layer is a broadcast multiply."""
    if w.shape[2] == 1:
        return grad * w.transpose(1, 2)
    return batched_matmul(grad, w.transpose(1, 2))
