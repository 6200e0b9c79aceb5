"""The Experiments tab's tables without Qt: rows from an experiment's result (the dict `--json`
writes), medians per method, tab-separated text for a slide, the one-line summary of the config an
experiment runs on, and the config that reproduces one run in the Live tab."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median
from typing import Any, Sequence

from regviz.core.config import ExperimentConfig
from regviz.gui.style import METHOD_LABELS

REPEATS_COLUMNS = ("method", "seed", "total test error", "train loss", "sparsity (|w| < 0.01)",
                   "disconnected neurons", "diverged")
NO_VALUE = "–"


@dataclass(frozen=True)
class TableRow:
    """One table row: the texts shown, the values it sorts by, and the run it stands for (None for
    a median row)."""

    cells: tuple[str, ...]
    keys: tuple[Any, ...]  # numbers sort as numbers; None sorts last
    run_index: int | None
    method: str
    is_median: bool = False


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def format_error(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.3f}"


def format_loss(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.4f}"


def format_share(value: float | None) -> str:
    return NO_VALUE if value is None else f"{100.0 * value:.1f} %"


def format_count(value: float | None) -> str:
    if value is None:
        return NO_VALUE
    return f"{value:g}"


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _median(values: Sequence[float | None]) -> float | None:
    finite = _finite(values)
    return median(finite) if finite else None


def method_medians(runs: Sequence[dict]) -> dict[str, Any]:
    """Medians over some runs: the errors over the runs that did not diverge (a diverged run has
    none), sparsity and disconnected neurons over all of them."""
    alive = [r for r in runs if not r["diverged"]]
    return {
        "runs": len(runs),
        "diverged": sum(1 for r in runs if r["diverged"]),
        "test_total_abs_error": _median([r["test_total_abs_error"] for r in alive]),
        "train_loss": _median([r["train_loss"] for r in alive]),
        "sparsity": _median([r["sparsity"] for r in runs]),
        "disconnected_neurons": _median([r["disconnected_neurons"] for r in runs]),
    }


def repeats_rows(result: dict) -> list[TableRow]:
    """One row per run, in the result's order, and after each method's runs its median row."""
    runs = result["runs"]
    rows: list[TableRow] = []
    methods = list(dict.fromkeys(r["method"] for r in runs))
    for method in methods:
        mine = [(i, r) for i, r in enumerate(runs) if r["method"] == method]
        for i, run in mine:
            rows.append(TableRow(
                cells=(method_label(method), str(run["seed"]), format_error(run["test_total_abs_error"]),
                       format_loss(run["train_loss"]), format_share(run["sparsity"]),
                       str(run["disconnected_neurons"]), "yes" if run["diverged"] else "no"),
                keys=(method_label(method), run["seed"], run["test_total_abs_error"], run["train_loss"],
                      run["sparsity"], run["disconnected_neurons"], int(run["diverged"])),
                run_index=i, method=method))
        m = method_medians([r for _, r in mine])
        rows.append(TableRow(
            cells=(method_label(method), "median", format_error(m["test_total_abs_error"]),
                   format_loss(m["train_loss"]), format_share(m["sparsity"]),
                   format_count(m["disconnected_neurons"]), f"{m['diverged']} of {m['runs']}"),
            keys=(method_label(method), None, m["test_total_abs_error"], m["train_loss"], m["sparsity"],
                  m["disconnected_neurons"], m["diverged"]),
            run_index=None, method=method, is_median=True))
    return rows


def to_tsv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Tab-separated text with a header line: pastes as a table into a slide or a spreadsheet."""
    clean = lambda text: " ".join(str(text).split())  # noqa: E731 - no tab or newline inside a cell
    return "\n".join("\t".join(clean(c) for c in line) for line in [list(header), *map(list, rows)]) + "\n"


def run_config(base: ExperimentConfig, run: dict) -> ExperimentConfig:
    """The config that trains this run alone in the Live tab: the experiment's config with the
    run's method, lambda, L1 rule, hidden sizes and init seed (an ensemble member is the same model
    trained alone, bit for bit)."""
    changes: dict[str, Any] = {
        "regularization.method": run["method"],
        "regularization.lam": float(run["lambda"]),
        "training.seed": int(run["seed"]),
        "model.hidden_layers": tuple(int(s) for s in run["layer_sizes"][1:-1]),
    }
    if run.get("l1_rule"):  # None when the model has no L1 term: the rule changes nothing then
        changes["regularization.l1_rule"] = run["l1_rule"]
    return base.replace(**changes)


def layers_text(sizes: Sequence[int]) -> str:
    return "-".join(str(s) for s in sizes)


def config_line(cfg: ExperimentConfig, source: str = "") -> str:
    """What an experiment runs on, in one line: 'Live config (preset seed) · 1-10-10-10-1 linear ·
    L1 λ 0.3, subgradient · abs loss · lr 0.01 · batch 1 · 100 epochs · init seed 12 · data: 50
    points, seed 0'."""
    reg, train, data = cfg.regularization, cfg.training, cfg.data
    penalty = method_label(reg.method) if reg.method == "none" else f"{method_label(reg.method)} λ {reg.lam:g}"
    if reg.method == "elasticnet":
        penalty += f", ρ {reg.rho:g}"
    if reg.method in ("l1", "elasticnet"):
        penalty += f", {reg.l1_rule}"
    if data.csv_path:
        name = data.csv_path.replace("\\", "/").rsplit("/", 1)[-1]
        data_text = f"data: {name}"
    else:
        data_text = f"data: {data.n_samples} points, seed {data.seed}"
    parts = [f"Live config ({source})" if source else "Live config",
             f"{layers_text(cfg.model.layer_sizes)} {cfg.model.activation}", penalty, f"{train.loss} loss",
             f"lr {train.learning_rate:g}", f"batch {train.batch_size}", f"{train.epochs:,} epochs",
             f"init seed {train.seed}", data_text]
    return " · ".join(parts)
