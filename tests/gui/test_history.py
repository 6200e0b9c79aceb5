"""Bounded histories: full resolution for the newest rows, merged older rows that keep their
count-weighted means and their extremes; the oracle is the plain, unbounded record."""

from __future__ import annotations

import numpy as np
import pytest

from regviz.gui.history import History


def _feed(history: History, values: np.ndarray, chunks) -> None:
    start = 0
    for size in chunks:
        stop = min(len(values), start + size)
        if stop > start:
            history.extend(np.arange(start + 1, stop + 1, dtype=float), v=values[start:stop])
        start = stop


@pytest.mark.parametrize("capacity", [4, 7, 64, 1000])
def test_a_long_record_stays_bounded_and_keeps_totals_extremes_and_recent_rows(capacity):
    rng = np.random.default_rng(capacity)
    steps = 25_000
    values = rng.normal(size=(steps, 3))
    values[12_345, 1] = 1e6  # a spike
    values[777, 2] = -1e6
    history = History(3, ("v",), capacity)
    _feed(history, values, rng.integers(1, 900, size=200).tolist() + [steps])
    assert history.n <= capacity and history.total_count == steps
    count = history.count
    assert count.sum() == steps  # every step is stood for exactly once
    mean = history.mean("v")
    np.testing.assert_allclose((mean * count[:, None]).sum(0), values.sum(0), rtol=1e-9)  # weighted means
    np.testing.assert_array_equal(history.high("v").max(0), values.max(0))  # the spike survives
    np.testing.assert_array_equal(history.low("v").min(0), values.min(0))
    # rows from full_resolution_from on are the newest steps, exactly as they came
    first = history.full_resolution_from
    assert history.n - first >= capacity // 2
    recent = history.x[first:].astype(int)
    np.testing.assert_array_equal(recent, np.arange(steps - len(recent) + 1, steps + 1))
    np.testing.assert_array_equal(mean[first:], values[recent - 1])
    # each row starts where the previous one ended
    np.testing.assert_array_equal(history.x[1:], history.x[:-1] + count[:-1])


def test_memory_does_not_grow_with_the_record():
    history = History(4, ("a", "b", "c"), 256)
    size = history.nbytes
    for start in range(0, 200_000, 1000):
        block = np.ones((1000, 4))
        history.extend(np.arange(start, start + 1000, dtype=float), a=block, b=block, c=block)
    assert history.nbytes == size and history.n <= 256
    assert history.version > 0  # merges happened, and consumers were told


def test_short_records_are_untouched_and_nan_is_kept():
    history = History(2, ("v",), 100)
    values = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, np.nan]])
    history.extend(np.array([1.0, 2.0, 3.0]), v=values)
    assert history.version == 0 and history.full_resolution_from == 0
    np.testing.assert_array_equal(history.mean("v"), values)
    history.clear()
    assert history.n == 0 and history.total_count == 0


def test_a_diverged_model_stays_a_gap_after_merging():
    history = History(2, ("v",), 8)
    values = np.column_stack([np.arange(40, dtype=float), np.r_[np.arange(10.0), np.full(30, np.nan)]])
    history.extend(np.arange(1, 41, dtype=float), v=values)
    mean, high = history.mean("v"), history.high("v")
    assert np.isfinite(mean[:, 0]).all()
    assert np.isnan(mean[-1, 1]) and np.isnan(high[-1, 1])  # after divergence: no value
    assert np.nanmax(high[:, 1]) == 9.0
