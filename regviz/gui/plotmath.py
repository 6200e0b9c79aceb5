"""The loss canvas's maths, without Qt: envelopes, smoothing, ranges (unit-tested on their own).

Histories reach 100k+ steps at 30-60 redraws a second, so a curve is never handed the whole
history: it gets a peak envelope (max and min of each bucket of rows, like pyqtgraph's 'peak'
downsampling, so every spike stays visible) kept incrementally, and the moving average likewise.
"""

from __future__ import annotations

import math

import numpy as np

from regviz.gui.history import GrowableRows
from regviz.gui.session import RunSetup, smooth

# At most this many buckets (2 points each) per loss curve; they double in size as the history
# grows, so between half this and this many are drawn (~1 per pixel of a full-width plot). 1024 cost
# a third more paint time than 512 on a raw 100k-step history.
ENVELOPE_BUCKETS = 800
NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def y_limits(blocks, live: np.ndarray) -> tuple[float, float] | None:
    """(min, max) of the finite values in the live, shown columns of [m, K] blocks (pairs of values
    and a per-model shown mask); every model counts if none is live; None if nothing is finite."""
    models = live if live.any() else np.ones_like(live)
    low, high = np.inf, -np.inf
    for values, shown in blocks:
        columns = np.asarray(shown, bool) & models
        if len(values) and columns.any():
            chosen = values[:, columns]
            finite = chosen[np.isfinite(chosen)]
            if finite.size:
                low, high = min(low, float(finite.min())), max(high, float(finite.max()))
    return (low, high) if low <= high else None


def clip_far(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values beyond [low, high] clipped to it (NaN kept): Qt draws a 1e237-pixel line slowly and
    badly. A copy only when something is out of the band."""
    with np.errstate(invalid="ignore"):
        if np.all((values >= low) & (values <= high) | np.isnan(values)):
            return values
    return np.clip(values, low, high)


def smoothing_window(setup: RunSetup) -> int:
    """About one epoch of steps: n_train / batch size."""
    batch = max(1, min(int(setup.config.training.batch_size), setup.dataset.n_train))
    return max(1, math.ceil(setup.dataset.n_train / batch))


def nice_ceil(value: float) -> float:
    """The smallest 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k that is >= value."""
    if value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    return next(m * scale for m in NICE if m * scale >= value * (1 - 1e-12))


def peak_envelope(values: np.ndarray, bucket: int, low: np.ndarray | None = None) -> np.ndarray:
    """[n, K] -> [2 * ceil(n / bucket), K]: each bucket's max then min (NaN propagates: a gap).
    With `low`, `values` are the rows' highs and `low` their lows (merged history rows)."""
    low = values if low is None else low
    n, k = values.shape
    full = (n // bucket) * bucket
    out = np.empty((2 * -(-n // bucket), k))
    if full:
        out[0 : 2 * (full // bucket) : 2] = values[:full].reshape(-1, bucket, k).max(axis=1)
        out[1 : 2 * (full // bucket) : 2] = low[:full].reshape(-1, bucket, k).min(axis=1)
    if full < n:
        out[-2] = values[full:].max(axis=0)
        out[-1] = low[full:].min(axis=0)
    return out


class IncrementalSmooth:
    """session.smooth over a growing history, recomputing only the rows added since the last call.

    A trailing moving average of row i depends on rows i-window+1..i only, so rows already smoothed
    never change; each call smooths the new rows plus window-1 rows of context.
    """

    def __init__(self, window: int, width: int):
        self.window = window
        self._out = GrowableRows(width)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        done, n = self._out.n, len(values)
        if n > done:
            start = max(0, done - self.window + 1)
            self._out.extend(smooth(values[start:n], self.window)[done - start :])
        return self._out.view[:n]


class IncrementalEnvelope:
    """The peak envelope of a growing history, kept at a power-of-two bucket size.

    Complete buckets are stored; each call adds the buckets completed since the last one and
    recomputes only the partial last bucket. When there are more than `max_buckets`, neighbours are
    merged pairwise (max of maxes, min of mins) and the bucket size doubles, so the cost of a frame
    does not grow with the history.
    """

    def __init__(self, width: int, max_buckets: int = ENVELOPE_BUCKETS):
        self.max_buckets = max_buckets
        self.bucket = 1
        self._maxs, self._mins = GrowableRows(width), GrowableRows(width)
        self._covered = 0  # rows summarised by complete buckets

    def __call__(self, n: int, rows) -> tuple[np.ndarray | None, np.ndarray]:
        """rows(start, stop) -> (high, low), each [stop - start, K] (the same array for rows of one
        step each). Returns (bucket start indices, envelope), or (None, the rows) while the history
        is short enough to draw as it is (a short history is never merged: history.py)."""
        if self.bucket == 1 and n <= self.max_buckets:
            return None, rows(0, n)[0]
        if self.bucket == 1:
            self.bucket = 2
        while True:
            full = (n // self.bucket) * self.bucket
            if full > self._covered:
                high, low = rows(self._covered, full)
                new = peak_envelope(high, self.bucket, low)
                self._maxs.extend(new[0::2])
                self._mins.extend(new[1::2])
                self._covered = full
            if self._maxs.n <= self.max_buckets:
                break
            self._merge()
        parts_max, parts_min = [self._maxs.view], [self._mins.view]
        if self._covered < n:
            high, low = rows(self._covered, n)
            tail = peak_envelope(high, n - self._covered, low)
            parts_max.append(tail[0:1])
            parts_min.append(tail[1:2])
        maxs, mins = np.concatenate(parts_max), np.concatenate(parts_min)
        env = np.empty((2 * len(maxs), maxs.shape[1]))
        env[0::2], env[1::2] = maxs, mins
        return np.arange(len(maxs)) * self.bucket, env

    def _merge(self) -> None:
        pairs = self._maxs.n // 2
        maxs, mins = self._maxs.view, self._mins.view
        merged_max = np.maximum(maxs[0 : 2 * pairs : 2], maxs[1 : 2 * pairs : 2])
        merged_min = np.minimum(mins[0 : 2 * pairs : 2], mins[1 : 2 * pairs : 2])
        self._maxs.clear()
        self._mins.clear()
        self._maxs.extend(merged_max)
        self._mins.extend(merged_min)
        self.bucket *= 2
        self._covered = pairs * self.bucket  # an odd last bucket is recomputed at the new size


class CurveData:
    """What the loss canvas draws of a history, computed incrementally: per curve, its rows (raw
    highs and lows, or the smoothed means) and their peak envelope at a bucket size that grows."""

    def __init__(self, width: int, window: int):
        self.width, self.window = width, window
        self._caches: dict = {}

    def term_rows(self, history, smoothed: bool, terms) -> dict:
        """Per term, a function rows(start, stop) -> (high, low), each [stop - start, K], over the
        whole history. Raw: each row's highest and lowest value (the same for a row of one step);
        smoothed: the moving average of the rows' means, as both (the total from the smoothed terms)."""
        if not smoothed:
            return {term: (lambda a, b, t=term: (history.high(t)[a:b], history.low(t)[a:b])) for term in terms}
        if "smooth" not in self._caches:
            self._caches["smooth"] = (IncrementalSmooth(self.window, self.width),
                                      IncrementalSmooth(self.window, self.width))
        smooth_data, smooth_penalty = self._caches["smooth"]
        data, penalty = smooth_data(history.mean("data")), smooth_penalty(history.mean("penalty"))

        def same(values):
            return values, values

        return {"total": lambda a, b: same(data[a:b] + penalty[a:b]), "data": lambda a, b: same(data[a:b]),
                "penalty": lambda a, b: same(penalty[a:b])}

    def decimated(self, key, n: int, rows, xs: np.ndarray, start: int, stop: int, follow: bool):
        """(x, values [m, K]) to draw for rows start..stop of a history of n rows: the rows as
        they are while few, else a peak envelope (kept incrementally while following the data)."""
        if follow:
            envelope = self._caches.get(key)
            if envelope is None:
                envelope = self._caches[key] = IncrementalEnvelope(self.width)
            index, values = envelope(n, rows)
            return (xs if index is None else np.repeat(xs[index], 2)), values
        bucket = max(1, -(-(stop - start) // ENVELOPE_BUCKETS))
        high, low = rows(start, stop)
        if bucket == 1:
            return xs[start:stop], high
        return np.repeat(xs[start:stop:bucket], 2), peak_envelope(high, bucket, low)
