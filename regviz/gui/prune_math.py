"""Pruning without Qt: the hidden sizes a teacher types, the article's before/after table, and the
marks for the neurons L1 disconnected."""

from __future__ import annotations

import re
from typing import Sequence

from regviz.core.analysis import weight_count  # noqa: F401 (the panel's weight counts)
from regviz.core.config import MAX_LAYER_WIDTH, MAX_LAYERS
from regviz.gui.experiment_rows import (NO_VALUE, TableRow, format_count, format_error, format_share,
                                        layers_text, method_medians)

_SHAPE = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)")


class LayersError(ValueError):
    """Typed hidden sizes that cannot be used; the message says why, in one line."""


def parse_hidden_layers(text: str) -> tuple[int, ...]:
    """Hidden layer widths from what a teacher types.

    '10,10,1' (also with spaces or brackets) are the hidden widths, as `--layers` takes them: the
    article's pruned net 1-10-10-1-1. The article's own notation, the weight shapes
    '[(1,10),(10,10),(10,1),(1,1)]', is accepted too: it must chain (each shape's second number is
    the next one's first) from 1 input to 1 output.
    """
    text = text.strip()
    if not text:
        raise LayersError("type the hidden layer widths, e.g. 10,10,1")
    if "(" in text:
        widths = _from_shapes(text)
    else:
        parts = [p for p in re.split(r"[\s,;]+", text.strip("[]() ")) if p]
        if not parts or not all(p.isdigit() for p in parts):
            raise LayersError(f"{_short(text)}: use whole numbers separated by commas, e.g. 10,10,1")
        widths = tuple(int(p) for p in parts)
    if not 1 <= len(widths) <= MAX_LAYERS:
        raise LayersError(f"{len(widths)} hidden layers; 1 to {MAX_LAYERS}")
    bad = [w for w in widths if not 1 <= w <= MAX_LAYER_WIDTH]
    if bad:
        raise LayersError(f"a hidden layer of {bad[0]} neurons; each must have 1 to {MAX_LAYER_WIDTH}")
    return widths


def _from_shapes(text: str) -> tuple[int, ...]:
    shapes = [(int(a), int(b)) for a, b in _SHAPE.findall(text)]
    rest = _SHAPE.sub("", text).strip("[]() ,;\t")
    if not shapes or rest.replace(",", "").strip():
        raise LayersError(f"{_short(text)}: weight shapes are written [(1,10),(10,10),(10,1),(1,1)]")
    for (_, out), (nxt, _) in zip(shapes, shapes[1:]):
        if out != nxt:
            raise LayersError(f"shapes do not chain: ({out}) feeds a layer that takes {nxt}")
    if shapes[0][0] != 1 or shapes[-1][1] != 1:
        raise LayersError("the first shape must take 1 input and the last give 1 output")
    if len(shapes) < 2:
        raise LayersError("at least two weight shapes (one hidden layer)")
    return tuple(out for _, out in shapes[:-1])


def _short(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


def prune_columns(before_sizes: Sequence[int], after_sizes: Sequence[int] | None) -> tuple[str, ...]:
    """Column titles that name the two nets: 'test error 1-10-10-10-1'."""
    after = layers_text(after_sizes) if after_sizes else "after"
    before = layers_text(before_sizes)
    return ("seed", f"test error {before}", f"test error {after}", f"sparsity {before}", f"sparsity {after}",
            f"disconnected {before}")


def prune_rows(before: dict, after: dict | None) -> list[TableRow]:
    """The article's second table: per seed the total test error before and after pruning (the
    same seed, so the same start where the shapes agree), then the medians."""
    before_runs = before["runs"]
    after_by_seed = {r["seed"]: r for r in after["runs"]} if after else {}
    rows = []
    for i, run in enumerate(before_runs):
        other = after_by_seed.get(run["seed"])
        rows.append(TableRow(
            cells=(str(run["seed"]), _error(run), _error(other), format_share(run["sparsity"]),
                   format_share(other["sparsity"]) if other else NO_VALUE, str(run["disconnected_neurons"])),
            keys=(run["seed"], run["test_total_abs_error"], other["test_total_abs_error"] if other else None,
                  run["sparsity"], other["sparsity"] if other else None, run["disconnected_neurons"]),
            run_index=i, method=run["method"]))
    b = method_medians(before_runs)
    a = method_medians(after["runs"]) if after else None
    rows.append(TableRow(
        cells=("median", format_error(b["test_total_abs_error"]),
               format_error(a["test_total_abs_error"]) if a else NO_VALUE, format_share(b["sparsity"]),
               format_share(a["sparsity"]) if a else NO_VALUE, format_count(b["disconnected_neurons"])),
        keys=(None, b["test_total_abs_error"], a["test_total_abs_error"] if a else None, b["sparsity"],
              a["sparsity"] if a else None, b["disconnected_neurons"]),
        run_index=None, method=before_runs[0]["method"] if before_runs else "l1", is_median=True))
    return rows


def _error(run: dict | None) -> str:
    if run is None:
        return NO_VALUE
    return "diverged" if run["diverged"] else format_error(run["test_total_abs_error"])


def panel_marks(disconnected_by_layer: Sequence[Sequence[int]], layer: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(rows, columns) of weight matrix W[layer] to mark: its columns are the hidden layer it feeds,
    its rows the hidden layer it reads (disconnected_by_layer[h] lists hidden layer h's neurons)."""
    dead = disconnected_by_layer
    cols = tuple(dead[layer]) if layer < len(dead) else ()
    rows = tuple(dead[layer - 1]) if 1 <= layer <= len(dead) else ()
    return rows, cols
