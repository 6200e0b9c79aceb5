"""The distribution of every model's weights over training, without Qt: histograms recorded frame by
frame, in bounded memory, for the "distribution over time" mode of the weights canvas.

Two binnings are kept for every recorded moment:
- linear: LINEAR_BINS equal bins over [-R, R], R = twice the heatmaps' colour limit; weights beyond
  count in the end bins (the axis says "<= -R" and ">= R");
- log near 0 (symlog): a middle bin for |w| < LOG_FLOOR (exact zeros land there) and, on each side,
  BINS_PER_DECADE bins per decade of |w| from LOG_FLOOR to LOG_CEILING.

A column holds, per model, the share of its weights (not biases) in each bin. When CAPACITY columns
are full, neighbours are merged in pairs (their mean, the later step), so a 30-minute run keeps
CAPACITY columns spread over all of it, like the loss history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from regviz.core import regularizers
from regviz.core.records import MemberSpec, Snapshot
from regviz.gui.weights_math import weight_level

LINEAR_BINS = 60
LOG_FLOOR = 1e-4
LOG_CEILING = 10.0
BINS_PER_DECADE = 10
MIDDLE_HALF_WIDTH = 0.25  # decades: the |w| < LOG_FLOOR bin is drawn this high on each side of 0
CAPACITY = 512


def symlog(values: np.ndarray | float) -> np.ndarray:
    """The log-near-0 axis coordinate of a weight: 0 for |w| < LOG_FLOOR, else its sign times
    MIDDLE_HALF_WIDTH + the decades above LOG_FLOOR (so +-1e-4 sit at +-0.25, +-1 at +-4.25)."""
    values = np.asarray(values, dtype=float)
    magnitude = np.abs(values)
    with np.errstate(divide="ignore"):
        decades = np.log10(np.maximum(magnitude, LOG_FLOOR) / LOG_FLOOR)
    return np.where(magnitude < LOG_FLOOR, 0.0, np.sign(values) * (MIDDLE_HALF_WIDTH + decades))


@dataclass(frozen=True)
class Binning:
    """Bin edges in weight units and where each bin is drawn on the axis (display coordinates)."""

    edges: np.ndarray  # increasing, len = bins + 1; weights beyond the ends count in the end bins
    display_edges: np.ndarray  # the same edges on the drawn axis (linear: equal; log: symlog)
    log: bool

    @property
    def bins(self) -> int:
        return len(self.edges) - 1

    def shares(self, weights: np.ndarray) -> np.ndarray:
        """The share of `weights` in each bin (sums to 1; non-finite weights are left out)."""
        values = weights[np.isfinite(weights)]
        if values.size == 0:
            return np.zeros(self.bins)
        clipped = np.clip(values, self.edges[0], self.edges[-1])
        counts, _ = np.histogram(clipped, bins=self.edges)
        return counts / values.size

    def to_display(self, weight: float) -> float:
        return float(symlog(weight)) if self.log else float(weight)


def linear_binning(limit: float) -> Binning:
    edges = np.linspace(-limit, limit, LINEAR_BINS + 1)
    return Binning(edges, edges.copy(), log=False)


def log_binning() -> Binning:
    decades = round(math.log10(LOG_CEILING / LOG_FLOOR))
    side = LOG_FLOOR * 10.0 ** (np.arange(decades * BINS_PER_DECADE + 1) / BINS_PER_DECADE)
    edges = np.concatenate([-side[::-1], side])  # the middle bin is (-LOG_FLOOR, LOG_FLOOR)
    display = np.concatenate([-symlog(side[::-1]), symlog(side)])
    display[decades * BINS_PER_DECADE] = -MIDDLE_HALF_WIDTH  # symlog(+-LOG_FLOOR) exactly
    display[decades * BINS_PER_DECADE + 1] = MIDDLE_HALF_WIDTH
    return Binning(edges, display, log=True)


def histogram_limit(layer_sizes) -> float:
    """R: twice the heatmaps' colour limit, since trained weights grow past their initial range."""
    return 2 * weight_level(layer_sizes)


def all_weights(snapshot: Snapshot, model: int) -> np.ndarray:
    return np.concatenate([w[model].ravel() for w in snapshot.weights])


def chatter_band(member: MemberSpec) -> float | None:
    """lr x lambda_L1, the size of the step the subgradient rule takes on every weight it pushes
    toward 0 (which then oversteps zero and comes back): where that rule's "zero" weights sit.
    None for a model without an L1 term or under a rule that sets weights exactly to 0."""
    if member.l1_term_rule != "subgradient":
        return None
    l1, _ = regularizers.coefficients(member.method, member.lam, member.rho)
    return member.learning_rate * l1


class WeightDistributionHistory:
    """Per model, the share of weights per bin at every recorded moment (bounded, see module doc)."""

    def __init__(self, models: int, limit: float, capacity: int = CAPACITY):
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.models = models
        self.capacity = capacity
        self.linear = linear_binning(limit)
        self.log = log_binning()
        self._steps = np.zeros(capacity, dtype=np.int64)
        self._linear = np.zeros((capacity, models, self.linear.bins), dtype=np.float32)
        self._log = np.zeros((capacity, models, self.log.bins), dtype=np.float32)
        self._merged = np.ones(capacity, dtype=np.int64)  # how many recorded moments a column holds
        self.count = 0

    def record(self, snapshot: Snapshot) -> None:
        """One column for this snapshot; a snapshot not newer than the last column replaces it."""
        if self.count and snapshot.step <= self._steps[self.count - 1]:
            self.count -= 1  # e.g. the same step sent again after a pause: keep one column
        elif self.count == self.capacity:
            self._halve()
        i = self.count
        for k in range(self.models):
            weights = all_weights(snapshot, k)
            self._linear[i, k] = self.linear.shares(weights)
            self._log[i, k] = self.log.shares(weights)
        self._steps[i] = snapshot.step
        self._merged[i] = 1
        self.count += 1

    def _halve(self) -> None:
        """Merge neighbouring columns in pairs (weighted by what each holds); keep the newest alone
        when the count is odd."""
        n = self.count - self.count % 2
        a, b = slice(0, n, 2), slice(1, n, 2)
        wa, wb = self._merged[a].astype(float), self._merged[b].astype(float)
        total = wa + wb
        for table in (self._linear, self._log):
            table[: n // 2] = (table[a] * wa[:, None, None] + table[b] * wb[:, None, None]) / total[:, None, None]
        self._steps[: n // 2] = self._steps[b]
        self._merged[: n // 2] = total.astype(np.int64)
        if self.count % 2:
            last = self.count - 1
            for table in (self._linear, self._log):
                table[n // 2] = table[last]
            self._steps[n // 2], self._merged[n // 2] = self._steps[last], self._merged[last]
        self.count = n // 2 + self.count % 2

    @property
    def steps(self) -> np.ndarray:
        """The step each column ends at (increasing)."""
        return self._steps[: self.count].copy()

    def shares(self, model: int, log: bool) -> np.ndarray:
        """[columns, bins] shares of model's weights."""
        table = self._log if log else self._linear
        return table[: self.count, model].astype(float)

    def binning(self, log: bool) -> Binning:
        return self.log if log else self.linear

    def resampled(self, model: int, log: bool, columns: int, up_to: int | None = None
                  ) -> tuple[np.ndarray, float, float]:
        """The shares on `columns` equal step intervals from the first recorded step to `up_to`
        (default: the last): (image [columns, bins], first step, last step). Each interval shows
        the newest column recorded at or before its end, so nothing later than `up_to` leaks in."""
        steps = self.steps
        if not len(steps):
            return np.zeros((0, self.binning(log).bins)), 0.0, 0.0
        first = float(steps[0])
        last = float(steps[-1] if up_to is None else max(min(up_to, steps[-1]), first))
        if last <= first:
            return self.shares(model, log)[:1].copy(), first, first + 1.0
        ends = first + (last - first) * (np.arange(1, columns + 1) / columns)
        index = np.searchsorted(steps, ends, side="right") - 1
        return self.shares(model, log)[np.clip(index, 0, None)], first, last
