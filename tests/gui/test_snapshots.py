"""The snapshot recorder: bounded however long the run, evenly spread over it, the newest always kept;
the oracle is plain arithmetic on the steps fed in."""

from __future__ import annotations

import numpy as np
import pytest

from regviz.core.records import MemberSpec, Snapshot
from regviz.gui.snapshots import MAX_SNAPSHOTS, SnapshotRecorder, capacity_for, snapshot_numbers

MEMBERS = (MemberSpec(),)


def _snap(step: int) -> Snapshot:
    return Snapshot(step, step // 40, (np.full((1, 1, 2), float(step)),), (np.zeros((1, 2)),), (), np.zeros(1, bool))


def _feed(recorder: SnapshotRecorder, steps) -> None:
    for step in steps:
        recorder.offer(_snap(int(step)), MEMBERS)


@pytest.mark.parametrize("capacity", [2, 3, 10, 200])
@pytest.mark.parametrize("every", [1, 7, 250])
def test_bounded_spread_and_newest_kept(capacity, every):
    recorder = SnapshotRecorder(capacity)
    fed = list(range(0, 100_000, every)) + [100_001]
    _feed(recorder, fed)
    steps = recorder.steps
    assert len(steps) <= capacity + 1  # the recorded ones, plus the newest
    assert steps[0] == 0 and steps[-1] == 100_001  # the first and the newest are always there
    assert steps == sorted(set(steps)) and set(steps) <= set(fed)
    gaps = np.diff(steps[:-1])  # the recorded ones
    assert gaps.min() >= every
    if capacity >= 10:  # evenly spread: old stretches no sparser than new ones, and enough of them
        assert gaps.max() <= 2 * gaps.min(), gaps
        assert len(steps) - 1 >= capacity // 2


def test_step_by_step_records_exact_multiples():
    recorder = SnapshotRecorder(200)
    _feed(recorder, range(0, 1001))
    steps = recorder.steps
    assert steps[:-1] == list(range(0, steps[-2] + 1, recorder.interval))
    assert recorder.interval == 8 and steps[-1] == 1000


def test_repeated_steps_are_not_recorded_twice():
    recorder = SnapshotRecorder(10)
    _feed(recorder, [0, 0, 1, 1, 1, 2])
    assert recorder.steps == [0, 1, 2]


def test_lookups():
    recorder = SnapshotRecorder(200)
    _feed(recorder, [0, 10, 20, 35])
    assert recorder.at_or_before(19).step == 10
    assert recorder.at_or_before(20).step == 20
    assert recorder.at_or_before(-5).step == 0  # before them all: the first
    assert recorder.at_or_before(10**9).step == 35
    assert recorder.nearest(14).step == 10 and recorder.nearest(16).step == 20
    assert recorder.nearest(15).step == 10  # a tie: the earlier
    assert recorder.nearest(1e12).step == 35
    assert SnapshotRecorder().nearest(3) is None and SnapshotRecorder().at_or_before(3) is None


def test_restore_keeps_the_entries_and_the_interval():
    recorder = SnapshotRecorder(200)
    _feed(recorder, range(0, 5000, 3))
    copy = SnapshotRecorder(200)
    copy.restore(recorder.entries, recorder.interval)
    assert copy.steps == recorder.steps and copy.interval == recorder.interval
    _feed(copy, [5100])
    assert copy.steps[-1] == 5100


def test_a_wide_network_keeps_fewer_snapshots():
    assert snapshot_numbers((1, 10, 10, 10, 1), 1, prelu=False) == 10 + 100 + 100 + 10 + 10 + 10 + 10 + 1
    assert capacity_for((1, 10, 10, 10, 1), 4, prelu=False) == MAX_SNAPSHOTS
    wide = (1,) + (512,) * 8 + (1,)
    capacity = capacity_for(wide, 4, prelu=True)
    assert 2 <= capacity < MAX_SNAPSHOTS
    assert capacity * snapshot_numbers(wide, 4, prelu=True) <= 8_000_000 or capacity == 2
