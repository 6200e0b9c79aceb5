"""Saved sessions (File ▸ Save session, `--session FILE`), without Qt.

A session is a versioned JSON document ("schema": "regviz.session/1") holding everything the
canvases draw and what training needs to go on: the config, the compare selection, the models as
live-edited, the data points (so a moved CSV does not matter), the per-step and per-epoch histories
(merged down to at most HISTORY_ROWS rows each, keeping means, highs and lows), up to about 200
weight snapshots spread over the run, and the step reached. The newest snapshot is stored exactly
(training continues from it), older ones to 7 significant digits and the histories to 9, which keeps
a long seed-preset session under 1 MB. NaN is written as null.

Reading is capped (MAX_SESSION_BYTES) and checks everything before anything is built; any problem
is one SessionError line, so the window can refuse the file and change nothing.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from regviz.core.activations import get_activation
from regviz.core.config import ConfigError, ExperimentConfig, short_repr
from regviz.core.data import Dataset
from regviz.core.io import ReadProblem, read_regular_file, short_path, write_bytes_atomic
from regviz.core.network import forward
from regviz.core.records import MemberSpec, Snapshot
from regviz.gui import session_checks as check
from regviz.gui.session import EPOCH_TERMS, STEP_TERMS, LiveState, RunSetup, make_fit_grid
from regviz.gui.session_checks import HistoryRows, SessionError
from regviz.gui.snapshots import RecordedSnapshot

__all__ = ["Session", "SessionError", "read_session", "save_session", "session_from_state", "restore_live_state"]

SCHEMA_NAME = "regviz.session"
SCHEMA_VERSION = 1
SCHEMA = f"{SCHEMA_NAME}/{SCHEMA_VERSION}"
MAX_SESSION_BYTES = 64 * 2**20
HISTORY_ROWS = 4000
SNAPSHOT_NUMBERS_BUDGET = 2_000_000  # about 40 MB as JSON at most, under the reading cap
DIGITS = 9  # significant digits of the histories (a float32 round-trips through 9)
SNAPSHOT_DIGITS = 7  # of the older snapshots: replayed as pictures, float32 precision is plenty


@dataclass(frozen=True)
class Session:
    config: ExperimentConfig
    compare: tuple[str, ...] | None
    members: tuple[MemberSpec, ...]
    dataset: Dataset
    target_epochs: int
    history: HistoryRows
    epoch_history: HistoryRows
    snapshots: tuple[RecordedSnapshot, ...]  # by step; the last is where training goes on
    snapshot_interval: int
    written_by: str = ""

    @property
    def step(self) -> int:
        return self.snapshots[-1].step

    @property
    def epoch(self) -> int:
        return self.snapshots[-1].snapshot.epoch


# ---------------------------------------------------------------- from the window's state
def decimate(history, max_rows: int = HISTORY_ROWS) -> HistoryRows:
    """The history's rows, merged in runs of g consecutive rows when there are more than max_rows:
    each merged row starts at its first row's x, counts their steps, keeps their count-weighted
    mean, highest high and lowest low (as the History itself merges)."""
    x, count = np.array(history.x), np.array(history.count)
    terms = history.terms
    mean = {t: np.array(history.mean(t)) for t in terms}
    high = {t: np.array(history.high(t)) for t in terms}
    low = {t: np.array(history.low(t)) for t in terms}
    group = max(1, math.ceil(len(x) / max_rows))
    if group == 1:
        return HistoryRows(x, count, mean, high, low)
    starts = np.arange(0, len(x), group)
    total = np.add.reduceat(count, starts)
    return HistoryRows(
        x[starts], total,
        {t: np.add.reduceat(mean[t] * count[:, None], starts) / total[:, None] for t in terms},
        {t: np.fmax.reduceat(high[t], starts) for t in terms},
        {t: np.fmin.reduceat(low[t], starts) for t in terms},
    )


def session_from_state(state: LiveState, config: ExperimentConfig, compare: Sequence[str] | None) -> Session:
    """What File ▸ Save session writes: the run on screen, its newest frame included."""
    entries = state.recorder.entries
    if not entries:
        raise SessionError("nothing to save yet: no frame from the trainer has arrived")
    per_snapshot = max(1, sum(a.size for a in (*entries[-1].snapshot.weights, *entries[-1].snapshot.biases,
                                                 *entries[-1].snapshot.prelu_slopes)))
    allowed = SNAPSHOT_NUMBERS_BUDGET // per_snapshot
    if allowed < 1:
        raise SessionError(f"this network is too large to save as a session ({per_snapshot:,} weights; "
                           f"at most {SNAPSHOT_NUMBERS_BUDGET:,})")
    interval = state.recorder.interval
    older, newest = entries[:-1], entries[-1]
    if len(entries) > allowed:  # a wide network: fewer, still evenly spread, snapshots
        stride = math.ceil(len(older) / (allowed - 1)) if allowed > 1 else 0
        older, interval = (older[::stride], interval * stride) if stride else ([], interval)
    return Session(
        config=config, compare=tuple(compare) if compare else None, members=tuple(state.members),
        dataset=state.setup.dataset, target_epochs=int(state.target_epochs),
        history=decimate(state.history), epoch_history=decimate(state.epoch_history),
        snapshots=tuple(older) + (newest,), snapshot_interval=int(interval), written_by=_written_by(),
    )


def _written_by() -> str:
    from regviz import __version__

    return f"regviz {__version__}"


# ---------------------------------------------------------------- writing
def session_to_dict(session: Session) -> dict[str, Any]:
    member_sets: list[tuple[MemberSpec, ...]] = []  # members change rarely: each set is written once
    snapshots = []
    last = len(session.snapshots) - 1
    for i, entry in enumerate(session.snapshots):
        if entry.members not in member_sets:
            member_sets.append(entry.members)
        snapshots.append(_snapshot_dict(entry.snapshot, member_sets.index(entry.members),
                                        None if i == last else SNAPSHOT_DIGITS))
    data = session.dataset
    return {
        "schema": SCHEMA,
        "written_by": session.written_by or _written_by(),
        "config": session.config.to_dict(),
        "compare": list(session.compare) if session.compare else None,
        "members": [_member_dict(m) for m in session.members],
        "step": session.step,
        "epoch": session.epoch,
        "target_epochs": session.target_epochs,
        "data": {
            "x_train": jsonable(data.x_train), "y_train": jsonable(data.y_train),
            "x_test": jsonable(data.x_test), "y_test": jsonable(data.y_test),
            "outlier_train": [bool(v) for v in data.outlier_train],
            "outlier_test": [bool(v) for v in data.outlier_test],
            "clean_slope": data.clean_slope, "clean_intercept": data.clean_intercept, "source": data.source,
        },
        "history": _history_dict(session.history),
        "epoch_history": _history_dict(session.epoch_history),
        "snapshot_interval": session.snapshot_interval,
        "member_sets": [[_member_dict(m) for m in members] for members in member_sets],
        "snapshots": snapshots,
    }


def _member_dict(member: MemberSpec) -> dict[str, Any]:
    return {"seed": int(member.seed), "method": member.method, "lam": float(member.lam), "rho": float(member.rho),
            "l1_rule": member.l1_rule, "learning_rate": float(member.learning_rate)}


def _history_dict(rows: HistoryRows) -> dict[str, Any]:
    # high and low equal the mean in rows of one step: written only for the merged rows before them
    single = np.flatnonzero(rows.count != 1)
    merged = int(single[-1]) + 1 if len(single) else 0
    return {
        "x": jsonable(rows.x), "count": jsonable(rows.count), "merged_rows": merged,
        "mean": {t: jsonable(v, DIGITS) for t, v in rows.mean.items()},
        "high": {t: jsonable(v[:merged], DIGITS) for t, v in rows.high.items()},
        "low": {t: jsonable(v[:merged], DIGITS) for t, v in rows.low.items()},
    }


def _snapshot_dict(snap: Snapshot, member_set: int, digits: int | None) -> dict[str, Any]:
    return {
        "step": int(snap.step), "epoch": int(snap.epoch), "members": member_set,
        "weights": [jsonable(w, digits) for w in snap.weights],
        "biases": [jsonable(b, digits) for b in snap.biases],
        "prelu_slopes": [jsonable(s, digits) for s in snap.prelu_slopes],
        "diverged": [bool(v) for v in snap.diverged],
    }


def jsonable(values: np.ndarray, digits: int | None = None) -> list:
    """Nested lists of floats; NaN and ±Inf become null (strict JSON has neither). With `digits`,
    each number is rounded to that many significant digits, so it is written in as few characters."""
    values = np.asarray(values, dtype=np.float64)
    if digits is not None and values.size:
        values = np.char.mod(f"%.{digits}g", values).astype(np.float64)
    finite = np.isfinite(values)
    if finite.all():
        return values.tolist()
    boxed = values.astype(object)
    boxed[~finite] = None
    return boxed.tolist()


def encode(session: Session) -> bytes:
    return (json.dumps(session_to_dict(session), allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")


def save_session(path: str | os.PathLike, session: Session) -> int:
    """Write atomically (never a partial file); returns the size in bytes. Raises FileProblem."""
    data = encode(session)  # first: a failure here never creates a temporary file
    write_bytes_atomic(path, data)
    return len(data)


# ---------------------------------------------------------------- reading
def read_session(path: str | os.PathLike) -> Session:
    """A session file, checked through; SessionError ('FILE: problem') when it cannot be used."""
    shown = short_path(path)
    try:
        raw = read_regular_file(path, MAX_SESSION_BYTES)
    except ReadProblem as exc:
        raise SessionError(str(exc)) from None
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise SessionError(f"{shown}: not a regviz session (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise SessionError(f"{shown}: not valid JSON (line {exc.lineno}: {exc.msg}); "
                           "the file is damaged or not a session") from None
    except (ValueError, RecursionError) as exc:
        raise SessionError(f"{shown}: not a regviz session ({short_repr(str(exc))})") from None
    try:
        return session_from_dict(document)
    except SessionError as exc:
        raise SessionError(f"{shown}: {exc}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed (a session writes null)")


def session_from_dict(doc: Any) -> Session:
    _check_schema(doc)
    check.obj(doc, "session", ("config", "members", "step", "target_epochs", "data", "history",
                               "epoch_history", "snapshot_interval", "member_sets", "snapshots"))
    try:
        config = ExperimentConfig.from_dict(doc["config"])
    except (ConfigError, TypeError) as exc:
        raise check.fail("config", str(exc)) from None
    compare = check.read_compare(doc.get("compare"))
    k = len(compare) if compare else 1
    methods = list(compare) if compare else [None]
    members = check.read_members(doc["members"], "members", methods)
    activation = get_activation(config.model.activation, config.model.activation_params)
    sizes = config.model.layer_sizes
    member_sets = [check.read_members(m, f"member_sets[{i}]", methods)
                   for i, m in enumerate(check.seq(doc["member_sets"], "member_sets", max_length=10_000))]
    items = check.seq(doc["snapshots"], "snapshots", max_length=10_000)
    if not items:
        raise check.fail("snapshots", "empty; a session holds at least the newest weights")
    snapshots = tuple(check.read_snapshot(item, f"snapshots[{i}]", sizes, k, activation.learnable, member_sets)
                      for i, item in enumerate(items))
    for i in range(1, len(snapshots)):
        if snapshots[i].step <= snapshots[i - 1].step or snapshots[i].snapshot.epoch < snapshots[i - 1].snapshot.epoch:
            raise check.fail(f"snapshots[{i}]", "steps must increase from one snapshot to the next")
    step = check.integer(doc["step"], "step")
    if step != snapshots[-1].step:
        raise check.fail("step", f"{step} but the newest snapshot is at step {snapshots[-1].step}")
    history = check.read_history(doc["history"], "history", STEP_TERMS, k, step, HISTORY_ROWS)
    epoch_history = check.read_history(doc["epoch_history"], "epoch_history", EPOCH_TERMS, k, step,
                                       HISTORY_ROWS)
    return Session(
        config=config, compare=compare, members=members, dataset=check.read_dataset(doc["data"]),
        target_epochs=check.integer(doc["target_epochs"], "target_epochs", 1),
        history=history, epoch_history=epoch_history, snapshots=snapshots,
        snapshot_interval=check.integer(doc["snapshot_interval"], "snapshot_interval", 1),
        written_by=doc.get("written_by") if isinstance(doc.get("written_by"), str) else "",
    )


def _check_schema(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise SessionError(f"not a regviz session (a JSON {type(doc).__name__}, not an object)")
    schema = doc.get("schema")
    if schema is None:
        if {"data", "model", "training", "regularization"} & set(doc):
            raise SessionError("this is a regviz config, not a session; open it with File ▸ Open config… "
                               "or --config")
        raise SessionError(f'not a regviz session (no "schema": "{SCHEMA}")')
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_NAME + "/"):
        raise SessionError(f"not a regviz session (schema {short_repr(schema)}; expected {SCHEMA!r})")
    version = schema[len(SCHEMA_NAME) + 1:]
    if version != str(SCHEMA_VERSION):
        newer = version.isdigit() and len(version) < 10 and int(version) > SCHEMA_VERSION
        writer = doc.get("written_by")
        by = f", written by {short_repr(writer)}" if isinstance(writer, str) else ""
        if newer:
            raise SessionError(f"written by a newer regviz ({short_repr(schema)}{by}); this regviz reads {SCHEMA}")
        raise SessionError(f"unknown session version {short_repr(schema)}; this regviz reads {SCHEMA}")


# ---------------------------------------------------------------- into the window
def restore_live_state(session: Session) -> LiveState:
    """The LiveState a session shows: its histories, its recorded snapshots, and the newest
    snapshot's fit and pre-activations (recomputed with the numpy forward pass)."""
    config = session.config
    activation = get_activation(config.model.activation, config.model.activation_params)
    setup = RunSetup(config=config, dataset=session.dataset, layer_sizes=config.model.layer_sizes,
                     activation=activation, members=session.members, fit_grid=make_fit_grid(session.dataset))
    state = LiveState(setup)
    for rows, history in ((session.history, state.history), (session.epoch_history, state.epoch_history)):
        history.load_rows(rows.x, rows.count, rows.mean, rows.high, rows.low)
    state.recorder.restore(session.snapshots, session.snapshot_interval)
    for recorded in session.snapshots:  # the distribution over time, as far as the snapshots tell
        state.weights_over_time.record(recorded.snapshot)
    newest = session.snapshots[-1].snapshot
    state.snapshot = newest
    state.members = session.members
    state.prediction, _ = forward(newest, activation, setup.fit_grid)
    _, pre = forward(newest, activation, setup.dataset.x_train)
    state.pre_activations = tuple(pre)
    state.target_epochs = session.target_epochs
    state.version += 1
    return state


def session_path_stem(path: str | os.PathLike) -> str:
    """A short name for titles and image names: the file name without .json."""
    name = Path(path).name
    return name[:-5] if name.lower().endswith(".json") else Path(path).stem
