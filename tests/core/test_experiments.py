"""Experiments: run_repeats / run_prune / run_sweep structures and the reference experiment's shape."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from regviz.core import experiments
from regviz.core.data import make_dataset
from regviz.core.experiments import SCHEMA, run_prune, run_repeats, run_sweep
from regviz.core.presets import load_preset

RUN_KEYS = {
    "method", "lambda", "rho", "l1_rule", "seed", "layer_sizes", "test_total_abs_error", "train_loss",
    "sparsity", "exact_zeros", "disconnected_neurons", "disconnected_by_layer", "diverged",
    "test_error_per_epoch", "weights", "biases",
}


@pytest.fixture(scope="module")
def proximal_result():
    cfg = load_preset("seed").replace(**{"regularization.l1_rule": "proximal"})
    return run_repeats(cfg, ["l1"], 5)


@pytest.fixture(scope="module")
def prune_result():
    progress = []
    result = run_prune(load_preset("seed"), 5, progress=lambda done, total: progress.append((done, total)))
    return result, progress


def _check_run(run, layer_sizes, epochs):
    assert run.layer_sizes == tuple(layer_sizes)
    assert [w.shape for w in run.weights] == list(zip(layer_sizes[:-1], layer_sizes[1:]))
    assert [b.shape for b in run.biases] == [(n,) for n in layer_sizes[1:]]
    assert 0.0 <= run.sparsity <= 1.0 and 0.0 <= run.exact_zeros <= run.sparsity
    assert len(run.disconnected_neurons) == len(layer_sizes) - 2
    assert len(run.test_error_per_epoch) == epochs
    assert math.isfinite(run.test_total_abs_error) and run.test_total_abs_error > 0
    assert math.isfinite(run.train_loss) and run.train_loss > 0
    assert run.diverged is False


# ---------------------------------------------------------------- run_repeats: the article's table
def test_run_repeats_structure(reference_result):
    result = reference_result
    assert result.kind == "experiment" and not result.stopped_early
    first = result.config.training.seed  # run i uses the preset's init seed + i (the seed preset: 12)
    assert [(r.method, r.seed) for r in result.runs] == [(m, first + i) for m in ("l1", "l2") for i in range(5)]
    for run in result.runs:
        _check_run(run, (1, 10, 10, 10, 1), 100)
        assert run.lam == 0.3
        assert run.l1_rule == ("subgradient" if run.method == "l1" else None)  # the rule is the L1 term's
    assert set(result.summary) == {"l1", "l2"}
    for stats in result.summary.values():
        assert stats["runs"] == 5 and stats["diverged"] == 0
        assert stats["test_total_abs_error_min"] <= stats["test_total_abs_error_median"] <= stats["test_total_abs_error_max"]


def test_run_repeats_errors_are_what_the_returned_weights_give(reference_result):
    """The reported test error and train loss, recomputed with numpy from the run's own weights and
    biases on the reference data (the seed preset's network is affine)."""
    data = make_dataset(reference_result.config.data)

    def predict(run, x):
        h = x.reshape(-1, 1)
        for w, b in zip(run.weights, run.biases):
            h = h @ w + b
        return h[:, 0]

    for run in reference_result.runs:
        test_error = np.abs(predict(run, data.x_test) - data.y_test).sum()
        train_loss = np.abs(predict(run, data.x_train) - data.y_train).mean()
        assert run.test_total_abs_error == pytest.approx(test_error, rel=1e-12)
        assert run.train_loss == pytest.approx(train_loss, rel=1e-12)
        assert run.test_error_per_epoch[-1] == pytest.approx(test_error, rel=1e-12)  # the last epoch ended there


def test_reference_experiment_shape_l1_sparse_l2_not(reference_result):
    s = reference_result.summary
    assert s["l1"]["sparsity_median"] >= 0.9
    assert s["l2"]["sparsity_median"] <= 0.3
    assert s["l1"]["disconnected_neurons_median"] > s["l2"]["disconnected_neurons_median"]
    assert s["l1"]["disconnected_neurons_median"] >= 15  # "most of the neurons were disconnected"


def test_subgradient_l1_chatters_instead_of_reaching_zero(reference_result):
    l1_runs = [r for r in reference_result.runs if r.method == "l1"]
    assert reference_result.summary["l1"]["exact_zeros_median"] < 0.05
    for run in l1_runs:
        flat = np.concatenate([w.ravel() for w in run.weights])
        small = np.abs(flat) < 1e-2
        assert small.mean() >= 0.8
        # small weights hover around zero with amplitude about lr * lambda = 0.003
        assert np.abs(flat[small]).max() < 0.01
        assert (np.abs(flat[small]) < 0.004).mean() > 0.5


def test_proximal_l1_gives_exact_zeros(proximal_result):
    assert proximal_result.summary["l1"]["exact_zeros_median"] > 0.5
    for run in proximal_result.runs:
        assert run.l1_rule == "proximal"
        assert run.exact_zeros > 0.5
        assert run.sparsity >= run.exact_zeros


def test_result_to_dict_is_strict_json(reference_result):
    payload = reference_result.to_dict()
    text = json.dumps(payload, allow_nan=False)
    back = json.loads(text)
    assert back["schema"] == SCHEMA == "regviz.experiment/1"
    assert back["kind"] == "experiment"
    assert back["config"] == reference_result.config.to_dict()
    assert len(back["runs"]) == 10
    for run, obj in zip(reference_result.runs, back["runs"]):
        assert RUN_KEYS <= set(obj)
        assert obj["lambda"] == run.lam and obj["seed"] == run.seed
        assert obj["disconnected_neurons"] == run.disconnected_count
        np.testing.assert_array_equal(np.array(obj["weights"][1]), run.weights[1])
        assert [np.array(w).shape for w in obj["weights"]] == [w.shape for w in run.weights]


def test_methods_start_from_the_same_weights():
    """Run i of every method uses seed training.seed + i: with lambda 0, l1 and l2 runs are identical."""
    cfg = load_preset("seed").replace(**{"training.epochs": 2, "regularization.lam": 0.0, "training.seed": 42})
    result = run_repeats(cfg, ["l1", "l2", "none"], 2)
    assert [r.seed for r in result.runs] == [42, 43] * 3
    by = {(r.method, r.seed): r for r in result.runs}
    for seed in (42, 43):
        for w_a, w_b, w_c in zip(by["l1", seed].weights, by["l2", seed].weights, by["none", seed].weights):
            np.testing.assert_allclose(w_a, w_b, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(w_a, w_c, rtol=1e-12, atol=1e-14)
    assert not np.allclose(by["l1", 42].weights[1], by["l1", 43].weights[1])


def test_progress_and_should_stop():
    cfg = load_preset("seed").replace(**{"training.epochs": 6})
    calls = []
    result = run_repeats(cfg, ["l2"], 2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(40 * i, 240) for i in range(1, 7)]
    assert not result.stopped_early

    asked = []

    def stop_after_two():
        asked.append(1)
        return len(asked) > 2

    stopped = run_repeats(cfg, ["l2"], 2, should_stop=stop_after_two)
    assert stopped.stopped_early
    assert all(len(r.test_error_per_epoch) == 2 for r in stopped.runs)
    assert len(stopped.runs) == 2


def test_diverged_runs_are_reported_and_serialisable():
    cfg = load_preset("squared-loss").replace(**{"training.learning_rate": 10.0, "training.epochs": 3})
    result = run_repeats(cfg, ["l2", "none"], 2)
    assert all(r.diverged for r in result.runs)
    assert result.summary["l2"]["diverged"] == 2
    assert result.summary["l2"]["test_total_abs_error_median"] is None
    assert len(result.runs[0].test_error_per_epoch) == 1  # training stops once every model is frozen
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))  # NaN/Inf became null
    assert payload["runs"][0]["diverged"] is True
    assert payload["runs"][0]["test_total_abs_error"] is None and payload["runs"][0]["train_loss"] is None
    # a diverged model keeps its last finite weights: they are still worth looking at
    assert all(np.isfinite(w).all() for r in result.runs for w in r.weights)


# ---------------------------------------------------------------- run_prune
def test_prune_proposes_smaller_hidden_layers(prune_result):
    result, _ = prune_result
    assert result.kind == "prune"
    original = tuple(result.extra["original_layer_sizes"])
    proposed = tuple(result.extra["proposed_layer_sizes"])
    assert original == (1, 10, 10, 10, 1)
    assert proposed[0] == 1 and proposed[-1] == 1 and len(proposed) == 5
    assert all(1 <= p <= 10 for p in proposed[1:-1])
    assert all(p < 10 for p in proposed[1:-1])  # every hidden layer shrinks (typically to one neuron)
    assert sum(proposed[1:-1]) < 30
    assert result.summary["pruned_weight_count"] < result.summary["original_weight_count"] == 220
    expected_count = sum(a * b for a, b in zip(proposed[:-1], proposed[1:]))
    assert result.summary["pruned_weight_count"] == expected_count
    assert result.extra["threshold"] == 0.01


def test_prune_runs_are_tagged_and_shaped(prune_result, reference_result):
    result, progress = prune_result
    proposed = tuple(result.extra["proposed_layer_sizes"])
    stages = [r.extra["stage"] for r in result.runs]
    assert stages == ["original"] * 5 + ["pruned"] * 5
    for run in result.runs[:5]:
        _check_run(run, (1, 10, 10, 10, 1), 100)
    for run in result.runs[5:]:
        _check_run(run, proposed, 100)
    assert result.summary["original"]["runs"] == 5 and result.summary["pruned"]["runs"] == 5
    # the original stage is the reference L1 experiment: the same numbers
    ref_l1 = [r for r in reference_result.runs if r.method == "l1"]
    for a, b in zip(result.runs[:5], ref_l1):
        assert a.test_total_abs_error == pytest.approx(b.test_total_abs_error, rel=1e-9)
    # progress covers both stages, monotone, ending at the total
    dones = [d for d, _ in progress]
    assert dones == sorted(dones) and len(set(t for _, t in progress)) == 1
    assert dones[-1] == progress[-1][1] == 2 * 100 * 40
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False))["runs"][5]["stage"] == "pruned"


# ---------------------------------------------------------------- run_sweep
def test_run_sweep_structure_and_trend():
    cfg = load_preset("seed").replace(**{"training.epochs": 15})
    lambdas = [0.0, 0.01, 0.3, 1.0]
    result = run_sweep(cfg, lambdas, ["l1", "l2"], repeats=2)
    assert result.kind == "sweep"
    assert len(result.runs) == 2 * 4 * 2
    first = cfg.training.seed  # repeats use the preset's init seed + 0, + 1
    assert [(r.method, r.lam, r.seed) for r in result.runs] == [
        (m, lam, s) for m in ("l1", "l2") for lam in lambdas for s in (first, first + 1)
    ]
    assert result.extra["lambdas"] == lambdas
    for method in ("l1", "l2"):
        path = result.extra["path"][method]
        assert path["lambda"] == lambdas
        for key in ("test_total_abs_error_median", "train_loss_median", "sparsity_median", "diverged"):
            assert len(path[key]) == 4
        assert path["diverged"] == [0, 0, 0, 0]
    l1 = result.extra["path"]["l1"]["sparsity_median"]
    assert l1[2] > 0.9 and l1[0] < 0.2 and l1[2] > l1[1] > l1[0]  # the L1 path sparsifies with lambda
    l2 = result.extra["path"]["l2"]["sparsity_median"]
    assert max(l2) < 0.5 and l1[2] > l2[2]
    # lambda 0 is the same model whatever the method
    r_l1 = [r for r in result.runs if r.method == "l1" and r.lam == 0.0]
    r_l2 = [r for r in result.runs if r.method == "l2" and r.lam == 0.0]
    for a, b in zip(r_l1, r_l2):
        assert a.test_total_abs_error == pytest.approx(b.test_total_abs_error, rel=1e-9)
    json.dumps(result.to_dict(), allow_nan=False)


def test_log_grid_includes_both_ends():
    grid = experiments.log_grid(1e-3, 1.0, 4)
    np.testing.assert_allclose(grid, [1e-3, 1e-2, 1e-1, 1.0])
    assert grid[0] == 1e-3 and grid[-1] == 1.0


def test_member_spec_from_config():
    cfg = load_preset("seed").replace(**{"regularization.rho": 0.2, "training.learning_rate": 0.05})
    spec = experiments.member(cfg, "elasticnet", 7, lam=0.9)
    assert (spec.method, spec.seed, spec.lam, spec.rho, spec.learning_rate) == ("elasticnet", 7, 0.9, 0.2, 0.05)
    assert experiments.member(cfg, "l1", 0).lam == 0.3
