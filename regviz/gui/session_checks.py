"""Typed reading of a parsed session document (see session_file.py), without Qt: every value of
every part (models, snapshots, histories, data) is checked for its type, shape and range, and a bad
one raises SessionError naming where it is (e.g. 'snapshots[3].weights[1]').

JSON null stands for NaN (JSON has no NaN); where a value must be finite, null is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from regviz.core.config import MAX_SAMPLES, METHODS, ConfigError, short_repr
from regviz.core.data import Dataset
from regviz.core.records import MemberSpec, Snapshot
from regviz.gui.snapshots import RecordedSnapshot


class SessionError(Exception):
    """A session file cannot be used (corrupt, foreign, newer, inconsistent) or written; one line."""


def fail(where: str, problem: str) -> SessionError:
    return SessionError(f"{where}: {problem}")


def obj(value: Any, where: str, required: Sequence[str] = ()) -> dict:
    if not isinstance(value, dict):
        raise fail(where, f"expected an object, got {type(value).__name__}")
    missing = [key for key in required if key not in value]
    if missing:
        raise fail(where, f"missing {', '.join(repr(k) for k in missing)}")
    return value


def seq(value: Any, where: str, length: int | None = None, max_length: int | None = None) -> list:
    if not isinstance(value, list):
        raise fail(where, f"expected a list, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise fail(where, f"{len(value)} entries; expected {length}")
    if max_length is not None and len(value) > max_length:
        raise fail(where, f"{len(value):,} entries; at most {max_length:,}")
    return value


def integer(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limits = f"from {low:,} to {high:,}" if high is not None else f"{low:,} or more"
        raise fail(where, f"got {short_repr(value)}; expected a whole number {limits}")
    return value


def number(value: Any, where: str, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(where, f"got {short_repr(value)}; expected a number")
    try:
        result = float(value)
    except OverflowError:
        raise fail(where, "a number beyond the float range") from None
    if not math.isfinite(result):
        raise fail(where, "expected a finite number")
    return result


def text(value: Any, where: str, choices: Sequence[str] | None = None) -> str:
    if not isinstance(value, str) or (choices is not None and value not in choices):
        expected = "one of " + ", ".join(choices) if choices is not None else "a string"
        raise fail(where, f"got {short_repr(value)}; expected {expected}")
    return value


def array(value: Any, where: str, shape: tuple[int, ...], finite: bool = False) -> np.ndarray:
    """A nested list of numbers (null: NaN) of exactly this shape."""
    if not isinstance(value, list):
        raise fail(where, f"expected a list of numbers, got {type(value).__name__}")
    if 0 in shape:  # an empty list stands for any empty shape
        if _has_numbers(value):
            raise fail(where, f"expected shape {list(shape)}")
        return np.zeros(shape)
    try:
        result = np.array(value, dtype=np.float64)
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise fail(where, f"not a regular array of numbers (expected shape {list(shape)})") from None
    if result.shape != shape:
        raise fail(where, f"shape {list(result.shape)}; expected {list(shape)}")
    if finite and not np.isfinite(result).all():
        raise fail(where, "null, NaN or infinite values where finite numbers are required")
    if not finite and np.isinf(result).any():  # only a number too large for a float gets here
        raise fail(where, "a number beyond the float range")
    return result


def flags(value: Any, where: str, length: int) -> np.ndarray:
    items = seq(value, where, length)
    if not all(isinstance(v, bool) for v in items):
        raise fail(where, "expected true/false values")
    return np.array(items, dtype=bool)


def _has_numbers(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_numbers(v) for v in value)
    return True


@dataclass(frozen=True)
class HistoryRows:
    """A History's rows: x and count [n], per term mean, high and low [n, K]."""

    x: np.ndarray
    count: np.ndarray
    mean: dict
    high: dict
    low: dict


# ---------------------------------------------------------------- parts of a session
def read_compare(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    methods = seq(value, "compare", max_length=len(METHODS))
    for i, method in enumerate(methods):
        text(method, f"compare[{i}]", METHODS)
    if not methods or len(set(methods)) != len(methods):
        raise fail("compare", "expected null or distinct methods")
    return tuple(methods)


def read_members(value: Any, where: str, methods: list[str | None]) -> tuple[MemberSpec, ...]:
    """One model per entry of `methods`, each of that method (None: any method; a single model's
    regularizer can change live, compared models keep theirs)."""
    items = seq(value, where, len(methods))
    members = []
    for i, (item, method) in enumerate(zip(items, methods)):
        at = f"{where}[{i}]"
        item = obj(item, at, ("seed", "method", "lam", "rho", "l1_rule", "learning_rate"))
        spec = MemberSpec(seed=integer(item["seed"], f"{at}.seed", 0, 2**32),
                          method=text(item["method"], f"{at}.method", (method,) if method else METHODS),
                          lam=number(item["lam"], f"{at}.lam"), rho=number(item["rho"], f"{at}.rho"),
                          l1_rule=text(item["l1_rule"], f"{at}.l1_rule"),
                          learning_rate=number(item["learning_rate"], f"{at}.learning_rate"))
        try:
            spec.validate()
        except (ConfigError, ValueError) as exc:
            raise fail(at, str(exc)) from None
        members.append(spec)
    return tuple(members)


def read_snapshot(value: Any, where: str, sizes: tuple[int, ...], k: int, prelu: bool,
                  member_sets: list) -> RecordedSnapshot:
    item = obj(value, where, ("step", "epoch", "members", "weights", "biases", "prelu_slopes", "diverged"))
    pairs = list(zip(sizes[:-1], sizes[1:]))
    weights = seq(item["weights"], f"{where}.weights", len(pairs))
    biases = seq(item["biases"], f"{where}.biases", len(pairs))
    slopes = seq(item["prelu_slopes"], f"{where}.prelu_slopes", len(sizes) - 2 if prelu else 0)
    index = integer(item["members"], f"{where}.members", 0, len(member_sets) - 1) if member_sets else None
    if index is None:
        raise fail("member_sets", "empty")
    snapshot = Snapshot(
        step=integer(item["step"], f"{where}.step"),
        epoch=integer(item["epoch"], f"{where}.epoch"),
        weights=tuple(array(w, f"{where}.weights[{i}]", (k, a, b), finite=True)
                      for i, (w, (a, b)) in enumerate(zip(weights, pairs))),
        biases=tuple(array(v, f"{where}.biases[{i}]", (k, b), finite=True)
                     for i, (v, (_a, b)) in enumerate(zip(biases, pairs))),
        prelu_slopes=tuple(array(s, f"{where}.prelu_slopes[{i}]", (k, units), finite=True)
                           for i, (s, units) in enumerate(zip(slopes, sizes[1:-1]))),
        diverged=flags(item["diverged"], f"{where}.diverged", k),
    )
    return RecordedSnapshot(snapshot, member_sets[index])


def read_history(value: Any, where: str, terms: tuple[str, ...], k: int, step: int, max_rows: int) -> HistoryRows:
    item = obj(value, where, ("x", "count", "merged_rows", "mean", "high", "low"))
    n = len(seq(item["x"], f"{where}.x", max_length=max_rows))
    x = array(item["x"], f"{where}.x", (n,), finite=True)
    count = array(item["count"], f"{where}.count", (n,), finite=True)
    if n and (np.any(np.diff(x) <= 0) or x[0] < 0):
        raise fail(f"{where}.x", "steps must increase from row to row")
    if np.any(count < 1) or np.any(count != np.round(count)):
        raise fail(f"{where}.count", "expected whole numbers of 1 or more")
    if n and x[-1] > step:
        raise fail(f"{where}.x", f"rows beyond the newest snapshot's step {step}")
    merged = integer(item["merged_rows"], f"{where}.merged_rows", 0, n)
    if np.any(count[merged:] != 1):
        raise fail(f"{where}.merged_rows", "rows after it must stand for one step each")
    stats = {}
    for stat in ("mean", "high", "low"):
        table = obj(item[stat], f"{where}.{stat}", terms)
        rows = n if stat == "mean" else merged
        stats[stat] = {t: array(table[t], f"{where}.{stat}.{t}", (rows, k)) for t in terms}
    for stat in ("high", "low"):  # rows of one step: their high and low are their value
        stats[stat] = {t: np.concatenate([stats[stat][t], stats["mean"][t][merged:]]) for t in terms}
    return HistoryRows(x, count, stats["mean"], stats["high"], stats["low"])


def read_dataset(value: Any) -> Dataset:
    item = obj(value, "data", ("x_train", "y_train", "x_test", "y_test", "outlier_train", "outlier_test",
                               "clean_slope", "clean_intercept", "source"))
    arrays = {}
    for part in ("train", "test"):
        n = len(seq(item[f"x_{part}"], f"data.x_{part}", max_length=MAX_SAMPLES))
        if n == 0:
            raise fail(f"data.x_{part}", "no points")
        arrays[f"x_{part}"] = array(item[f"x_{part}"], f"data.x_{part}", (n,), finite=True)
        arrays[f"y_{part}"] = array(item[f"y_{part}"], f"data.y_{part}", (n,), finite=True)
        arrays[f"outlier_{part}"] = flags(item[f"outlier_{part}"], f"data.outlier_{part}", n)
    return Dataset(**arrays, clean_slope=number(item["clean_slope"], "data.clean_slope", optional=True),
                   clean_intercept=number(item["clean_intercept"], "data.clean_intercept", optional=True),
                   source=text(item["source"], "data.source"))
