"""Saved sessions without a window: what is written comes back (within the decimation, checked
against the original History rows and the raw values fed in), the file stays small after a long
run, NaN becomes null, and every kind of bad file is refused with one line."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest

from regviz.core.engine import EpochRecord
from regviz.core.experiments import member
from regviz.core.io import FileProblem
from regviz.core.network import forward
from regviz.core.presets import load_preset
from regviz.gui import session_file
from regviz.gui.history import History
from regviz.gui.replay import ReplayState
from regviz.core.records import EpochTable
from regviz.gui.session import LiveState, build_run, initial_frame, make_frame
from regviz.gui.session_file import SessionError, read_session, restore_live_state, save_session, session_from_state

SEED_METHODS = ("l1",)
COMPARE = ("l1", "l2", "none", "elasticnet")


def _trained(methods=SEED_METHODS, steps=4000, chunk=10):
    """A real run, frame by frame as the window receives it (every frame offers a snapshot)."""
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, m, cfg.training.seed) for m in methods])
    state = LiveState(setup)
    state.apply(initial_frame(setup, 1))
    for _ in range(steps // chunk):
        state.apply(make_frame(engine, setup, 1, [engine.step(chunk)]))
    return cfg, engine, state


def _save_and_read(tmp_path, state, cfg, compare=None, name="run.json"):
    path = tmp_path / name
    size = save_session(path, session_from_state(state, cfg, compare))
    assert size == path.stat().st_size
    return path, read_session(path)


def _rows(history):
    return (np.array(history.x), np.array(history.count),
            {t: (np.array(history.mean(t)), np.array(history.high(t)), np.array(history.low(t)))
             for t in history.terms})


def test_round_trip_restores_histories_snapshots_members_and_the_fit(tmp_path):
    cfg, engine, state = _trained(COMPARE, steps=2000)
    path, session = _save_and_read(tmp_path, state, cfg, COMPARE)
    restored = restore_live_state(session)
    assert session.written_by.startswith("regviz ") and session.compare == COMPARE
    assert restored.step == state.step == 2000 and restored.epoch == state.epoch
    assert restored.members == state.members and restored.target_epochs == state.target_epochs
    for a, b in zip(restored.snapshot.weights + restored.snapshot.biases, state.snapshot.weights + state.snapshot.biases):
        np.testing.assert_array_equal(a, b)  # the newest snapshot exactly: training goes on from it
    np.testing.assert_array_equal(restored.setup.dataset.x_train, state.setup.dataset.x_train)
    np.testing.assert_array_equal(restored.setup.dataset.outlier_train, state.setup.dataset.outlier_train)
    for original, back in ((state.history, restored.history), (state.epoch_history, restored.epoch_history)):
        x, count, stats = _rows(original)  # at most 4,000 rows here: kept row for row
        x2, count2, stats2 = _rows(back)
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(count, count2)
        for term in stats:
            for a, b in zip(stats[term], stats2[term]):
                np.testing.assert_allclose(b, a, rtol=1e-8)  # written to 9 significant digits
    # the recorded snapshots, at the same steps, to 7 digits
    assert restored.recorder.steps == state.recorder.steps
    for a, b in zip(state.recorder.entries, restored.recorder.entries):
        for wa, wb in zip(a.snapshot.weights, b.snapshot.weights):
            np.testing.assert_allclose(wb, wa, rtol=1e-6, atol=1e-12)
        assert a.members == b.members
    # the fit and the pre-activations, recomputed with numpy, match the engine's
    np.testing.assert_allclose(restored.prediction, engine.predict(state.setup.fit_grid), rtol=1e-9, atol=1e-9)
    for a, b in zip(restored.pre_activations, engine.pre_activations(state.setup.dataset.x_train)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def _synthetic_long_run(methods, steps, offers=3000, seed=0):
    """A long run without its training time (as in test_loss_view.py): a made-up history of
    `steps` steps and `offers` snapshots spread over it."""
    cfg, engine, state = _trained(methods, steps=10)
    rng = np.random.default_rng(seed)
    k, per_epoch = state.setup.size, engine.steps_per_epoch
    data = np.abs(rng.normal(3.0, 2.0, (steps, k)))
    data[steps // 3, 0] = 500.0  # a spike the merged rows must keep
    penalty = np.abs(rng.normal(1.0, 0.1, (steps, k)))
    epochs = EpochTable.of([EpochRecord(s // per_epoch, s, np.abs(rng.normal(20.0, 5.0, k)), np.ones(k))
                   for s in range(per_epoch, steps + 1, per_epoch)], k)
    state = LiveState(state.setup)
    frame = make_frame(engine, state.setup, 1, [])
    state.apply(dataclasses.replace(frame, first_step=1, data_loss=data, penalty=penalty, epochs=epochs))
    for step in np.linspace(1, steps, offers).astype(int):
        snap = dataclasses.replace(frame.snapshot, step=int(step), epoch=int(step) // per_epoch,
                                   weights=tuple(w + rng.normal(0, 0.1, w.shape) for w in frame.snapshot.weights))
        state.apply(dataclasses.replace(frame, snapshot=snap, data_loss=np.zeros((0, k)),
                                        penalty=np.zeros((0, k)), epochs=EpochTable.empty(k)))
    return cfg, state, data, penalty


@pytest.mark.parametrize("methods, limit_mb", [(SEED_METHODS, 1.5), (COMPARE, 4.5)])
def test_a_long_session_stays_small_and_keeps_totals_and_extremes(tmp_path, methods, limit_mb):
    steps = 200_000
    cfg, state, data, penalty = _synthetic_long_run(methods, steps)
    compare = methods if len(methods) > 1 else None
    path, session = _save_and_read(tmp_path, state, cfg, compare)
    size_mb = path.stat().st_size / 2**20
    assert size_mb < limit_mb, f"{size_mb:.2f} MB"
    print(f"\n{len(methods)} model(s), {steps:,} steps: session file {size_mb:.2f} MB")
    history = session.history
    assert len(history.x) <= session_file.HISTORY_ROWS and len(session.snapshots) <= 201
    # the oracle is what was fed in, not the History: every step counted once, sums and extremes kept
    assert history.count.sum() == steps
    np.testing.assert_allclose((history.mean["data"] * history.count[:, None]).sum(0), data.sum(0), rtol=1e-7)
    np.testing.assert_allclose((history.mean["total"] * history.count[:, None]).sum(0), (data + penalty).sum(0),
                               rtol=1e-7)
    assert history.high["data"].max(0)[0] == 500.0
    np.testing.assert_allclose(history.high["data"].max(0), data.max(0), rtol=1e-8)
    np.testing.assert_allclose(history.low["penalty"].min(0), penalty.min(0), rtol=1e-8)
    assert history.x[0] == 1 and np.all(np.diff(history.x) > 0)
    steps_kept = [e.step for e in session.snapshots]
    assert steps_kept[-1] == state.step and steps_kept[0] == 10  # the first frame came at step 10


def test_nan_is_written_as_null_and_read_back_as_nan(tmp_path):
    cfg, engine, state = _trained(steps=40)
    k = state.setup.size
    frame = make_frame(engine, state.setup, 1, [engine.step(3)])  # as if the data loss had become NaN
    state.apply(dataclasses.replace(frame, data_loss=np.full((3, k), np.nan), penalty=np.ones((3, k))))
    path, session = _save_and_read(tmp_path, state, cfg)
    text = path.read_text()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the file"))  # strict JSON
    assert "null" in text
    assert np.isnan(session.history.mean["data"][-3:]).all()
    assert np.isfinite(session.history.mean["penalty"]).all()


def test_history_load_rows_sets_counts_and_full_resolution():
    history = History(2, ("v",), capacity=16)
    x, count = np.array([1.0, 5.0, 9.0, 10.0]), np.array([4.0, 4.0, 1.0, 1.0])
    values = np.arange(8.0).reshape(4, 2)
    history.load_rows(x, count, {"v": values}, {"v": values + 1}, {"v": values - 1})
    assert history.n == 4 and history.total_count == 10 and history.full_resolution_from == 2
    np.testing.assert_array_equal(history.high("v"), values + 1)
    history.extend(np.array([11.0]), v=np.ones((1, 2)))
    assert history.total_count == 11 and list(history.x) == [1, 5, 9, 10, 11]
    with pytest.raises(ValueError):
        history.load_rows(np.zeros(17), np.ones(17), *({"v": np.zeros((17, 2))} for _ in range(3)))


def test_a_replay_state_draws_a_recorded_snapshot_over_the_live_histories():
    _cfg, engine, state = _trained(steps=400)
    recorded = state.recorder.nearest(100)
    replay = ReplayState(state, recorded)
    expected, pre = forward(recorded.snapshot, state.setup.activation, state.setup.fit_grid)
    np.testing.assert_array_equal(replay.prediction, expected)
    assert replay.step == recorded.step != state.step and replay.history is state.history
    assert replay.version != state.version and replay.version != ReplayState(state, recorded).version
    before = replay.version
    state.apply(make_frame(engine, state.setup, 1, [engine.step(1)]))
    assert replay.version != before  # the live loss curves keep moving under a replay


# ---------------------------------------------------------------- bad files
@pytest.fixture(scope="module")
def good_document(tmp_path_factory):
    cfg, _engine, state = _trained(("l1", "l2"), steps=200)
    path = tmp_path_factory.mktemp("session") / "good.json"
    save_session(path, session_from_state(state, cfg, ("l1", "l2")))
    return json.loads(path.read_text())


def _mutated(document, change):
    document = json.loads(json.dumps(document))
    change(document)
    return json.dumps(document)


BAD_FILES = {
    "truncated": (lambda doc: json.dumps(doc)[:5000], "not valid JSON"),
    "empty": (lambda doc: "", "not valid JSON"),
    "config": (lambda doc: json.dumps(doc["config"]), "regviz config, not a session"),
    "random_object": (lambda doc: '{"name": "x", "values": [1, 2]}', "not a regviz session"),
    "list": (lambda doc: "[1, 2, 3]", "not a regviz session"),
    "experiment": (lambda doc: '{"schema": "regviz.experiment/1", "runs": []}', "not a regviz session"),
    "newer": (lambda doc: _mutated(doc, lambda d: d.update(schema="regviz.session/2")), "newer regviz"),
    "odd_version": (lambda doc: _mutated(doc, lambda d: d.update(schema="regviz.session/1.5")), "version"),
    "nan_literal": (lambda doc: json.dumps(doc).replace('"step":', '"nan_here":NaN,"step":', 1), "NaN"),
    "weights_shape": (lambda doc: _mutated(doc, lambda d: d["snapshots"][-1]["weights"][1].pop()),
                      "snapshots["),
    "weights_null": (lambda doc: _mutated(doc, lambda d: d["snapshots"][0]["weights"][0][0][0].__setitem__(0, None)),
                     "finite"),
    "member_count": (lambda doc: _mutated(doc, lambda d: d["members"].pop()), "members"),
    "wrong_method": (lambda doc: _mutated(doc, lambda d: d["members"][0].update(method="l2")), "members[0].method"),
    "unknown_method": (lambda doc: _mutated(doc, lambda d: d["member_sets"][0][1].update(method="l5")),
                       "member_sets[0][1].method"),
    "bad_lambda": (lambda doc: _mutated(doc, lambda d: d["members"][0].update(lam=-1)), "members[0]"),
    "layers": (lambda doc: _mutated(doc, lambda d: d["config"]["model"].update(hidden_layers=[10, 10])),
               "snapshots[0].weights"),
    "steps_order": (lambda doc: _mutated(doc, lambda d: d["snapshots"].reverse()), "steps must increase"),
    "step_mismatch": (lambda doc: _mutated(doc, lambda d: d.update(step=d["step"] + 1)), "step"),
    "history_rows": (lambda doc: _mutated(doc, lambda d: d["history"]["mean"]["data"].pop()), "history.mean.data"),
    "history_count": (lambda doc: _mutated(doc, lambda d: d["history"]["count"].__setitem__(0, 0)),
                      "history.count"),
    "no_snapshots": (lambda doc: _mutated(doc, lambda d: d.update(snapshots=[])), "snapshots"),
    "missing_key": (lambda doc: _mutated(doc, lambda d: d.pop("history")), "history"),
    "bad_config": (lambda doc: _mutated(doc, lambda d: d["config"]["training"].update(epochs=0)), "training.epochs"),
    "data_length": (lambda doc: _mutated(doc, lambda d: d["data"]["y_train"].pop()), "data.y_train"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_one_clear_line(tmp_path, good_document, name):
    make, fragment = BAD_FILES[name]
    path = tmp_path / f"{name}.json"
    path.write_text(make(good_document))
    with pytest.raises(SessionError) as caught:
        read_session(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    assert path.name in message and fragment in message, message


def test_the_good_document_itself_reads(tmp_path, good_document):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(good_document))
    assert read_session(path).compare == ("l1", "l2")


def test_unreadable_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(SessionError, match="no such file"):
        read_session(tmp_path / "missing.json")
    with pytest.raises(SessionError, match="folder"):
        read_session(tmp_path)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(SessionError, match="FIFO"):
        read_session(fifo)  # refused at once, never waited on
    (tmp_path / "latin1.json").write_bytes(b'{"schema": "\xe9"}')
    with pytest.raises(SessionError, match="UTF-8"):
        read_session(tmp_path / "latin1.json")
    monkeypatch.setattr(session_file, "MAX_SESSION_BYTES", 100)
    (tmp_path / "big.json").write_text(" " * 101)
    with pytest.raises(SessionError, match="at most"):
        read_session(tmp_path / "big.json")


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    cfg, _engine, state = _trained(steps=40)
    target = tmp_path / "run.json"
    target.write_text("old")
    monkeypatch.setattr(session_file, "encode", lambda session: (_ for _ in ()).throw(ValueError("boom")))
    with pytest.raises(ValueError):
        save_session(target, session_from_state(state, cfg, None))
    monkeypatch.undo()
    with pytest.raises(FileProblem, match="does not exist"):
        save_session(tmp_path / "missing" / "run.json", session_from_state(state, cfg, None))
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


def test_a_wide_network_saves_fewer_snapshots_or_says_it_is_too_large(tmp_path, monkeypatch):
    cfg, _engine, state = _trained(steps=400)
    per_snapshot = sum(w.size + b.size for w, b in zip(state.snapshot.weights, state.snapshot.biases))
    assert len(state.recorder) > 10
    monkeypatch.setattr(session_file, "SNAPSHOT_NUMBERS_BUDGET", 10 * per_snapshot)
    _path, session = _save_and_read(tmp_path, state, cfg)
    steps = [e.step for e in session.snapshots]
    assert len(steps) <= 10 and steps[0] == 0 and steps[-1] == state.step  # spread, the newest kept
    monkeypatch.setattr(session_file, "SNAPSHOT_NUMBERS_BUDGET", per_snapshot - 1)
    with pytest.raises(SessionError, match="too large to save"):
        session_from_state(state, cfg, None)
