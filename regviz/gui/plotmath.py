"""The loss canvas's maths, without Qt: envelopes, smoothing, ranges (unit-tested on their own).

Histories reach 100k+ steps at 30-60 redraws a second, so a curve is never handed the whole
history: it gets a peak envelope (max and min of the rows in each pixel column, like pyqtgraph's
'peak' downsampling, so every spike stays visible); the moving average is kept incrementally.
"""

from __future__ import annotations

import math

import numpy as np

from regviz.gui.history import GrowableRows
from regviz.gui.session import RunSetup, smooth

# An envelope has one bucket (2 points) per pixel column of the plot, at most this many: more
# points than pixels only cost paint time (1,600-point curves in a 225-px plot, measured).
ENVELOPE_BUCKETS = 800
MIN_COLUMNS = 256  # a plot not laid out yet (a test, an export) still gets a fair resolution
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


def column_envelope(xs: np.ndarray, high: np.ndarray, low: np.ndarray, x_range: tuple[float, float],
                    columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by the column of the x range their x falls in (one column per pixel): per
    column that holds rows, its first x twice and (max of `high`, min of `low`) over its rows.
    xs [n] sorted; high and low [n, K] (the same array for rows of one step each); rows left or
    right of the range join the first or last column. NaN propagates: a diverged model's gap."""
    x0, x1 = x_range
    inner = np.linspace(x0, x1, columns + 1)[1:-1]
    starts = np.unique(np.concatenate([[0], np.searchsorted(xs, inner, "left")]))
    starts = starts[starts < len(xs)]
    env = np.empty((2 * len(starts), high.shape[1]))
    env[0::2] = np.maximum.reduceat(high, starts, axis=0)
    env[1::2] = np.minimum.reduceat(low, starts, axis=0)
    return np.repeat(xs[starts], 2), env


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


class CurveData:
    """What the loss canvas draws of a history: per curve, its rows (raw highs and lows, or the
    smoothed means, kept incrementally) and their peak envelope per pixel column."""

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

    def decimated(self, rows, xs: np.ndarray, start: int, stop: int, x_range: tuple[float, float],
                  columns: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """(x, values [m, K], enveloped) to draw for rows start..stop: the rows as they are while
        there are at most two per column (a zig-zag would draw as many points), else their
        envelope over `columns` columns of the x range. Computed afresh every frame: the history
        is bounded (history.py), so this costs about a millisecond, and no cache has to survive
        the history's merges, which at full speed come every frame."""
        high, low = rows(start, stop)
        if stop - start <= 2 * columns:
            return xs[start:stop], high, False
        x, values = column_envelope(xs[start:stop], high, low, x_range, columns)
        return x, values, True
