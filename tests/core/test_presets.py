"""The shipped presets: a one-line description each (the config's `description`), and a seed preset
that starts visibly wrong."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from regviz.core.activations import get_activation
from regviz.core.config import ConfigError, ExperimentConfig
from regviz.core.network import forward, initial_snapshot
from regviz.core.presets import load_preset, preset_descriptions

PRESET_FILES = sorted((Path(__file__).resolve().parents[2] / "resources" / "presets").glob("*.json"))


def test_every_shipped_preset_has_a_one_line_description():
    listed = dict(preset_descriptions())
    assert sorted(listed) == sorted(path.stem for path in PRESET_FILES)
    for path in PRESET_FILES:
        description = json.loads(path.read_text(encoding="utf-8"))["description"]
        assert listed[path.stem] == description
        assert 20 <= len(description) <= 300 and "\n" not in description


@pytest.mark.parametrize("name", ["seed", "seed-exact-zeros"])
def test_the_seed_presets_start_visibly_off_the_clean_line(name):
    """The untrained network's line, from the numpy forward pass, against the clean line of the
    data recipe: far from it, and falling where the data rise, so a class sees training happen."""
    cfg = load_preset(name)
    activation = get_activation(cfg.model.activation, cfg.model.activation_params)
    snapshot = initial_snapshot(cfg.model.layer_sizes, activation, [cfg.training.seed])
    x = np.linspace(cfg.data.x_min, cfg.data.x_max, 200)
    prediction = forward(snapshot, activation, x)[0][0]
    clean = cfg.data.slope * x + cfg.data.intercept
    assert np.abs(prediction - clean).mean() > 5
    assert np.polyfit(x, prediction, 1)[0] < 0 < cfg.data.slope
    assert f"init seed {cfg.training.seed}" in cfg.description


# ---------------------------------------------------------------- the description
def test_description_round_trips_and_is_optional(seed_cfg):
    cfg = dataclasses.replace(seed_cfg, description="A line for the Presets menu — λ = 0.3.").validate()
    raw = json.loads(cfg.to_json())
    assert raw["description"] == "A line for the Presets menu — λ = 0.3."
    assert ExperimentConfig.from_json(cfg.to_json()) == cfg
    del raw["description"]
    assert ExperimentConfig.from_dict(raw).description == ""  # a config written before it loads as before
    assert ExperimentConfig.from_dict(raw) == dataclasses.replace(cfg, description="")


@pytest.mark.parametrize("description", ["two\nlines", "tab\there", "x" * 301, 5, None, ["a"]])
def test_description_is_one_short_line_of_text(seed_cfg, description):
    raw = seed_cfg.to_dict()
    raw["description"] = description
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(raw)
    assert info.value.field_name == "description"
    assert "\n" not in str(info.value)
    assert dataclasses.replace(seed_cfg, description="x" * 300).validate()
