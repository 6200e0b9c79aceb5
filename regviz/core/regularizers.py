"""Weight penalties and the three L1 update rules.

Penalties (biases are never penalised):
    none        0
    l1          lambda * sum|W|
    l2          lambda * sum(W^2) / 2
    elasticnet  lambda * (rho * sum|W| + (1 - rho) * sum(W^2) / 2)

Every method reduces to two coefficients, an L1 one and an L2 one, so one batched formula serves
a whole ensemble where each model has its own method and lambda.

Every step is split in two (Tsuruoka et al. 2009; TF Playground's updateWeights):
    w_half = w - lr * (g + l2 * w)               the data gradient and the smooth L2 part
then the L1 term, only for a model that has one (l1 > 0), by its L1 rule:
    subgradient  w_new = w_half - lr * l1 * sign(w)          weights chatter around 0
    clip         the same, but w_new = 0 exactly where w_half and w_new differ in sign
                 (the penalty step may not carry a weight across zero; the data step may)
    proximal     w_new = sign(w_half) * max(|w_half| - lr * l1, 0)   soft-threshold: exact zeros
A model without an L1 term (none, l2, or elastic net with rho = 0) takes w_new = w_half, whatever
rule is selected: the rule belongs to the L1 term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy as np

if TYPE_CHECKING:  # torch is imported only by the functions that use it: the compiled engine needs none
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


def smooth_step(w: torch.Tensor, grad: torch.Tensor, lr: torch.Tensor, l2: torch.Tensor | None) -> torch.Tensor:
    """w_half = w - lr * (grad + l2 * w); l2 None means no model has an L2 term.

    Every product and sum is its own elementwise op (one rounding each, no fused multiply-add), so
    a model's numbers do not depend on where its row sits in an ensemble."""
    import torch

    smooth = grad if l2 is None else torch.add(grad, torch.mul(l2, w))
    return torch.sub(w, torch.mul(lr, smooth))


def l1_term_step(w: torch.Tensor, half: torch.Tensor, lr_l1: torch.Tensor, rule: str) -> torch.Tensor:
    """The L1 term's step after the smooth one: w before the step, half = smooth_step(...),
    lr_l1 = lr * l1 (broadcast over w). See the module docstring for the rules."""
    import torch

    if rule == "proximal":
        return torch.mul(torch.sign(half), torch.clamp(torch.sub(torch.abs(half), lr_l1), min=0.0))
    stepped = torch.sub(half, torch.mul(lr_l1, torch.sign(w)))
    if rule == "subgradient":
        return stepped
    if rule == "clip":
        return torch.where(torch.mul(half, stepped) < 0, torch.zeros_like(stepped), stepped)
    raise ConfigError("regularization.l1_rule", rule, "one of " + ", ".join(L1_RULES))
