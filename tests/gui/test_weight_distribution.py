"""The weights' distribution over time, without Qt: bins, shares, bounded history, the chatter band."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from regviz.core.records import MemberSpec, Snapshot
from regviz.gui.weight_distribution import (LOG_FLOOR, WeightDistributionHistory, chatter_band, linear_binning,
                                            log_binning, symlog)


def snapshot(step: int, *layers: np.ndarray) -> Snapshot:
    """layers: [K, in, out] arrays."""
    k = layers[0].shape[0]
    return Snapshot(step, 0, tuple(layers), tuple(np.zeros((k, w.shape[2])) for w in layers), (), np.zeros(k, bool))


def test_linear_shares_count_by_hand():
    binning = linear_binning(1.0)  # 60 bins of 1/30
    weights = np.array([0.0, 0.001, -0.001, 0.5, 5.0, -7.0, np.nan])
    shares = binning.shares(weights)
    assert shares.sum() == pytest.approx(1.0)  # the NaN is left out: 6 finite weights
    assert shares[30] == pytest.approx(2 / 6)  # [0, 1/30): 0 and 0.001
    assert shares[29] == pytest.approx(1 / 6)  # [-1/30, 0): -0.001
    assert shares[45] == pytest.approx(1 / 6)  # 0.5 = 15/30: bin 30 + 15
    assert shares[-1] == pytest.approx(1 / 6) and shares[0] == pytest.approx(1 / 6)  # beyond: the end bins


def test_log_binning_middle_bin_holds_exact_zeros_and_decades_are_even():
    binning = log_binning()
    middle = np.flatnonzero((binning.edges[:-1] < 0) & (binning.edges[1:] > 0))
    assert len(middle) == 1
    shares = binning.shares(np.array([0.0, 0.0, 5e-5, 0.5]))
    assert shares[middle[0]] == pytest.approx(0.75)  # 0, 0 and 5e-5 are all below 1e-4
    assert np.all(np.diff(binning.edges) > 0)
    # ten bins per decade on each side: the edges at 1e-3, 1e-2 ... are exact powers of ten
    side = binning.edges[binning.edges > 0]
    assert np.allclose(side[::10], [1e-4, 1e-3, 1e-2, 1e-1, 1, 10])
    assert symlog(1.0) == pytest.approx(0.25 + 4) and symlog(-1e-3) == pytest.approx(-1.25)
    assert symlog(LOG_FLOOR / 2) == 0.0


def test_history_records_merges_and_stays_bounded():
    history = WeightDistributionHistory(models=2, limit=1.0, capacity=8)
    for step in range(100):
        a = np.full((1, 2, 2), 0.5 if step < 50 else -0.5)
        b = np.full((1, 2, 2), 0.0)
        history.record(snapshot(step, np.concatenate([a, b])))
    assert history.count <= 8
    steps = history.steps
    assert steps[-1] == 99 and np.all(np.diff(steps) > 0)
    shares0 = history.shares(0, log=False)
    assert np.allclose(shares0.sum(axis=1), 1.0)  # merged columns are still distributions
    # the newest column holds only weights at -0.5; model 1 sits at 0 throughout
    assert shares0[-1][linear_binning(1.0).edges[:-1].searchsorted(-0.5, side="right") - 1] == pytest.approx(1.0)
    assert history.shares(1, log=False)[:, 30].min() == pytest.approx(1.0)


def test_same_step_again_replaces_the_column():
    history = WeightDistributionHistory(models=1, limit=1.0)
    history.record(snapshot(5, np.full((1, 1, 1), 0.5)))
    history.record(snapshot(5, np.full((1, 1, 1), -0.5)))
    assert history.count == 1
    assert history.shares(0, log=False)[0, :30].sum() == pytest.approx(1.0)


def test_resampled_never_shows_later_columns():
    history = WeightDistributionHistory(models=1, limit=1.0)
    for step, value in ((0, 0.9), (10, 0.0), (20, -0.9)):
        history.record(snapshot(step, np.full((1, 1, 1), value)))
    image, first, last = history.resampled(0, log=False, columns=4, up_to=15)
    assert (first, last) == (0.0, 15.0)
    edges = linear_binning(1.0).edges
    bin_of = lambda v: int(np.searchsorted(edges, v, side="right") - 1)  # noqa: E731
    # intervals end at 3.75, 7.5, 11.25, 15: the first two still show step 0, the others step 10
    assert [int(np.argmax(row)) for row in image] == [bin_of(0.9)] * 2 + [bin_of(0.0)] * 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50), st.booleans())
def test_shares_are_a_distribution_for_any_weights(values, log):
    binning = log_binning() if log else linear_binning(1.2)
    shares = binning.shares(np.array(values))
    assert shares.sum() == pytest.approx(1.0) and np.all(shares >= 0)


def test_chatter_band_is_lr_times_the_l1_coefficient_under_the_subgradient_rule_only():
    assert chatter_band(MemberSpec(method="l1", lam=0.3, learning_rate=0.01)) == pytest.approx(0.003)
    # elastic net's L1 coefficient is lambda x rho (the app's convention, regularizers.coefficients)
    assert chatter_band(MemberSpec(method="elasticnet", lam=0.4, rho=0.25, learning_rate=0.1)) == pytest.approx(0.01)
    assert chatter_band(MemberSpec(method="l2", lam=0.3)) is None
    assert chatter_band(MemberSpec(method="l1", lam=0.3, l1_rule="proximal")) is None
    assert chatter_band(MemberSpec(method="l1", lam=0.0)) is None
