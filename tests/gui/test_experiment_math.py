"""The Experiments tab's Qt-free helpers (experiment_rows, prune_math, sweep_math) on hand-made
results: rows and medians, TSV, the config that reproduces a run, typed hidden sizes, the lambda
grid, the bands and the note on the L1 rule. No Qt, no training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regviz.core.presets import load_preset
from regviz.gui.experiment_rows import config_line, repeats_rows, run_config, to_tsv
from regviz.gui.prune_math import LayersError, panel_marks, parse_hidden_layers, prune_rows
from regviz.gui.sweep_math import (RangeError, chatter_lambda, nearest_lambda_index, parse_lambda_range, rule_note,
                                   sweep_bands)


def _run(method="l1", seed=12, error=10.0, loss=1.0, sparsity=0.5, disc=2, diverged=False, lam=0.3, sizes=(1, 10, 10, 10, 1)):
    return {"method": method, "seed": seed, "test_total_abs_error": error, "train_loss": loss, "sparsity": sparsity,
            "disconnected_neurons": disc, "diverged": diverged, "lambda": lam, "l1_rule": "subgradient" if method == "l1" else None,
            "layer_sizes": list(sizes)}


def test_repeats_rows_give_each_run_and_a_median_per_method():
    runs = [_run(seed=12, error=3.0, sparsity=0.9, disc=4), _run(seed=13, error=1.0, sparsity=0.7, disc=1),
            _run(seed=14, error=None, loss=None, sparsity=0.1, disc=0, diverged=True),
            _run("l2", 12, 2.0, 0.5, 0.05, 0), _run("l2", 13, 4.0, 0.25, 0.15, 1)]
    rows = repeats_rows({"runs": runs})
    assert [r.cells for r in rows] == [
        ("L1", "12", "3.000", "1.0000", "90.0 %", "4", "no"),
        ("L1", "13", "1.000", "1.0000", "70.0 %", "1", "no"),
        ("L1", "14", "–", "–", "10.0 %", "0", "yes"),
        ("L1", "median", "2.000", "1.0000", "70.0 %", "1", "1 of 3"),  # errors: (3 + 1) / 2 without the diverged
        ("L2", "12", "2.000", "0.5000", "5.0 %", "0", "no"),
        ("L2", "13", "4.000", "0.2500", "15.0 %", "1", "no"),
        ("L2", "median", "3.000", "0.3750", "10.0 %", "0.5", "0 of 2"),
    ]
    assert [r.run_index for r in rows] == [0, 1, 2, None, 3, 4, None]


def test_tsv_is_one_line_per_row_without_tabs_inside_cells():
    text = to_tsv(["a", "b c"], [["1", "x\ty"], ["2", "line\nbreak"]])
    assert text == "a\tb c\n1\tx y\n2\tline break\n"


def test_run_config_reproduces_a_run_alone():
    base = load_preset("seed")
    cfg = run_config(base, _run("l2", seed=15, lam=0.05, sizes=(1, 10, 10, 1, 1)))
    assert (cfg.regularization.method, cfg.regularization.lam, cfg.training.seed, cfg.model.hidden_layers) == \
        ("l2", 0.05, 15, (10, 10, 1))
    assert cfg.data == base.data and cfg.training.epochs == base.training.epochs


def test_config_line_names_what_runs():
    line = config_line(load_preset("seed"), "preset seed")
    for part in ("preset seed", "1-10-10-10-1", "L1 λ 0.3", "subgradient", "epochs", "init seed 12"):
        assert part in line


@pytest.mark.parametrize("text, hidden", [
    ("10,10,1", (10, 10, 1)),  # the article's pruned net, 1-10-10-1-1
    (" 10, 10 ,1 ", (10, 10, 1)),
    ("[10, 10, 1]", (10, 10, 1)),
    ("[(1,10),(10,10),(10,1),(1,1)]", (10, 10, 1)),  # the article's weight shapes
    ("3", (3,)),
])
def test_typed_hidden_layers(text, hidden):
    assert parse_hidden_layers(text) == hidden


@pytest.mark.parametrize("text, says", [
    ("", "e.g. 10,10,1"), ("10,0,1", "0 neurons"), ("10,x", "whole numbers"), ("10,-1", "whole numbers"),
    ("1,1,1,1,1,1,1,1,1", "9 hidden layers"), ("10,1000", "1000 neurons"),
    ("[(1,10),(9,1)]", "do not chain"), ("[(2,10),(10,1)]", "1 input"),
])
def test_bad_hidden_layers_say_why(text, says):
    with pytest.raises(LayersError, match=says):
        parse_hidden_layers(text)


def test_prune_rows_pair_the_same_seed_before_and_after():
    before = {"runs": [_run(seed=12, error=5.0, disc=3), _run(seed=13, error=7.0, disc=5)]}
    after = {"runs": [_run(seed=13, error=6.0, sparsity=0.25), _run(seed=12, error=4.0, sparsity=0.75)]}
    rows = prune_rows(before, after)
    assert [r.cells for r in rows] == [("12", "5.000", "4.000", "50.0 %", "75.0 %", "3"),
                                       ("13", "7.000", "6.000", "50.0 %", "25.0 %", "5"),
                                       ("median", "6.000", "5.000", "50.0 %", "50.0 %", "4")]
    assert [r.cells[2] for r in prune_rows(before, None)] == ["–", "–", "–"]


def test_panel_marks_a_dead_neuron_in_the_matrix_into_it_and_out_of_it():
    dead = [[2], [], [0, 4]]  # hidden layers 1..3 of a 1-10-10-10-1 net
    assert panel_marks(dead, 0) == ((), (2,))  # W1 feeds hidden layer 1: its column 2
    assert panel_marks(dead, 1) == ((2,), ())  # W2 reads hidden layer 1: its row 2
    assert panel_marks(dead, 2) == ((), (0, 4))
    assert panel_marks(dead, 3) == ((0, 4), ())  # W4 reads hidden layer 3


def test_lambda_range_is_the_clis_log_grid():
    assert parse_lambda_range("1e-4", "10", 6) == pytest.approx([10.0 ** k for k in (-4, -3, -2, -1, 0, 1)], rel=1e-12)
    for low, high, count, says in (("0", "1", 5, "above 0"), ("x", "1", 5, "not a number"),
                                   ("1", "0.5", 5, "below"), ("1e-3", "1e4", 5, "at most"), ("nan", "1", 5, "above 0"),
                                   ("1e-3", "1", 1, "at least 2")):
        with pytest.raises(RangeError, match=says):
            parse_lambda_range(low, high, count)


def test_sweep_bands_are_median_min_max_over_seeds():
    lambdas = [0.01, 1.0]
    runs = [_run(lam=0.01, seed=s, sparsity=v, error=e) for s, v, e in ((1, 0.2, 4.0), (2, 0.4, 2.0), (3, 0.9, 9.0))]
    runs += [_run(lam=1.0, seed=1, sparsity=1.0, error=None, diverged=True), _run(lam=1.0, seed=2, sparsity=0.5, error=3.0)]
    band = sweep_bands({"lambdas": lambdas, "runs": runs})["l1"]
    sparsity, error = band["sparsity"], band["test_total_abs_error"]
    assert list(sparsity.median) == pytest.approx([40.0, 75.0])
    assert list(sparsity.low) == pytest.approx([20.0, 50.0]) and list(sparsity.high) == pytest.approx([90.0, 100.0])
    assert list(error.median) == pytest.approx([4.0, 3.0]) and list(error.low) == pytest.approx([2.0, 3.0])


def test_nearest_lambda_on_a_log_axis():
    lambdas = [1e-3, 1e-2, 1e-1, 1.0]
    assert nearest_lambda_index(lambdas, math.log10(0.02)) == 1
    assert nearest_lambda_index(lambdas, math.log10(0.04)) == 2  # nearer 0.1 than 0.01 in log
    assert nearest_lambda_index(lambdas, 5.0) == 3


def test_the_subgradient_note_says_where_the_chatter_starts():
    # lr·λ = 0.01 at λ = 0.01 / 0.01 = 1 for L1; elastic net's L1 part is λρ: 0.01 / (0.01 · 0.5) = 2
    assert chatter_lambda("l1", 0.01, 0.5) == pytest.approx(1.0)
    assert chatter_lambda("elasticnet", 0.01, 0.5) == pytest.approx(2.0)
    assert chatter_lambda("l2", 0.01, 0.5) is None
    note = rule_note("subgradient", ["l1", "l2"], 0.01, 0.5)
    assert "collapses to a constant" in note and "±lr·λ" in note and "L1 λ ≈ 1" in note
    assert "exactly 0" in rule_note("proximal", ["l1"], 0.01, 0.5)
    assert "none of the methods" in rule_note("subgradient", ["l2"], 0.01, 0.5)
    assert np.isfinite(chatter_lambda("l1", 0.05, 0.5))
