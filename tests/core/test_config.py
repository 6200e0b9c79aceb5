"""ExperimentConfig: JSON round trip, validation messages, unknown fields, schema version, bad files."""

from __future__ import annotations

import dataclasses
import json
import os
import threading

import pytest

from regviz.core.config import SCHEMA_VERSION, ConfigError, ExperimentConfig
from regviz.core.presets import load_preset, preset_names


def test_defaults_are_the_reference_experiment(seed_cfg):
    cfg = ExperimentConfig().validate()
    # The preset adds a description and picks init seed 12, whose untrained line visibly misses the
    # data (the window is for a class); everything else is the defaults.
    assert seed_cfg.training.seed == 12 and seed_cfg.description
    assert cfg == dataclasses.replace(seed_cfg.replace(**{"training.seed": 0}), description="")
    assert cfg.model.layer_sizes == (1, 10, 10, 10, 1)
    assert (cfg.training.learning_rate, cfg.training.batch_size, cfg.training.epochs) == (0.01, 1, 100)
    assert (cfg.regularization.method, cfg.regularization.lam) == ("l1", 0.3)
    assert cfg.training.loss == "abs" and cfg.model.activation == "linear"
    assert cfg.schema_version == SCHEMA_VERSION == 1


@pytest.fixture
def custom_cfg(seed_cfg):
    return seed_cfg.replace(
        **{
            "model.activation": "rrelu",
            "model.activation_params": {"lower": 2.0, "upper": 6.0},
            "model.hidden_layers": (4, 3),
            "training.loss": "huber",
            "training.huber_delta": 0.5,
            "training.shuffle": True,
            "training.batch_size": 8,
            "regularization.method": "elasticnet",
            "regularization.rho": 0.25,
            "regularization.l1_rule": "proximal",
            "data.outlier_shift_mode": "each",
            "data.noise": "gaussian",
            "data.csv_path": "/some/where.csv",
        }
    ).validate()


def test_json_round_trip(custom_cfg, seed_cfg):
    for cfg in (seed_cfg, custom_cfg):
        text = cfg.to_json()
        raw = json.loads(text)
        assert raw["schema_version"] == 1
        assert isinstance(raw["model"]["hidden_layers"], list)
        back = ExperimentConfig.from_json(text)
        assert back == cfg
        assert back.to_json() == text
    assert ExperimentConfig.from_json(custom_cfg.to_json()).model.hidden_layers == (4, 3)


def test_file_round_trip(tmp_path, custom_cfg):
    path = tmp_path / "cfg.json"
    path.write_text(custom_cfg.to_json(), encoding="utf-8")
    assert ExperimentConfig.load(path) == custom_cfg
    assert ExperimentConfig.load(str(path)) == custom_cfg


def test_missing_sections_and_fields_take_defaults():
    cfg = ExperimentConfig.from_json('{"training": {"epochs": 7}}')
    assert cfg.training.epochs == 7
    assert cfg.training.learning_rate == 0.01 and cfg.model.hidden_layers == (10, 10, 10)
    assert ExperimentConfig.from_json("{}") == ExperimentConfig()


def test_every_shipped_preset_loads_and_validates():
    names = preset_names()
    assert "seed" in names and len(names) >= 2
    for name in names:
        cfg = load_preset(name)
        assert cfg.validate() is cfg
        assert ExperimentConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize(
    "dotted, value, allowed",
    [
        ("training.learning_rate", -0.5, "from 1e-07 to 10"),
        ("training.learning_rate", float("nan"), "a finite number"),
        ("training.learning_rate", "0.1", "a finite number"),
        ("training.epochs", 0, "whole number"),
        ("training.epochs", 2.5, "whole number"),
        ("training.epochs", True, "whole number"),
        ("training.batch_size", -1, "whole number"),
        ("training.loss", "hinge", "abs, squared, huber"),
        ("training.shuffle", "yes", "true or false"),
        ("training.huber_delta", 0.0, "a number from"),
        ("regularization.lam", -1.0, "from 0 to"),
        ("regularization.method", "l3", "none, l1, l2, elasticnet"),
        ("regularization.rho", 1.5, "from 0 to 1"),
        ("regularization.l1_rule", "magic", "subgradient, clip, proximal"),
        ("model.activation", "swish", "relu"),
        ("model.hidden_layers", (10, 0, 10), "whole number from 1 to 512"),
        ("model.hidden_layers", (), "layer widths"),
        ("model.hidden_layers", [10, 10], "layer widths"),
        ("model.hidden_layers", (10,) * 9, "1 to 8"),
        ("data.n_samples", 3, "whole number from 4"),
        ("data.x_max", 0.1, "greater than data.x_min"),
        ("data.noise", "pink", "uniform, gaussian, none"),
        ("data.outliers", 60, "whole number from 0 to 50"),
        ("data.outlier_shift_mode", "some", "shared, each"),
        ("data.test_fraction", 0.95, "from 0.05 to 0.8"),
        ("data.seed", -1, "whole number"),
        ("data.csv_path", 5, "a file path or null"),
    ],
)
def test_validation_names_field_value_and_what_is_allowed(seed_cfg, dotted, value, allowed):
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{dotted: value}).validate()
    err = info.value
    assert err.field_name == dotted
    message = str(err)
    assert message.startswith(dotted + ":")
    # the bad value is shown (for a list of widths: the offending width)
    shown = "got 0;" if value == (10, 0, 10) else f"got {value!r};"
    assert shown in message
    assert allowed in message
    assert "\n" not in message


def test_activation_params_are_validated(seed_cfg):
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{"model.activation": "elu", "model.activation_params": {"alpha": -2.0}}).validate()
    assert "model.activation_params.alpha" in str(info.value)
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{"model.activation": "relu", "model.activation_params": {"alpha": 1.0}}).validate()
    assert "model.activation_params.alpha" in str(info.value)


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)
    err = ConfigError("training.epochs", 0, "a whole number from 1 to 1000000")
    assert str(err) == "training.epochs: got 0; expected a whole number from 1 to 1000000"
    assert (err.field_name, err.value, err.allowed) == ("training.epochs", 0, "a whole number from 1 to 1000000")


@pytest.mark.parametrize(
    "raw, field",
    [
        ({"training": {"learning_rat": 0.1}}, "training.learning_rat"),
        ({"model": {"hidden": [1]}}, "model.hidden"),
        ({"regularization": {"lambda": 0.3}}, "regularization.lambda"),
        ({"optimizer": {"name": "adam"}}, "optimizer"),
    ],
)
def test_unknown_field_is_refused(raw, field):
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(raw)
    assert info.value.field_name == field
    assert str(info.value).startswith(field + ":")


def test_replace_refuses_unknown_names(seed_cfg):
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{"training.learning_rat": 0.1})
    assert info.value.field_name == "training.learning_rat"
    with pytest.raises(ConfigError):
        seed_cfg.replace(**{"epochs": 5})
    with pytest.raises(ConfigError):
        seed_cfg.replace(**{"optimizer.lr": 5})
    changed = seed_cfg.replace(**{"training.epochs": 5, "regularization.lam": 0.1})
    assert changed.training.epochs == 5 and changed.regularization.lam == 0.1
    assert seed_cfg.training.epochs == 100  # frozen: the original is untouched


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_wrong_schema_version(version, seed_cfg):
    raw = seed_cfg.to_dict()
    raw["schema_version"] = version
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_json(json.dumps(raw))
    assert info.value.field_name == "schema_version"
    assert repr(version) in str(info.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('{"training": {"epochs": 5,}}', "valid JSON"),
        ("{not json", "valid JSON"),
        ("", "valid JSON"),
        ("[1, 2]", "a JSON object"),
        ('"seed"', "a JSON object"),
        ('{"training": [1]}', "a JSON object"),
        ('{"model": {"hidden_layers": 10}}', "a list of layer widths"),
        ('{"model": {"hidden_layers": [10, "a"]}}', "model.hidden_layers"),
        ('{"training": {"epochs": 1e400}}', "training.epochs"),
    ],
)
def test_bad_json_text(text, fragment):
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_json(text)
    assert fragment in str(info.value)


def test_bad_json_file_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "training": {\n    "epochs": 5,\n  }\n}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load(path)
    assert "line 4" in str(info.value) and "valid JSON" in str(info.value)


def test_missing_and_unreadable_config_files(tmp_path):
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load(tmp_path / "nope.json")
    assert "nope.json" in str(info.value) and "an existing JSON file" in str(info.value)
    with pytest.raises(ConfigError):
        ExperimentConfig.load(tmp_path)  # a folder
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\xfa{}")
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load(binary)
    assert "UTF-8" in str(info.value)


def test_unknown_preset():
    with pytest.raises(ConfigError) as info:
        load_preset("no-such-preset")
    assert info.value.field_name == "preset"
    assert "seed" in str(info.value)


# ---------------------------------------------------------------- holes found by the property tests
@pytest.mark.parametrize("version", [1.0, True, "1", 10**400, [1], {"v": 1}])
def test_schema_version_is_the_int_1_only(seed_cfg, version):
    raw = seed_cfg.to_dict()
    raw["schema_version"] = version
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(raw)
    assert info.value.field_name == "schema_version"
    with pytest.raises(ConfigError):
        dataclasses.replace(seed_cfg, schema_version=version).validate()


@pytest.mark.parametrize(
    "dotted",
    ["data.x_min", "data.x_max", "data.slope", "data.intercept", "data.noise_scale", "data.outlier_shift",
     "data.n_samples", "data.seed", "data.test_fraction", "training.learning_rate", "training.huber_delta",
     "training.epochs", "training.batch_size", "training.seed", "regularization.lam", "regularization.rho"],
)
@pytest.mark.parametrize("value", [10**400, -(10**400), 2**1024])
def test_numbers_too_large_for_a_float_are_config_errors(seed_cfg, dotted, value):
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{dotted: value}).validate()
    assert info.value.field_name == dotted
    assert info.value.value == value  # kept as given
    assert len(str(info.value)) < 250 and "digits" in str(info.value)


def test_huge_json_numbers_are_config_errors():
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_json('{"data": {"slope": 1' + "0" * 400 + "}}")
    assert info.value.field_name == "data.slope"
    with pytest.raises(ConfigError) as info:  # beyond Python's 4300-digit int parsing limit
        ExperimentConfig.from_json('{"data": {"slope": 1' + "0" * 5000 + "}}")
    assert "valid JSON" in str(info.value)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_a_config_error(depth):
    for text in ("[" * depth + "]" * depth, '{"model": {"activation_params": ' + "[" * depth + "]" * depth + "}}"):
        with pytest.raises(ConfigError) as info:
            ExperimentConfig.from_json(text)
        assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    "params, field",
    [
        ([0.1], "model.activation_params"),
        ("slope=0.1", "model.activation_params"),
        (None, "model.activation_params"),
        ({"self": 0.1}, "model.activation_params.self"),
        ({1: 0.1}, "model.activation_params"),
        ({"slope": 10**400}, "model.activation_params.slope"),
        ({"slope": float("nan")}, "model.activation_params.slope"),
        ({"slope": True}, "model.activation_params.slope"),
        ({"slope": [0.1]}, "model.activation_params.slope"),
        ({"slope": 2.0}, "model.activation_params.slope"),
        ({"alpha": 1.0}, "model.activation_params.alpha"),
    ],
)
def test_activation_params_must_be_known_numbers(seed_cfg, params, field):
    cfg = seed_cfg.replace(**{"model.activation": "leaky_relu", "model.activation_params": params})
    with pytest.raises(ConfigError) as info:
        cfg.validate()
    assert info.value.field_name == field
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("layers", [(10, True), (10, 10.0), (10.5,), (False,), (10, "10"), (10, None)])
def test_hidden_layer_widths_are_ints_not_bools_or_floats(seed_cfg, layers):
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{"model.hidden_layers": layers}).validate()
    assert info.value.field_name == "model.hidden_layers"


@pytest.mark.parametrize("path", ["", "a\0b"])
def test_csv_path_must_be_a_real_name(seed_cfg, path):
    with pytest.raises(ConfigError) as info:
        seed_cfg.replace(**{"data.csv_path": path}).validate()
    assert info.value.field_name == "data.csv_path"


@pytest.mark.parametrize(
    "dotted, low, high",
    [("data.x_min", -1e6, 1e6), ("data.slope", -1e6, 1e6), ("data.intercept", -1e6, 1e6),
     ("data.noise_scale", 0.0, 1e6), ("data.outlier_shift", -1e6, 1e6)],
)
def test_data_fields_are_bounded_so_the_data_is_finite(seed_cfg, dotted, low, high):
    for inside in (low, high):
        cfg = seed_cfg.replace(**{dotted: inside, "data.x_max": 1e6})
        if dotted == "data.x_min" and inside == high:
            continue
        cfg.validate()
    for outside in (low - 1e6 if low else -1e-9, high * 1.000001, 1e300):
        with pytest.raises(ConfigError) as info:
            seed_cfg.replace(**{dotted: outside}).validate()
        assert info.value.field_name == dotted
    with pytest.raises(ConfigError):
        seed_cfg.replace(**{"data.x_max": 1e6 + 1}).validate()


def test_error_messages_quote_a_bad_value_shortened():
    giant = "x" * 10_000_000
    err = ConfigError("model.activation", giant, "one of linear, relu")
    assert err.value is giant  # the value itself is kept
    message = str(err)
    assert len(message) < 200 and "..." in message and "\n" not in message
    assert message.startswith("model.activation: got 'xxx") and message.endswith("expected one of linear, relu")
    nested = [[list(range(1000))] * 1000]
    assert len(str(ConfigError("f", nested, "x"))) < 200
    assert len(str(ConfigError("f", 10**100_000, "x"))) < 200  # repr() would refuse this int
    assert "\n" not in str(ConfigError("a\nb", "c\nd", "e"))


def test_a_huge_config_text_gives_a_short_error():
    text = '{"model": {"activation": "' + "y" * 5_000_000 + '"}}'
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_json(text)
    assert len(str(info.value)) < 250


def test_unknown_names_of_any_length_are_shortened():
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict({"data": {"k" * 100_000: 1}})
    assert len(str(info.value)) < 300 and info.value.field_name == "data." + "k" * 100_000
    with pytest.raises(ConfigError):
        ExperimentConfig.from_dict({"data": {1: 2}})  # non-string keys (only possible from Python)
    with pytest.raises(ConfigError):
        ExperimentConfig.from_dict({("t",): 1, 2: 3})


# ---------------------------------------------------------------- config files
def test_config_file_limit_is_one_mib(tmp_path):
    head, tail = '{"training": {"epochs": 3}', "}"
    path = tmp_path / "limit.json"
    path.write_text(head + " " * (2**20 - len(head) - len(tail)) + tail, encoding="utf-8")
    assert path.stat().st_size == 2**20  # exactly 1 MiB: accepted
    assert ExperimentConfig.load(path).training.epochs == 3
    path.write_text(head + " " * (2**20 + 1 - len(head) - len(tail)) + tail, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load(path)
    assert "1 MiB" in str(info.value) and len(str(info.value)) < 250


def test_fifo_and_device_configs_are_refused_at_once(tmp_path):
    fifo = tmp_path / "cfg.json"
    os.mkfifo(fifo)
    result = {}

    def load():
        try:
            ExperimentConfig.load(fifo)
        except ConfigError as exc:
            result["error"] = exc

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "reading a FIFO blocked"
    assert "FIFO" in str(result["error"])
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load("/dev/null")
    assert "device" in str(info.value)
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.load(tmp_path)
    assert "folder" in str(info.value)


def test_presets_are_names_not_paths():
    with pytest.raises(ConfigError):
        load_preset("../presets/seed")
    with pytest.raises(ConfigError):
        load_preset("seed.json")
    with pytest.raises(ConfigError):
        load_preset(None)
