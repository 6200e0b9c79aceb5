"""Weight snapshots kept along a run, without Qt: what the history scrubber replays and what a saved
session stores.

Every frame brings the newest weights; keeping them all would grow without end. The recorder keeps
one whenever the step is `interval` or more past the last one kept; when it holds more than its
capacity it drops every other one and (at least) doubles the interval. So the recorded steps
stay spread evenly over the whole run, memory is bounded, and the newest offered snapshot is always
kept besides (`newest`).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from regviz.core.records import MemberSpec, Snapshot

MAX_SNAPSHOTS = 200
# At most this many numbers (8 bytes each) over all recorded snapshots: a wide, deep network keeps
# fewer snapshots rather than gigabytes of them.
MEMORY_NUMBERS_BUDGET = 8_000_000


@dataclass(frozen=True)
class RecordedSnapshot:
    """A snapshot and the models' hyper-parameters at that moment (they can change live)."""

    snapshot: Snapshot
    members: tuple[MemberSpec, ...]

    @property
    def step(self) -> int:
        return self.snapshot.step


def snapshot_numbers(layer_sizes: Sequence[int], models: int, prelu: bool) -> int:
    """How many numbers one snapshot of these models holds (weights, biases, PReLU slopes)."""
    pairs = zip(layer_sizes[:-1], layer_sizes[1:])
    per_model = sum(a * b + b for a, b in pairs) + (sum(layer_sizes[1:-1]) if prelu else 0)
    return per_model * models


def capacity_for(layer_sizes: Sequence[int], models: int, prelu: bool) -> int:
    """MAX_SNAPSHOTS, or fewer (at least 2) when that many would exceed the memory budget."""
    numbers = max(1, snapshot_numbers(layer_sizes, models, prelu))
    return max(2, min(MAX_SNAPSHOTS, MEMORY_NUMBERS_BUDGET // numbers))


class SnapshotRecorder:
    def __init__(self, capacity: int = MAX_SNAPSHOTS, interval: int = 1):
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self.interval = max(1, int(interval))
        self._recorded: list[RecordedSnapshot] = []
        self.newest: RecordedSnapshot | None = None

    def offer(self, snapshot: Snapshot, members: Sequence[MemberSpec]) -> None:
        """A frame's snapshot: always the newest; recorded too when it is `interval` steps or more
        after the last recorded one."""
        entry = RecordedSnapshot(snapshot, tuple(members))
        self.newest = entry
        if self._recorded and snapshot.step < self._recorded[-1].step + self.interval:
            return
        self._recorded.append(entry)
        if len(self._recorded) > self.capacity:
            self._thin()

    def _thin(self) -> None:
        """Drop every other one (the first stays) and widen the interval to
        the typical gap that leaves, at least double the old one: frames may come every few hundred
        steps, so the interval follows the recorded steps and new snapshots are as dense as old."""
        self._recorded = self._recorded[::2]
        gaps = np.diff([e.step for e in self._recorded])
        self.interval = max(2 * self.interval, int(np.median(gaps)) if len(gaps) else 0)

    def restore(self, entries: Sequence[RecordedSnapshot], interval: int) -> None:
        """Start from entries read back from a session (sorted by step; the last is the newest)."""
        self._recorded, self.newest = [], None
        self.interval = max(1, int(interval))
        for entry in entries:
            self.offer(entry.snapshot, entry.members)

    # ---------------------------------------------------------------- reading
    @property
    def entries(self) -> list[RecordedSnapshot]:
        """The recorded snapshots by step, then the newest one if it was not recorded."""
        out = list(self._recorded)
        if self.newest is not None and (not out or self.newest.step > out[-1].step):
            out.append(self.newest)
        return out

    @property
    def steps(self) -> list[int]:
        return [e.step for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def at_or_before(self, step: int) -> RecordedSnapshot | None:
        """The latest snapshot at or before `step` (the first one if `step` precedes them all)."""
        entries = self.entries
        if not entries:
            return None
        index = bisect.bisect_right([e.step for e in entries], step) - 1
        return entries[max(0, index)]

    def nearest(self, step: float) -> RecordedSnapshot | None:
        """The snapshot whose step is closest to `step` (the earlier one on a tie)."""
        entries = self.entries
        if not entries:
            return None
        steps = [e.step for e in entries]
        index = bisect.bisect_left(steps, step)
        if index == 0:
            return entries[0]
        if index == len(entries):
            return entries[-1]
        before, after = entries[index - 1], entries[index]
        return before if step - before.step <= after.step - step else after
