"""The Qt-free maths behind the canvases: envelopes, smoothing, nice ranges, y limits, clipping."""

from __future__ import annotations

import numpy as np

from regviz.gui.plotmath import IncrementalEnvelope, IncrementalSmooth, clip_far, nice_ceil, peak_envelope, y_limits
from regviz.gui.session import smooth


def test_incremental_smoothing_equals_session_smooth():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(1000, 3))
    smoother = IncrementalSmooth(40, 3)
    for n in (1, 5, 39, 40, 41, 300, 301, 1000):
        np.testing.assert_allclose(smoother(values[:n]), smooth(values[:n], 40), atol=1e-12)


def test_peak_envelope_and_its_incremental_version():
    rng = np.random.default_rng(2)
    values = rng.normal(size=(10_000, 2))
    env = peak_envelope(values, 7)
    assert env.shape == (2 * -(-10_000 // 7), 2)
    np.testing.assert_array_equal(env[0], values[:7].max(axis=0))
    np.testing.assert_array_equal(env[1], values[:7].min(axis=0))
    np.testing.assert_array_equal(env[-1], values[-(10_000 % 7):].min(axis=0))
    # grown in uneven chunks (merging as it goes) it equals the envelope computed in one go
    def rows(a, b):
        return values[a:b], values[a:b]

    grown = IncrementalEnvelope(2, max_buckets=64)
    for n in (50, 64, 65, 300, 301, 2000, 4097, 10_000):
        index, got = grown(n, rows)
    fresh_index, fresh = IncrementalEnvelope(2, max_buckets=64)(10_000, rows)
    np.testing.assert_array_equal(index, fresh_index)
    np.testing.assert_array_equal(got, fresh)
    assert 32 <= len(index) <= 65
    assert got.max() == values.max() and got.min() == values.min()
    short_index, short = IncrementalEnvelope(2, max_buckets=64)(40, rows)
    assert short_index is None
    np.testing.assert_array_equal(short, values[:40])
    # merged rows carry their own highs and lows: the envelope takes the highs' max, the lows' min
    low = values - 1.0
    env = peak_envelope(values, 7, low)
    np.testing.assert_array_equal(env[0], values[:7].max(axis=0))
    np.testing.assert_array_equal(env[1], low[:7].min(axis=0))


def test_nice_ceil():
    assert [nice_ceil(v) for v in (0.7, 1.0, 1.1, 2300, 2500.1, 125_000)] == [0.8, 1.0, 1.2, 2500, 3000, 150_000]


def test_y_limits_take_the_live_shown_finite_values():
    values = np.array([[1.0, 100.0, 5.0], [2.0, np.nan, -3.0], [np.inf, 50.0, 4.0]])
    live = np.array([True, False, True])
    assert y_limits([(values, [True, True, True])], live) == (-3.0, 5.0)  # the diverged column is left out
    assert y_limits([(values, [True, True, False])], live) == (1.0, 2.0)  # a hidden column too
    assert y_limits([(values, [True, True, True])], np.zeros(3, bool)) == (-3.0, 100.0)  # none live: all count
    assert y_limits([(np.full((2, 1), np.nan), [True])], np.ones(1, bool)) is None


def test_clip_far_clips_only_when_needed_and_keeps_nan():
    values = np.array([0.0, 5.0, np.nan])
    assert clip_far(values, -1.0, 10.0) is values  # nothing out of band: no copy
    clipped = clip_far(np.array([-1e237, 3.0, np.nan, 1e30]), -10.0, 10.0)
    np.testing.assert_array_equal(clipped[[0, 1, 3]], [-10.0, 3.0, 10.0])
    assert np.isnan(clipped[2])
