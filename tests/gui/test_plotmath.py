"""The Qt-free maths behind the canvases: envelopes, smoothing, nice ranges, y limits, clipping."""

from __future__ import annotations

import numpy as np

from regviz.gui.plotmath import IncrementalSmooth, clip_far, column_envelope, nice_ceil, y_limits
from regviz.gui.session import smooth


def test_incremental_smoothing_equals_session_smooth():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(1000, 3))
    smoother = IncrementalSmooth(40, 3)
    for n in (1, 5, 39, 40, 41, 300, 301, 1000):
        np.testing.assert_allclose(smoother(values[:n]), smooth(values[:n], 40), atol=1e-12)


def test_column_envelope_keeps_each_pixel_columns_extremes():
    # by hand: x range 0..10 in 5 columns of width 2; rows at x 0.5, 1, 3, 3.5, 9 (columns 0, 0, 1, 1, 4)
    xs = np.array([0.5, 1.0, 3.0, 3.5, 9.0])
    high = np.array([[1.0], [4.0], [2.0], [np.nan], [7.0]])
    low = high - 1.0
    x, env = column_envelope(xs, high, low, (0.0, 10.0), 5)
    np.testing.assert_array_equal(x, [0.5, 0.5, 3.0, 3.0, 9.0, 9.0])
    np.testing.assert_array_equal(env[:2, 0], [4.0, 0.0])  # max of highs, min of lows
    assert np.isnan(env[2:4, 0]).all()  # a NaN (diverged) makes its column a gap
    np.testing.assert_array_equal(env[4:, 0], [7.0, 6.0])
    # many random rows against a per-row loop (column = floor of the position in the range)
    rng = np.random.default_rng(2)
    xs = np.sort(rng.uniform(3.0, 97.0, 5_000))
    values = rng.normal(size=(5_000, 2))
    x, env = column_envelope(xs, values, values, (0.0, 100.0), 37)
    column = np.floor(xs / 100.0 * 37).astype(int)
    expected = [(xs[column == c][0], values[column == c].max(axis=0), values[column == c].min(axis=0))
                for c in range(37) if (column == c).any()]
    assert len(x) == 2 * len(expected)
    for i, (first, top, bottom) in enumerate(expected):
        assert x[2 * i] == x[2 * i + 1] == first
        np.testing.assert_array_equal(env[2 * i], top)
        np.testing.assert_array_equal(env[2 * i + 1], bottom)
    assert env.max() == values.max() and env.min() == values.min()  # no spike is lost


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
