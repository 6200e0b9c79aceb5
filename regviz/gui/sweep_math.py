"""The regularization path without Qt: the lambda grid a teacher types, the median and min-max
band over seeds per lambda, the lambda nearest a click, and what the L1 rule does at large lambda."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from regviz.core.analysis import SPARSITY_THRESHOLD

MAX_LAMBDA = 1e3  # the config's upper bound for lambda
# (key in a run, axis title, factor): sparsity is shown in percent
METRICS = (("sparsity", "sparsity: % of |w| < 0.01", 100.0),
           ("test_total_abs_error", "total test error Σ|error|", 1.0),
           ("train_loss", "train loss (mean per point)", 1.0))


class RangeError(ValueError):
    """A lambda range that cannot be swept; the message says why, in one line."""


def parse_lambda_range(low_text: str, high_text: str, count: int) -> list[float]:
    """`count` log-spaced lambdas from low to high, ends included: the grid of
    `regviz sweep --lambdas LOW:HIGH:N`, value for value."""
    values = []
    for name, text in (("lowest λ", low_text), ("highest λ", high_text)):
        try:
            value = float(text.strip())
        except ValueError:
            raise RangeError(f"{name}: {text.strip()[:30]!r} is not a number (e.g. 1e-4)") from None
        if not math.isfinite(value) or value <= 0:
            raise RangeError(f"{name} must be a number above 0 (a log axis has no 0)")
        if value > MAX_LAMBDA:
            raise RangeError(f"{name} must be at most {MAX_LAMBDA:g}")
        values.append(value)
    low, high = values
    if not low < high:
        raise RangeError("the lowest λ must be below the highest")
    if count < 2:
        raise RangeError("at least 2 lambdas")
    return [float(v) for v in np.geomspace(low, high, count)]


@dataclass(frozen=True)
class Band:
    """One method's curve of one metric: per lambda the median over the seeds and the min-max band
    (NaN where every seed diverged)."""

    lambdas: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray


def sweep_bands(result: dict) -> dict[str, dict[str, Band]]:
    """{method: {metric: Band}} from a sweep's result (the dict `--json` writes). Errors leave the
    diverged runs out (they have none); sparsity counts every run."""
    lambdas = [float(v) for v in result["lambdas"]]
    out: dict[str, dict[str, Band]] = {}
    methods = list(dict.fromkeys(r["method"] for r in result["runs"]))
    for method in methods:
        groups = [[r for r in result["runs"] if r["method"] == method and r["lambda"] == lam] for lam in lambdas]
        out[method] = {}
        for key, _title, factor in METRICS:
            med, low, high = [], [], []
            for group in groups:
                values = [r[key] for r in group if r[key] is not None and (key == "sparsity" or not r["diverged"])]
                values = np.array([v for v in values if math.isfinite(v)], dtype=float) * factor
                med.append(float(np.median(values)) if len(values) else np.nan)
                low.append(float(values.min()) if len(values) else np.nan)
                high.append(float(values.max()) if len(values) else np.nan)
            out[method][key] = Band(np.array(lambdas), np.array(med), np.array(low), np.array(high))
    return out


def nearest_lambda_index(lambdas: Sequence[float], log10_x: float) -> int:
    """The grid point nearest a position on a log10 axis."""
    logs = np.log10(np.asarray(lambdas, dtype=float))
    return int(np.argmin(np.abs(logs - log10_x)))


def chatter_lambda(method: str, learning_rate: float, rho: float,
                   threshold: float = SPARSITY_THRESHOLD) -> float | None:
    """The lambda at which the subgradient rule's step lr·λ₁ reaches the sparsity threshold: above
    it, a weight chattering around 0 mostly sits outside |w| < threshold. λ₁ is λ for L1 and λρ
    for elastic net; None for a method without an L1 term."""
    share = {"l1": 1.0, "elasticnet": rho}.get(method, 0.0)
    if share <= 0 or learning_rate <= 0:
        return None
    return threshold / (learning_rate * share)


RULE_NOTES = {
    "subgradient": (
        "<b>Subgradient rule</b>: every step moves each weight by lr·λ towards 0, and past it. At large λ the "
        "penalty wins: the model collapses to a constant (the errors go flat) and its weights chatter at ±lr·λ "
        "around 0. Once lr·λ passes 0.01{where}, most of them sit outside |w| &lt; 0.01, so “sparsity” falls "
        "again although the network is switched off. Clip and proximal give exact zeros instead."),
    "clip": (
        "<b>Clip rule</b>: a weight the L1 step would push across 0 stops at exactly 0, so at large λ, where the "
        "model collapses to a constant, sparsity stays at the top."),
    "proximal": (
        "<b>Proximal rule</b> (soft-thresholding): a weight within lr·λ of 0 becomes exactly 0, so at large λ, "
        "where the model collapses to a constant, sparsity stays at the top."),
}


def rule_note(rule: str, methods: Sequence[str], learning_rate: float, rho: float) -> str:
    """The inline note under the sweep's controls (rich text)."""
    with_l1 = [m for m in methods if chatter_lambda(m, learning_rate, rho) is not None]
    if not with_l1:
        return "The L1 rule matters only for L1 and elastic net; none of the methods chosen has an L1 term."
    where = ""
    if rule == "subgradient":
        names = {"l1": "L1", "elasticnet": "elastic net"}
        spots = [f"{names[m]} λ ≈ {chatter_lambda(m, learning_rate, rho):.3g}" for m in with_l1]
        where = f" (here at {', '.join(spots)}: the dotted line)"
    return RULE_NOTES[rule].format(where=where)
