"""Per-step (or per-epoch) histories with bounded memory, without Qt.

A run at full speed produces tens of thousands of steps a second; keeping every one grew the
window by 73 bytes a step without end. A History keeps its newest rows as they came and, once it
holds more than `capacity` rows, merges the older rows pairwise into summary rows: each keeps the
pair's count-weighted mean, its highest and lowest value, and the number of steps it stands for.
So memory is bounded whatever the length of the run, the recent history stays at full resolution,
and older history keeps its averages and its extremes (a spike never leaves the envelope).
"""

from __future__ import annotations

import numpy as np

DEFAULT_CAPACITY = 16384  # rows; the newest half (at least) is always at full resolution


class GrowableRows:
    """A 2-D array that grows by rows with amortised doubling; `view` is the filled part."""

    def __init__(self, width: int):
        self.data = np.empty((256, width))
        self.n = 0

    def extend(self, rows: np.ndarray) -> None:
        need = self.n + len(rows)
        if need > len(self.data):
            bigger = np.empty((max(need, 2 * len(self.data)), self.data.shape[1]))
            bigger[: self.n] = self.data[: self.n]
            self.data = bigger
        self.data[self.n : need] = rows
        self.n = need

    def clear(self) -> None:
        self.n = 0

    @property
    def view(self) -> np.ndarray:
        return self.data[: self.n]


class History:
    """Rows of one value per model and term, against the step (x) each row starts at.

    `version` bumps whenever rows are merged, so a consumer that caches work per row starts over.
    """

    def __init__(self, width: int, terms: tuple[str, ...], capacity: int = DEFAULT_CAPACITY):
        if capacity < 4:
            raise ValueError("capacity must be at least 4 rows")
        self.width = width
        self.terms = tuple(terms)
        self.capacity = capacity
        self.version = 0
        self.n = 0
        self.total_count = 0  # steps (or epochs) recorded so far
        size = capacity + 1
        self._x = np.empty(size)
        self._count = np.empty(size)
        self._mean = {t: np.empty((size, width)) for t in self.terms}
        self._high = {t: np.empty((size, width)) for t in self.terms}
        self._low = {t: np.empty((size, width)) for t in self.terms}
        self._merged_rows = 0  # rows [0, _merged_rows) may stand for more than one step

    # ---------------------------------------------------------------- reading
    @property
    def x(self) -> np.ndarray:
        return self._x[: self.n]

    @property
    def count(self) -> np.ndarray:
        return self._count[: self.n]

    def mean(self, term: str) -> np.ndarray:
        return self._mean[term][: self.n]

    def high(self, term: str) -> np.ndarray:
        return self._high[term][: self.n]

    def low(self, term: str) -> np.ndarray:
        return self._low[term][: self.n]

    @property
    def full_resolution_from(self) -> int:
        """Rows from this index on each stand for exactly one step."""
        return self._merged_rows

    # ---------------------------------------------------------------- writing
    def extend(self, x: np.ndarray, **values: np.ndarray) -> None:
        """Append rows: x [n] and, for every term, values [n, width]."""
        x = np.asarray(x, dtype=float)
        start = 0
        while start < len(x):
            room = self.capacity - self.n
            if room == 0:
                self._merge_older()
                continue
            stop = min(len(x), start + room)
            a, b = self.n, self.n + stop - start
            self._x[a:b] = x[start:stop]
            self._count[a:b] = 1.0
            for term in self.terms:
                rows = values[term][start:stop]
                self._mean[term][a:b] = rows
                self._high[term][a:b] = rows
                self._low[term][a:b] = rows
            self.n = b
            self.total_count += stop - start
            start = stop

    def clear(self) -> None:
        self.n = self.total_count = self._merged_rows = 0
        self.version += 1

    def load_rows(self, x: np.ndarray, count: np.ndarray, mean: dict, high: dict, low: dict) -> None:
        """Replace the contents with rows read back (a saved session): x and count [n], and per
        term mean, high, low [n, width]; at most `capacity` rows."""
        n = len(x)
        if n > self.capacity:
            raise ValueError(f"{n} rows; this history holds at most {self.capacity}")
        self._x[:n], self._count[:n] = x, count
        for term in self.terms:
            self._mean[term][:n], self._high[term][:n], self._low[term][:n] = mean[term], high[term], low[term]
        self.n = n
        self.total_count = int(round(float(np.sum(count))))
        merged = np.flatnonzero(np.asarray(count) != 1)
        self._merged_rows = int(merged[-1]) + 1 if len(merged) else 0
        self.version += 1

    def _merge_older(self) -> None:
        """Merge the rows before the newest half pairwise (a row left over stays as it is)."""
        keep = self.capacity // 2
        older = self.n - keep
        pairs = older // 2
        if pairs == 0:
            raise RuntimeError("history capacity too small to merge")
        a, b = slice(0, 2 * pairs, 2), slice(1, 2 * pairs, 2)
        count_a, count_b = self._count[a].copy(), self._count[b].copy()
        total = count_a + count_b
        self._x[:pairs] = self._x[a]
        for term in self.terms:
            mean = self._mean[term]
            merged = (mean[a] * count_a[:, None] + mean[b] * count_b[:, None]) / total[:, None]
            mean[:pairs] = merged
            self._high[term][:pairs] = np.fmax(self._high[term][a], self._high[term][b])
            self._low[term][:pairs] = np.fmin(self._low[term][a], self._low[term][b])
        self._count[:pairs] = total
        # shift the rest (an odd leftover row and the newest half) down behind the merged rows
        rest = slice(2 * pairs, self.n)
        length = self.n - 2 * pairs
        for array in (self._x, self._count):
            array[pairs : pairs + length] = array[rest].copy()
        for store in (self._mean, self._high, self._low):
            for term in self.terms:
                store[term][pairs : pairs + length] = store[term][rest].copy()
        self._merged_rows = pairs + (older - 2 * pairs)
        self.n = pairs + length
        self.version += 1

    @property
    def nbytes(self) -> int:
        arrays = [self._x, self._count] + [d[t] for d in (self._mean, self._high, self._low) for t in self.terms]
        return int(sum(a.nbytes for a in arrays))
