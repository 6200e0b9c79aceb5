"""The experiments as the window's job process runs them (regviz.core.experiment_jobs): the same
numbers as the command line, prune split into its two stages; and the sweep table's footer."""

from __future__ import annotations

import math
from statistics import median

import pytest

from regviz import cli
from regviz.core import experiment_jobs, experiments
from regviz.core.presets import load_preset

EPOCHS = 3


@pytest.fixture(scope="module")
def cfg():
    return load_preset("seed").replace(**{"training.epochs": EPOCHS})


def test_prune_in_two_stages_equals_run_prune(cfg):
    whole = experiments.run_prune(cfg, 2).to_dict()
    first = experiment_jobs.prune_train(cfg, "l1", 2)
    # the proposal by hand: per hidden layer, the median of the neurons still connected, rounded up
    alive = [[10 - len(r["disconnected_by_layer"][h]) for r in first["runs"]] for h in range(3)]
    assert first["proposed_hidden_layers"] == [max(1, math.ceil(median(a))) for a in alive]
    assert whole["proposed_layer_sizes"] == [1, *first["proposed_hidden_layers"], 1]
    second = experiment_jobs.prune_retrain(cfg, "l1", 2, first["proposed_hidden_layers"])
    staged = first["runs"] + second["runs"]
    key = ("seed", "layer_sizes", "test_total_abs_error", "train_loss", "sparsity", "disconnected_by_layer", "weights")
    assert [[r[k] for k in key] for r in whole["runs"]] == [[r[k] for k in key] for r in staged]


def test_the_sweep_table_says_what_its_medians_are_over(capsys):
    assert cli.main(["sweep", "--lambdas", "1e-3:1:3", "--repeats", "2", "--epochs", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    header, footer = out.splitlines()[0], out.split("\n\n", 1)[1]
    assert "disc." not in header and "disc." not in footer  # no such column in the sweep's table
    assert "medians over 2 seeds per lambda" in footer
    assert "summary lines: medians over all 3 lambdas x 2 seeds of each method" in footer
    assert "l1: 6 runs" in footer  # 3 lambdas x 2 seeds: what the summary's medians are over


def test_the_experiment_table_keeps_its_footer(capsys, cfg):
    assert cli.main(["experiment", "--repeats", "1", "--epochs", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "disc." in out.splitlines()[0]
    assert out.rstrip().endswith("test err: sum of |error| over the test points;  disc.: disconnected hidden neurons")
