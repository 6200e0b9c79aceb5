"""Frames carry the epochs since the last frame as columns (EpochTable), and the live state's
per-epoch history holds exactly what the engine measured."""

from __future__ import annotations

import pickle

import numpy as np

from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.core.records import EpochTable
from regviz.gui.session import LiveState, build_run, make_frame


def _engine(methods=("l1", "l2")):
    cfg = load_preset("seed")
    return build_run(cfg, [member(cfg, m, 12) for m in methods])


def test_a_frame_holds_every_epoch_of_its_records_as_columns():
    engine, setup = _engine()
    spe = engine.steps_per_epoch
    records = [engine.step(spe + 3), engine.step(2 * spe - 3)]  # three epochs, one across the records
    frame = make_frame(engine, setup, 1, records)
    assert len(frame.epochs) == 3
    np.testing.assert_array_equal(frame.epochs.step, [spe, 2 * spe, 3 * spe])
    assert frame.epochs.test_error.shape == frame.epochs.train_loss.shape == (3, 2)
    last = engine.evaluate()  # measured again, from the weights after the third epoch
    np.testing.assert_allclose(frame.epochs.test_error[-1], last.test_error, rtol=1e-12)
    np.testing.assert_allclose(frame.epochs.train_loss[-1], last.train_loss, rtol=1e-12)
    copy = pickle.loads(pickle.dumps(frame))
    np.testing.assert_array_equal(copy.epochs.test_error, frame.epochs.test_error)


def test_the_live_state_keeps_each_epoch_once_and_in_order():
    engine, setup = _engine()
    spe = engine.steps_per_epoch
    state = LiveState(setup)
    measured = []
    for n in (spe // 2, spe, 3 * spe + 1, 1):
        record = engine.step(n)
        measured += [(e.step, *e.test_error) for e in record.epochs]
        state.apply(make_frame(engine, setup, 1, [record]))
    got = [(int(s), *row) for s, row in zip(state.epoch_steps, state.test_error)]
    assert got == measured and len(got) == 4


def test_a_frame_without_records_has_no_epochs():
    engine, setup = _engine(("l2",))
    frame = make_frame(engine, setup, 1, [])
    assert len(frame.epochs) == 0 and frame.epochs.test_error.shape == (0, 1)
    assert len(EpochTable.of([], 3)) == 0
