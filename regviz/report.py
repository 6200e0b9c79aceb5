"""Plain-text output for the command line: result tables and a progress bar on stderr."""

from __future__ import annotations

import time
from typing import TextIO

from regviz.core.experiments import ExperimentResult, RunResult


def _row(run: RunResult) -> str:
    error = "diverged" if run.diverged else f"{run.test_total_abs_error:10.3f}"
    stage = run.extra.get("stage", "")
    return (
        f"{stage:<9}{run.method:<11}{run.lam:>10.4g} {run.seed:>5} {error:>10} "
        f"{run.sparsity:>9.1%} {run.exact_zeros:>9.1%} {run.disconnected_count:>6}   "
        f"{'-'.join(str(s) for s in run.layer_sizes)}"
    )


def format_runs(runs: list[RunResult]) -> str:
    header = (
        f"{'stage':<9}{'method':<11}{'lambda':>10} {'seed':>5} {'test err':>10} "
        f"{'|w|<0.01':>9} {'w == 0':>9} {'disc.':>6}   layers"
    )
    return "\n".join([header, "-" * len(header)] + [_row(r) for r in runs])


def _summary_lines(name: str, stats: dict) -> list[str]:
    if not stats:
        return []
    median = stats["test_total_abs_error_median"]
    error = "all diverged" if median is None else f"median test error {median:.3f}"
    return [
        f"{name}: {stats['runs']} runs, {error}, median sparsity {stats['sparsity_median']:.1%}, "
        f"median disconnected neurons {stats['disconnected_neurons_median']}, diverged {stats['diverged']}"
    ]


def format_result(result: ExperimentResult) -> str:
    lines = []
    if result.kind == "sweep":
        lines.append(format_sweep(result))
    else:
        lines.append(format_runs(result.runs))
    lines.append("")
    if result.kind == "prune":
        s, x = result.summary, result.extra
        lines += _summary_lines("original " + "-".join(map(str, x["original_layer_sizes"])), s["original"])
        lines += _summary_lines("pruned   " + "-".join(map(str, x["proposed_layer_sizes"])), s["pruned"])
        lines.append(f"weights: {s['original_weight_count']} -> {s['pruned_weight_count']}")
    else:
        for method, stats in result.summary.items():
            lines += _summary_lines(method, stats)
    lines += _footer(result)
    if result.stopped_early:
        lines.append("stopped early: the results above are partial")
    return "\n".join(lines)


def _footer(result: ExperimentResult) -> list[str]:
    """What the columns and the summary lines mean (each table names only the columns it has)."""
    if result.kind != "sweep":
        return ["test err: sum of |error| over the test points;  disc.: disconnected hidden neurons"]
    lambdas = len(result.extra["lambdas"])
    seeds = len({run.seed for run in result.runs})
    return [
        f"table: medians over {seeds} seed{'s' * (seeds != 1)} per lambda (errors: over the runs that did not "
        "diverge);  test err: sum of |error| over the test points",
        f"summary lines: medians over all {lambdas} lambdas x {seeds} seed{'s' * (seeds != 1)} of each method",
    ]


def format_sweep(result: ExperimentResult) -> str:
    lines = [f"{'method':<11}{'lambda':>11} {'test err':>10} {'train loss':>11} {'|w|<0.01':>9} {'diverged':>9}",
             "-" * 64]
    for method, path in result.extra["path"].items():
        for i, lam in enumerate(path["lambda"]):
            err = path["test_total_abs_error_median"][i]
            train = path["train_loss_median"][i]
            lines.append(
                f"{method:<11}{lam:>11.4g} {'-' if err is None else f'{err:.3f}':>10} "
                f"{'-' if train is None else f'{train:.4f}':>11} {path['sparsity_median'][i]:>9.1%} "
                f"{path['diverged'][i]:>9}"
            )
    return "\n".join(lines)


class ProgressBar:
    """A one-line bar redrawn in place on a terminal; silent when stderr is not a terminal."""

    def __init__(self, stream: TextIO, width: int = 30, min_interval: float = 0.1):
        self.stream = stream
        self.width = width
        self.min_interval = min_interval
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.enabled or (now - self._last < self.min_interval and done < total):
            return
        self._last = now
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        rate = done / max(now - self.started, 1e-9)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:5.1%}  {rate:,.0f} steps/s")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
