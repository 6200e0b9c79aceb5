"""EpochTable: the epochs of a step record as columns, and back as EpochRecords."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from regviz.core.records import EpochRecord, EpochTable


def _records(n: int, k: int, first: int = 1) -> list[EpochRecord]:
    rng = np.random.default_rng(n * 31 + k)
    return [EpochRecord(first + i, 50 * (first + i), rng.normal(size=k), rng.normal(size=k)) for i in range(n)]


def _same(a: list[EpochRecord] | tuple, b: list[EpochRecord] | tuple) -> bool:
    return len(a) == len(b) and all(
        x.epoch == y.epoch and x.step == y.step and np.array_equal(x.test_error, y.test_error)
        and np.array_equal(x.train_loss, y.train_loss) for x, y in zip(a, b))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(sizes=st.lists(st.integers(0, 6), max_size=5), k=st.integers(1, 4))
def test_tables_concatenate_to_the_table_of_all_their_records(sizes, k):
    parts, records, first = [], [], 1
    for n in sizes:
        part = _records(n, k, first)
        parts.append(EpochTable.of(part, k))
        records += part
        first += n
    whole = EpochTable.concat(parts, k)
    assert len(whole) == len(records) and whole.test_error.shape == (len(records), k)
    assert _same(whole.records(), records)
    assert all(isinstance(r.epoch, int) and isinstance(r.step, int) for r in whole.records())


def test_an_empty_table_has_the_models_width():
    table = EpochTable.concat([], 3)
    assert len(table) == 0 and table.test_error.shape == (0, 3) and table.records() == ()
