"""Weight penalties and the three L1 update rules.

Penalties (biases are never penalised):
    none        0
    l1          lambda * sum|W|
    l2          lambda * sum(W^2) / 2
    elasticnet  lambda * (rho * sum|W| + (1 - rho) * sum(W^2) / 2)

Every method reduces to two coefficients, an L1 one and an L2 one, so one batched formula serves
a whole ensemble where each model has its own method and lambda.

L1 update rules for the non-differentiable |w|:
    subgradient  w -= lr * (g + l1 * sign(w))         what autograd gives; weights chatter around 0
    clip         the same step, but a weight whose step would cross zero is set to exactly 0
    proximal     w = soft_threshold(w - lr * g, lr * l1)   exact zeros (ISTA)
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import torch

from regviz.core.config import L1_RULES, METHODS, ConfigError


def coefficients(method: str, lam: float, rho: float = 0.5) -> tuple[float, float]:
    """(l1, l2) coefficients such that penalty = l1 * sum|W| + l2 * sum(W^2) / 2."""
    if method == "none":
        return 0.0, 0.0
    if method == "l1":
        return lam, 0.0
    if method == "l2":
        return 0.0, lam
    if method == "elasticnet":
        return lam * rho, lam * (1.0 - rho)
    raise ConfigError("regularization.method", method, "one of " + ", ".join(METHODS))


def penalty(weights: Iterable[torch.Tensor], l1: torch.Tensor, l2: torch.Tensor) -> torch.Tensor:
    """Per-model penalty for weights shaped [K, in, out]; l1, l2 shaped [K]."""
    abs_sum = sum(w.abs().sum((1, 2)) for w in weights)
    sq_sum = sum((w * w).sum((1, 2)) for w in weights)
    return l1 * abs_sum + 0.5 * l2 * sq_sum


def penalty_numpy(weights: Iterable[np.ndarray], method: str, lam: float, rho: float = 0.5) -> float:
    l1, l2 = coefficients(method, lam, rho)
    weights = list(weights)
    return float(l1 * sum(np.abs(w).sum() for w in weights) + 0.5 * l2 * sum((w * w).sum() for w in weights))


def l1_step(
    w: torch.Tensor, smooth_grad: torch.Tensor, lr: torch.Tensor, l1: torch.Tensor, rule: str
) -> torch.Tensor:
    """New weights after one step. smooth_grad holds the data and L2 gradients; l1 and lr broadcast."""
    if rule == "subgradient":
        return w - lr * (smooth_grad + l1 * torch.sign(w))
    if rule == "clip":
        stepped = w - lr * (smooth_grad + l1 * torch.sign(w))
        crossed = (stepped * w) < 0
        return torch.where(crossed, torch.zeros_like(stepped), stepped)
    if rule == "proximal":
        half = w - lr * smooth_grad
        return torch.sign(half) * (half.abs() - lr * l1).clamp(min=0.0)
    raise ConfigError("regularization.l1_rule", rule, "one of " + ", ".join(L1_RULES))
