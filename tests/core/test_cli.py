"""The command line, end to end in subprocesses (started by conftest.py), plus in-process checks of
main() for more bad arguments."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from regviz import cli
from regviz.core.config import ExperimentConfig
from regviz.core.presets import load_preset

REPO = Path(__file__).resolve().parents[2]
SHIPPED_PRESETS = sorted(p.stem for p in (REPO / "resources" / "presets").glob("*.json"))

CLI_ERROR_CASES = [
    "negative_lambda", "unknown_method", "bad_layers", "missing_data", "bad_csv", "json_missing_folder",
    "bad_lambdas", "unknown_preset", "bad_config",
    "empty_layers", "empty_data", "empty_preset", "empty_json", "empty_config", "empty_methods", "empty_lambdas",
    "empty_out", "preset_path", "steps_zero", "steps_too_many", "json_dev_null", "fifo_config", "folder_config",
    "big_config", "huge_int_config", "deep_config", "params_list_config", "params_self_config",
    "version_float_config", "long_value_config", "gui_missing_csv", "gui_no_display",
]

RUN_KEYS = {
    "method", "lambda", "seed", "layer_sizes", "test_total_abs_error", "train_loss", "sparsity", "exact_zeros",
    "disconnected_neurons", "diverged", "weights",
}


def _ok(run):
    assert run.returncode == 0, f"{run.argv}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert "Traceback" not in run.stderr
    return run


def _shape(nested):
    return np.array(nested, dtype=float).shape


def _check_schema(payload, kind):
    assert {"schema", "config", "runs", "summary"} <= set(payload)
    assert payload["schema"] == "regviz.experiment/1"
    assert payload["kind"] == kind
    cfg = ExperimentConfig.from_dict(payload["config"])  # the config is a loadable config
    assert cfg.to_dict() == payload["config"]
    assert payload["runs"]
    for run in payload["runs"]:
        assert RUN_KEYS <= set(run), RUN_KEYS - set(run)
        assert isinstance(run["method"], str) and isinstance(run["seed"], int)
        assert isinstance(run["lambda"], float) and run["lambda"] >= 0
        assert isinstance(run["diverged"], bool)
        sizes = run["layer_sizes"]
        assert sizes[0] == 1 and sizes[-1] == 1
        assert len(run["weights"]) == len(sizes) - 1
        for layer, w in enumerate(run["weights"]):
            assert _shape(w) == (sizes[layer], sizes[layer + 1])
        for layer, b in enumerate(run.get("biases", [])):
            assert _shape(b) == (sizes[layer + 1],)
        assert 0.0 <= run["exact_zeros"] <= run["sparsity"] <= 1.0
        assert isinstance(run["disconnected_neurons"], int)
        if not run["diverged"]:
            assert math.isfinite(run["test_total_abs_error"]) and run["test_total_abs_error"] > 0
            assert math.isfinite(run["train_loss"])
    return cfg


def _table_rows(stdout):
    """Rows of the printed run table (between the dashed rule and the blank line)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if set(line) == {"-"}) + 1
    end = lines.index("", start)
    return lines[start:end], lines[start - 2]


# ---------------------------------------------------------------- successes
def test_experiment_prints_the_table_and_writes_json(cli_runs):
    run = _ok(cli_runs["experiment"])
    rows, header = _table_rows(run.stdout)
    for column in ("method", "lambda", "seed", "test err", "|w|<0.01", "w == 0", "disc.", "layers"):
        assert column in header
    assert len(rows) == 4  # l1, l2 x 2 repeats
    assert [r.split()[0] for r in rows] == ["l1", "l1", "l2", "l2"]
    assert all(r.rstrip().endswith("1-4-3-1") for r in rows)
    assert [r.split()[2] for r in rows] == ["5", "6", "5", "6"]
    assert re.search(r"^l1: 2 runs, median test error \d+\.\d{3}", run.stdout, re.M)
    assert re.search(r"^l2: 2 runs", run.stdout, re.M)
    assert f"wrote {run.json_name}" in run.stdout
    assert run.stderr == ""  # no progress bar when stderr is not a terminal

    payload = run.load_json()
    cfg = _check_schema(payload, "experiment")
    assert cfg.training.epochs == 3 and cfg.model.hidden_layers == (4, 3) and cfg.model.activation == "tanh"
    assert cfg.regularization.lam == 0.1 and cfg.training.seed == 5
    assert [(r["method"], r["seed"]) for r in payload["runs"]] == [("l1", 5), ("l1", 6), ("l2", 5), ("l2", 6)]
    for r in payload["runs"]:
        assert r["layer_sizes"] == [1, 4, 3, 1] and r["lambda"] == 0.1
        assert len(r["test_error_per_epoch"]) == 3
    assert set(payload["summary"]) == {"l1", "l2"} and payload["summary"]["l1"]["runs"] == 2
    # the printed errors are the JSON's
    printed = [float(r.split()[3]) for r in rows]
    np.testing.assert_allclose(printed, [r["test_total_abs_error"] for r in payload["runs"]], atol=5e-4)
    # only the output file, no leftover temporary file
    assert sorted(p.name for p in run.folder.iterdir()) == ["out.json"]


def test_prune_prints_both_stages_and_writes_json(cli_runs):
    run = _ok(cli_runs["prune"])
    rows, _ = _table_rows(run.stdout)
    assert [r.split()[0] for r in rows] == ["original"] * 2 + ["pruned"] * 2
    m = re.search(r"^weights: 220 -> (\d+)$", run.stdout, re.M)
    assert m and int(m.group(1)) <= 220
    payload = run.load_json()
    _check_schema(payload, "prune")
    assert payload["original_layer_sizes"] == [1, 10, 10, 10, 1]
    proposed = payload["proposed_layer_sizes"]
    assert [r["layer_sizes"] for r in payload["runs"]] == [[1, 10, 10, 10, 1]] * 2 + [proposed] * 2
    assert [r["stage"] for r in payload["runs"]] == ["original"] * 2 + ["pruned"] * 2
    assert set(payload["summary"]) >= {"original", "pruned", "original_weight_count", "pruned_weight_count"}


def test_sweep_log_range(cli_runs):
    run = _ok(cli_runs["sweep_range"])
    lines = run.stdout.splitlines()
    header = lines[0]
    for column in ("method", "lambda", "test err", "train loss", "|w|<0.01", "diverged"):
        assert column in header
    rows = lines[2:6]
    assert [float(r.split()[1]) for r in rows] == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    assert all(r.split()[0] == "l1" for r in rows)
    assert lines[6] == ""
    payload = run.load_json()
    _check_schema(payload, "sweep")
    assert payload["lambdas"] == pytest.approx([1e-3, 1e-2, 1e-1, 1.0], rel=1e-12)
    assert [r["lambda"] for r in payload["runs"]] == pytest.approx(payload["lambdas"])
    assert payload["path"]["l1"]["lambda"] == payload["lambdas"]


def test_sweep_comma_list_with_csv_data(cli_runs):
    run = _ok(cli_runs["sweep_list"])
    lines = run.stdout.splitlines()
    rows = lines[2:8]
    assert [(r.split()[0], float(r.split()[1])) for r in rows] == [
        (m, lam) for m in ("l1", "l2") for lam in (0.0, 0.05, 0.5)
    ]
    payload = run.load_json()
    cfg = _check_schema(payload, "sweep")
    assert cfg.data.csv_path.endswith("good.csv")
    assert payload["lambdas"] == [0.0, 0.05, 0.5]
    assert len(payload["runs"]) == 6


def test_help(cli_runs):
    run = _ok(cli_runs["help"])
    assert run.stdout.startswith("usage: regviz")
    for command in ("experiment", "prune", "sweep"):
        assert command in run.stdout
    for name in SHIPPED_PRESETS:
        assert name in run.stdout
    assert run.stderr == ""


def test_core_and_cli_do_not_import_qt(cli_runs):
    run = _ok(cli_runs["qt_free"])
    assert "QT-MODULES: []" in run.stdout


# ---------------------------------------------------------------- bad arguments and files (subprocess)
EXPECTED_FRAGMENT = {
    "negative_lambda": "--lambda",
    "unknown_method": "l5",
    "bad_layers": "--layers",
    "missing_data": "nope.csv",
    "bad_csv": "line 3",
    "json_missing_folder": "does not exist",
    "bad_lambdas": "--lambdas",
    "unknown_preset": "no-such-preset",
    "bad_config": "valid JSON",
    "empty_layers": "--layers",
    "empty_data": "--data",
    "empty_preset": "--preset",
    "empty_json": "--json",
    "empty_config": "--config",
    "empty_methods": "--methods",
    "empty_lambdas": "--lambdas",
    "empty_out": "--out",
    "preset_path": "seed-exact-zeros",  # the message lists the names
    "steps_zero": "--steps",
    "steps_too_many": "1,000,000",
    "json_dev_null": "/dev/null",
    "fifo_config": "FIFO",
    "folder_config": "folder",
    "big_config": "1 MiB",
    "huge_int_config": "training.epochs",
    "deep_config": "nest",
    "params_list_config": "model.activation_params",
    "params_self_config": "model.activation_params.self",
    "version_float_config": "schema_version",
    "long_value_config": "model.activation",
    "gui_missing_csv": "no-such-data.csv",
    "gui_no_display": "regviz screenshot",
}


@pytest.mark.parametrize("name", CLI_ERROR_CASES)
def test_bad_input_exits_2_with_one_line(cli_runs, name):
    run = cli_runs[name]
    assert run.returncode == 2, f"{run.argv}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr[:2000]}"
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr[:2000]
    assert lines[0].startswith("regviz: error: ")
    assert EXPECTED_FRAGMENT[name] in lines[0], lines[0]
    assert len(lines[0]) < 300, lines[0]  # a bad value is quoted shortened, never whole
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert run.stdout == ""
    if run.json_path is not None:
        assert not run.json_path.exists()
    assert list(run.folder.iterdir()) == []  # no output file, no temporary file, no folder


# ---------------------------------------------------------------- more bad arguments, in process
def _main_error(capsys, argv, tmp_path, fragment):
    out = tmp_path / "out.json"
    code = cli.main([*argv, "--json", str(out)])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("regviz: error: ")
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists() and list(tmp_path.iterdir()) == []
    return lines[0]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["experiment", "--lr", "0"], "--lr"),
        (["experiment", "--lr", "nan"], "--lr"),
        (["experiment", "--lr", "100"], "training.learning_rate"),
        (["experiment", "--rho", "2"], "regularization.rho"),
        (["experiment", "--lambda", "abc"], "--lambda"),
        (["experiment", "--lambda", "inf"], "--lambda"),
        (["experiment", "--repeats", "0"], "--repeats"),
        (["experiment", "--epochs", "-3"], "--epochs"),
        (["experiment", "--layers", "10,0,10"], "model.hidden_layers"),
        (["experiment", "--layers", "10,,10"], "--layers"),
        (["experiment", "--activation", "swish"], "model.activation"),
        (["experiment", "--loss", "hinge"], "--loss"),
        (["experiment", "--l1-rule", "magic"], "--l1-rule"),
        (["experiment", "--methods", "l1,l1"], "twice"),
        (["experiment", "--methods", ","], "--methods"),
        (["experiment", "--preset", "seed", "--config", "x.json"], "not both"),
        (["experiment", "--no-such-option"], "unrecognized"),
        (["prune", "--methods", "l1,l2"], "one method"),
        (["sweep", "--lambdas", "0:1:4"], "--lambdas"),
        (["sweep", "--lambdas", "1e-3:1:1"], "N must be"),
        (["sweep", "--lambdas", "1e-3:1"], "--lambdas"),
        (["sweep", "--lambdas", "a,b"], "--lambdas"),
        (["sweep", "--lambdas=-1,2"], "--lambdas"),
        (["sweep", "--lambdas", "0.1,nan"], "--lambdas"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_more_bad_arguments_in_process(capsys, tmp_path, argv, fragment):
    _main_error(capsys, argv, tmp_path, fragment)


def test_bad_files_in_process(capsys, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "unknown_field.json").write_text('{"training": {"learning_rat": 0.1}}', encoding="utf-8")
    (inputs / "v2.json").write_text('{"schema_version": 2}', encoding="utf-8")
    (inputs / "short.csv").write_text("1,2\n2,3\n", encoding="utf-8")
    (inputs / "nan.csv").write_text("1,2\n2,nan\n3,4\n4,5\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    cases = [
        (["experiment", "--config", str(inputs / "unknown_field.json")], "training.learning_rat"),
        (["experiment", "--config", str(inputs / "v2.json")], "schema_version"),
        (["experiment", "--config", str(inputs / "missing.json")], "missing.json"),
        (["experiment", "--config", str(inputs)], "config"),
        (["experiment", "--epochs", "1", "--data", str(inputs / "short.csv")], "at least 4"),
        (["experiment", "--epochs", "1", "--data", str(inputs / "nan.csv")], "line 2"),
        (["experiment", "--epochs", "1", "--data", str(inputs)], "not a file"),
    ]
    for argv, fragment in cases:
        _main_error(capsys, argv, work, fragment)


def test_json_into_a_folder_is_refused(capsys, tmp_path):
    code = cli.main(["experiment", "--epochs", "1", "--json", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("regviz: error: --json") and "folder" in err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- in process: successes and helpers
def test_diverged_runs_in_json_are_null_not_nan(capsys, tmp_path):
    out = tmp_path / "div.json"
    code = cli.main(["experiment", "--preset", "squared-loss", "--lr", "10", "--epochs", "2", "--repeats", "1",
                     "--methods", "l2", "--json", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "diverged" in captured.out
    text = out.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    payload = json.loads(text)
    (run,) = payload["runs"]
    assert run["diverged"] is True
    assert payload["summary"]["l2"]["diverged"] == 1


def test_config_file_is_used(capsys, tmp_path):
    custom = load_preset("seed").replace(
        **{"training.epochs": 2, "model.hidden_layers": (5, 5), "regularization.method": "elasticnet",
           "regularization.rho": 0.25, "regularization.lam": 0.05, "training.seed": 9}
    )
    path = tmp_path / "custom.json"
    path.write_text(custom.to_json(), encoding="utf-8")
    out = tmp_path / "out.json"
    code = cli.main(["experiment", "--config", str(path), "--repeats", "1", "--methods", "elasticnet",
                     "--json", str(out)])
    assert code == 0, capsys.readouterr().err
    payload = json.loads(out.read_text(encoding="utf-8"))
    cfg = _check_schema(payload, "experiment")
    assert cfg == custom
    (only,) = payload["runs"]
    assert only["method"] == "elasticnet" and only["lambda"] == 0.05 and only["rho"] == 0.25
    assert only["layer_sizes"] == [1, 5, 5, 1] and only["seed"] == 9
    assert len(only["test_error_per_epoch"]) == 2


def test_options_reach_the_config(capsys, tmp_path):
    out = tmp_path / "o.json"
    code = cli.main(["experiment", "--epochs", "1", "--repeats", "1", "--methods", "l1", "--shuffle",
                     "--batch-size", "4", "--loss", "huber", "--l1-rule", "clip", "--data-seed", "3",
                     "--activation", "leaky_relu", "--quiet", "--json", str(out)])
    assert code == 0, capsys.readouterr().err
    cfg = json.loads(out.read_text())["config"]
    assert cfg["training"]["shuffle"] is True and cfg["training"]["batch_size"] == 4
    assert cfg["training"]["loss"] == "huber" and cfg["regularization"]["l1_rule"] == "clip"
    assert cfg["data"]["seed"] == 3 and cfg["model"]["activation"] == "leaky_relu"


def test_version_and_help_exit_zero(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == "regviz 0.1.0"
    with pytest.raises(SystemExit) as info:
        cli.main(["sweep", "--help"])
    assert info.value.code == 0
    assert "--lambdas" in capsys.readouterr().out


def test_parse_lambdas():
    assert cli.parse_lambdas("1e-3:1:4") == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    assert cli.parse_lambdas("0,0.1, 2") == [0.0, 0.1, 2.0]
    assert cli.parse_lambdas("0.3") == [0.3]
    for bad in ("1:0.1:4", "0:1:3", "1e-3:1:1", "1e-3:inf:3", "a:b:c", "1:2", "-1,2", "1,,2", "", "nan"):
        with pytest.raises(cli.UsageError):
            cli.parse_lambdas(bad)


def test_write_json_atomic_leaves_no_partial_file(tmp_path):
    target = tmp_path / "r.json"
    cli.write_json_atomic(target, {"a": [1, 2]})
    assert json.loads(target.read_text()) == {"a": [1, 2]}
    with pytest.raises(ValueError):
        cli.write_json_atomic(tmp_path / "bad.json", {"a": float("nan")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
    # a failed rewrite keeps the previous complete file
    with pytest.raises(ValueError):
        cli.write_json_atomic(target, {"b": float("inf")})
    assert json.loads(target.read_text()) == {"a": [1, 2]}


def test_report_formats_without_a_terminal(reference_result):
    from regviz import report

    text = report.format_result(reference_result)
    rows = [line for line in text.splitlines() if line.split()[:1] in (["l1"], ["l2"]) and "runs" not in line]
    assert len(rows) == 10
    assert "l1: 5 runs" in text and "l2: 5 runs" in text
    import io

    stream = io.StringIO()
    bar = report.ProgressBar(stream)
    bar(1, 2)
    bar(2, 2)
    bar.close()
    assert stream.getvalue() == ""  # silent when not a terminal


def test_load_config_defaults_to_the_seed_preset():
    args = cli.build_parser().parse_args(["experiment"])
    assert cli.load_config(args) == load_preset("seed")
