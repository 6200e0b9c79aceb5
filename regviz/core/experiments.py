"""Experiments as plain functions returning results: repeats, pruning, lambda sweeps.

Each trains ONE lockstep ensemble (every run of every method at once) and reads the results off it.
`progress(done_steps, total_steps)` is called once per epoch; `should_stop()` can end early.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Callable, Sequence

import numpy as np

from regviz.core import analysis, engines
from regviz.core.activation_spec import ActivationSpec
from regviz.core.config import ExperimentConfig
from regviz.core.data import Dataset, make_dataset
from regviz.core.records import MemberSpec

SCHEMA = "regviz.experiment/1"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    method: str
    lam: float
    rho: float
    l1_rule: str | None  # None for a model without an L1 term
    seed: int
    layer_sizes: tuple[int, ...]
    test_total_abs_error: float
    train_loss: float
    sparsity: float
    exact_zeros: float
    disconnected_neurons: list[list[int]]
    diverged: bool
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    test_error_per_epoch: list[float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def disconnected_count(self) -> int:
        return sum(len(layer) for layer in self.disconnected_neurons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "lambda": self.lam,
            "rho": self.rho,
            "l1_rule": self.l1_rule,
            "seed": self.seed,
            "layer_sizes": list(self.layer_sizes),
            "test_total_abs_error": _finite_or_none(self.test_total_abs_error),
            "train_loss": _finite_or_none(self.train_loss),
            "sparsity": self.sparsity,
            "exact_zeros": self.exact_zeros,
            "disconnected_neurons": self.disconnected_count,
            "disconnected_by_layer": self.disconnected_neurons,
            "diverged": self.diverged,
            "test_error_per_epoch": [_finite_or_none(v) for v in self.test_error_per_epoch],
            "weights": [_nested(w) for w in self.weights],
            "biases": [_nested(b) for b in self.biases],
            **self.extra,
        }


@dataclass(frozen=True)
class ExperimentResult:
    kind: str  # "experiment", "prune" or "sweep"
    config: ExperimentConfig
    runs: list[RunResult]
    summary: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    stopped_early: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": self.kind,
            "config": self.config.to_dict(),
            "runs": [run.to_dict() for run in self.runs],
            "summary": self.summary,
            "stopped_early": self.stopped_early,
            **self.extra,
        }


def build_engine(cfg: ExperimentConfig, members: Sequence[MemberSpec], dataset: Dataset | None = None,
                 hidden_layers: Sequence[int] | None = None, engine: str = "auto"):
    """The engine (engines.ENGINES: auto, numba, torch) for a config and its models."""
    dataset = dataset if dataset is not None else make_dataset(cfg.data)
    hidden = tuple(hidden_layers) if hidden_layers is not None else cfg.model.hidden_layers
    return engines.build_engine(
        engine,
        dataset,
        (1, *hidden, 1),
        ActivationSpec(cfg.model.activation, cfg.model.activation_params),
        members,
        loss=cfg.training.loss,
        huber_delta=cfg.training.huber_delta,
        batch_size=cfg.training.batch_size,
        shuffle=cfg.training.shuffle,
        order_seed=cfg.data.seed,
    )


def member(cfg: ExperimentConfig, method: str, seed: int, lam: float | None = None) -> MemberSpec:
    reg = cfg.regularization
    return MemberSpec(
        seed=seed,
        method=method,
        lam=reg.lam if lam is None else lam,
        rho=reg.rho,
        l1_rule=reg.l1_rule,
        learning_rate=cfg.training.learning_rate,
    )


def train(engine, epochs: int, progress: Progress | None = None,
          should_stop: Callable[[], bool] | None = None) -> tuple[list[np.ndarray], bool]:
    """Train for `epochs`; returns the test error per epoch ([K] each) and whether it stopped early."""
    total = epochs * engine.steps_per_epoch
    per_epoch = []
    for _ in range(epochs):
        if should_stop is not None and should_stop():
            return per_epoch, True
        record = engine.step(engine.steps_per_epoch)
        per_epoch.extend(epoch.test_error for epoch in record.epochs)
        if progress is not None:
            progress(engine.step_count, total)
        if record.diverged.all():
            break  # every model is frozen: nothing left to train
    return per_epoch, False


def collect_runs(engine, per_epoch: list[np.ndarray], threshold: float = analysis.SPARSITY_THRESHOLD,
                 extras: Sequence[dict[str, Any]] | None = None) -> list[RunResult]:
    final = engine.evaluate()
    snap = engine.snapshot()
    runs = []
    for k, spec in enumerate(engine.members):
        weights = [w[k] for w in snap.weights]
        runs.append(
            RunResult(
                method=spec.method,
                lam=spec.lam,
                rho=spec.rho,
                l1_rule=spec.l1_term_rule,
                seed=spec.seed,
                layer_sizes=engine.layer_sizes,
                test_total_abs_error=float(final.test_error[k]),
                train_loss=float(final.train_loss[k]),
                sparsity=analysis.sparsity(weights, threshold),
                exact_zeros=analysis.exact_zeros(weights),
                disconnected_neurons=analysis.disconnected_neurons(weights, threshold),
                diverged=bool(snap.diverged[k]),
                weights=weights,
                biases=[b[k] for b in snap.biases],
                test_error_per_epoch=[float(e[k]) for e in per_epoch],
                extra=dict(extras[k]) if extras else {},
            )
        )
    return runs


def run_repeats(cfg: ExperimentConfig, methods: Sequence[str], repeats: int,
                progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                dataset: Dataset | None = None, hidden_layers: Sequence[int] | None = None,
                engine: str = "auto") -> ExperimentResult:
    """The article's table: `repeats` fresh initialisations per method, all on the same data.

    Run i of every method starts from the same weights (seed = training.seed + i), so methods are
    compared on equal footing.
    """
    seeds = [cfg.training.seed + i for i in range(repeats)]
    members = [member(cfg, method, seed) for method in methods for seed in seeds]
    trainer = build_engine(cfg, members, dataset, hidden_layers, engine)
    per_epoch, stopped = train(trainer, cfg.training.epochs, progress, should_stop)
    runs = collect_runs(trainer, per_epoch)
    return ExperimentResult("experiment", cfg, runs, summarize(runs, methods), stopped_early=stopped)


def summarize(runs: Sequence[RunResult], methods: Sequence[str]) -> dict[str, Any]:
    out = {}
    for method in methods:
        mine = [r for r in runs if r.method == method]
        finite = [r.test_total_abs_error for r in mine if not r.diverged and math.isfinite(r.test_total_abs_error)]
        out[method] = {
            "runs": len(mine),
            "diverged": sum(r.diverged for r in mine),
            "test_total_abs_error_median": median(finite) if finite else None,
            "test_total_abs_error_mean": float(np.mean(finite)) if finite else None,
            "test_total_abs_error_min": min(finite) if finite else None,
            "test_total_abs_error_max": max(finite) if finite else None,
            "sparsity_median": median(r.sparsity for r in mine) if mine else None,
            "exact_zeros_median": median(r.exact_zeros for r in mine) if mine else None,
            "disconnected_neurons_median": median(r.disconnected_count for r in mine) if mine else None,
        }
    return out


def run_prune(cfg: ExperimentConfig, repeats: int, threshold: float = analysis.SPARSITY_THRESHOLD,
              method: str = "l1", progress: Progress | None = None,
              should_stop: Callable[[], bool] | None = None, engine: str = "auto") -> ExperimentResult:
    """Train, find the disconnected neurons, shrink the hidden layers, retrain, compare.

    The two stages are also callable apart (the window lets a teacher edit the proposed sizes
    between them): run_repeats, then propose_hidden_sizes, then run_repeats with those sizes.
    """
    dataset = make_dataset(cfg.data)

    def half(index: int) -> Progress | None:  # each stage is half of the bar
        if progress is None:
            return None
        return lambda done, total: progress(index * total + done, 2 * total)

    before = run_repeats(cfg, [method], repeats, half(0), should_stop, dataset, engine=engine)
    proposed = propose_hidden_sizes(before.runs, cfg.model.hidden_layers, threshold)
    after = None if before.stopped_early else run_repeats(cfg, [method], repeats, half(1), should_stop, dataset,
                                                          proposed, engine)
    return prune_result(cfg, before, after, proposed, threshold, method)


def propose_hidden_sizes(runs: Sequence[RunResult], hidden: Sequence[int],
                         threshold: float = analysis.SPARSITY_THRESHOLD) -> tuple[int, ...]:
    """The proposed width of each hidden layer: the median, over the non-diverged runs, of the
    neurons still connected (rounded up, at least 1): what a typical run needs."""
    alive = [r for r in runs if not r.diverged] or list(runs)
    sizes = [analysis.pruned_hidden_sizes(_recount(r, threshold), hidden) for r in alive]
    return tuple(max(1, math.ceil(median(widths))) for widths in zip(*sizes))


def prune_result(cfg: ExperimentConfig, before: ExperimentResult, after: ExperimentResult | None,
                 proposed: Sequence[int], threshold: float, method: str) -> ExperimentResult:
    """Both stages as one result (`after` None: the first stage was stopped, nothing retrained)."""
    after_runs = after.runs if after is not None else []
    stopped = before.stopped_early or after is None or after.stopped_early
    runs = [_tag(r, "original") for r in before.runs] + [_tag(r, "pruned") for r in after_runs]
    original_sizes = (1, *cfg.model.hidden_layers, 1)
    pruned_sizes = (1, *proposed, 1)
    summary = {
        "original": summarize(before.runs, [method])[method],
        "pruned": summarize(after_runs, [method])[method] if after_runs else None,
        "original_weight_count": analysis.weight_count(original_sizes),
        "pruned_weight_count": analysis.weight_count(pruned_sizes),
    }
    extra = {
        "threshold": threshold,
        "original_layer_sizes": list(original_sizes),
        "proposed_layer_sizes": list(pruned_sizes),
    }
    return ExperimentResult("prune", cfg, runs, summary, extra, stopped_early=stopped)


def _recount(run: RunResult, threshold: float) -> list[list[int]]:
    if threshold == analysis.SPARSITY_THRESHOLD:
        return run.disconnected_neurons
    return analysis.disconnected_neurons(run.weights, threshold)


def _tag(run: RunResult, stage: str) -> RunResult:
    return RunResult(**{**run.__dict__, "extra": {**run.extra, "stage": stage}})


def log_grid(low: float, high: float, count: int) -> np.ndarray:
    """`count` log-spaced values from low to high, both ends included."""
    return np.geomspace(low, high, count)


def run_sweep(cfg: ExperimentConfig, lambdas: Sequence[float], methods: Sequence[str], repeats: int = 1,
              progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
              engine: str = "auto") -> ExperimentResult:
    """A regularization path: every (method, lambda, seed) trained at once in one ensemble."""
    lambdas = [float(v) for v in lambdas]
    seeds = [cfg.training.seed + i for i in range(repeats)]
    members = [member(cfg, m, s, lam) for m in methods for lam in lambdas for s in seeds]
    trainer = build_engine(cfg, members, engine=engine)
    per_epoch, stopped = train(trainer, cfg.training.epochs, progress, should_stop)
    runs = collect_runs(trainer, per_epoch)
    path: dict[str, Any] = {}
    for method in methods:
        rows = [[r for r in runs if r.method == method and r.lam == lam] for lam in lambdas]
        path[method] = {
            "lambda": lambdas,
            "test_total_abs_error_median": [_median_or_none([r.test_total_abs_error for r in g if not r.diverged]) for g in rows],
            "train_loss_median": [_median_or_none([r.train_loss for r in g if not r.diverged]) for g in rows],
            "sparsity_median": [median(r.sparsity for r in g) for g in rows],
            "diverged": [sum(r.diverged for r in g) for g in rows],
        }
    extra = {"lambdas": lambdas, "path": path}
    return ExperimentResult("sweep", cfg, runs, summarize(runs, methods), extra, stopped_early=stopped)


def _median_or_none(values: Sequence[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return median(finite) if finite else None


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _nested(array: np.ndarray) -> list:
    """Nested lists for JSON; NaN/Inf (a diverged model) become null, which JSON can carry."""
    out = np.asarray(array, dtype=object)
    out[~np.isfinite(np.asarray(array, dtype=np.float64))] = None
    return out.tolist()
