"""The experiments as the window runs them in a job process (regviz.gui.jobs): each returns the
plain dict that `--json` writes (numbers, lists, None), so the window reads the very numbers the
command line prints and never unpickles a class whose module imports torch.

Called as fn(*args, progress=..., should_stop=...), the signature jobs.py uses.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from regviz.core import analysis
from regviz.core.config import ExperimentConfig
from regviz.core.experiments import propose_hidden_sizes, run_repeats, run_sweep

Progress = Callable[[int, int], None] | None
Stop = Callable[[], bool] | None


def repeats(cfg: ExperimentConfig, methods: Sequence[str], count: int, progress: Progress = None,
            should_stop: Stop = None) -> dict[str, Any]:
    """`regviz experiment`: `count` seeds of every method."""
    return run_repeats(cfg, list(methods), count, progress, should_stop).to_dict()


def prune_train(cfg: ExperimentConfig, method: str, count: int, threshold: float = analysis.SPARSITY_THRESHOLD,
                progress: Progress = None, should_stop: Stop = None) -> dict[str, Any]:
    """The first stage of `regviz prune`: train, and propose the hidden sizes without the
    disconnected neurons ("proposed_hidden_layers")."""
    before = run_repeats(cfg, [method], count, progress, should_stop)
    out = before.to_dict()
    out["threshold"] = threshold
    out["proposed_hidden_layers"] = list(propose_hidden_sizes(before.runs, cfg.model.hidden_layers, threshold))
    return out


def prune_retrain(cfg: ExperimentConfig, method: str, count: int, hidden_layers: Sequence[int],
                  progress: Progress = None, should_stop: Stop = None) -> dict[str, Any]:
    """The second stage: the same seeds and data with these hidden sizes."""
    return run_repeats(cfg, [method], count, progress, should_stop, hidden_layers=tuple(hidden_layers)).to_dict()


def sweep(cfg: ExperimentConfig, lambdas: Sequence[float], methods: Sequence[str], count: int,
          progress: Progress = None, should_stop: Stop = None) -> dict[str, Any]:
    """`regviz sweep`: every (method, lambda, seed) in one ensemble."""
    return run_sweep(cfg, list(lambdas), list(methods), count, progress, should_stop).to_dict()
