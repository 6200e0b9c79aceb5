"""Validation is a property, tested as one.

Any config that `ExperimentConfig.from_dict` accepts generates finite data (`make_dataset`) and
trains (`build_engine(cfg, [member(cfg, method, seed)])`, `.step(3)`, `.evaluate()`) without an
exception - diverging to NaN is allowed, an exception is not; anything else raises ConfigError,
never another exception, with a short one-line message.

Three strategies cover the whole config space:
- `valid_raws`: every field inside its documented range or left out, extremes included. The oracle
  (the ranges in config_space.py, written from the documentation, not read from the code): accepted,
  and runs.
- `one_bad_field`: a valid config with one field replaced by a value outside its range or of a wrong
  type (huge ints, NaN/inf, bools, strings, nested junk). Oracle: a ConfigError naming that field.
- `anything`: valid configs with junk anywhere (unknown keys, sections that are not objects, junk
  values, a non-object). Oracle: ConfigError, or accepted and runs.

The strategies and the ranges live in config_space.py. Cost: the space includes 8 hidden layers of
512 and 100,000 samples; `valid_raws` bounds the cost of a drawn example (big widths get few samples
and so small batches, many samples get large batches; see config_space.py) and @example pins the
extremes. In `anything`, junk can make an accepted config arbitrarily costly; such a config (rare)
has its data generated and checked but is not trained.

Deterministic: the "regviz-ci" hypothesis profile (tests/core/conftest.py) derandomizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from config_space import (BIG, DEEP, GOOD_CSV, JSON_TEXTS, MAX_BATCHES, MAX_LAYERS, MAX_WIDTH, MISSING_CSV,
                          WORK_BUDGET, anything, one_bad_field, valid_raws, weights)
from hypothesis import event, example, given, settings

from regviz.core.config import ConfigError, ExperimentConfig
from regviz.core.data import DataError, make_dataset
from regviz.core.experiments import build_engine, member


# ---------------------------------------------------------------- the property
def _check_error(err: ConfigError) -> None:
    message = str(err)
    assert "\n" not in message and len(message) < 400, message[:500]


def _costly(cfg: ExperimentConfig, n: int) -> bool:
    batches = n / min(cfg.training.batch_size, n)
    return n * weights(cfg.model.hidden_layers) > 4 * WORK_BUDGET or batches > 10 * MAX_BATCHES


def _generates_and_trains(cfg: ExperimentConfig) -> None:
    try:
        dataset = make_dataset(cfg.data)
    except DataError:  # only a file can be missing or bad; a recipe always works
        assert cfg.data.csv_path not in (None, GOOD_CSV), cfg.data
        return
    for array in (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test):
        assert np.isfinite(array).all()
    n = dataset.n_train + len(dataset.x_test)
    if _costly(cfg, n):
        event("accepted but too costly to train here")
        return
    engine = build_engine(cfg, [member(cfg, cfg.regularization.method, cfg.training.seed)], dataset)
    engine.step(3)
    engine.evaluate()  # NaN (divergence) is a result, not an error


EXTREMES = [
    {"model": {"hidden_layers": [MAX_WIDTH] * MAX_LAYERS, "activation": "rrelu"},
     "data": {"n_samples": 4, "outliers": 4, "outlier_shift": -BIG, "outlier_shift_mode": "each"},
     "training": {"batch_size": 100_000, "learning_rate": 10.0, "loss": "squared"}},
    {"model": {"hidden_layers": [MAX_WIDTH] * MAX_LAYERS, "activation": "prelu",
               "activation_params": {"init": 1.0}}, "data": {"n_samples": 9, "outliers": 0},
     "training": {"batch_size": 1}},
    {"data": {"n_samples": 100_000, "outliers": 100_000, "x_min": -BIG, "x_max": BIG, "slope": BIG, "intercept": -BIG,
              "noise": "gaussian", "noise_scale": BIG, "outlier_shift": -BIG, "outlier_shift_mode": "each",
              "test_fraction": 0.8, "seed": 2**32 - 1},
     "model": {"hidden_layers": [1], "activation": "elu", "activation_params": {"alpha": 10.0}},
     "training": {"batch_size": 50, "shuffle": True, "seed": 2**32 - 1, "learning_rate": 10.0, "loss": "huber",
                  "huber_delta": 1e-6, "epochs": 1_000_000},
     "regularization": {"method": "elasticnet", "lam": 1000.0, "rho": 1.0, "l1_rule": "proximal"}},
    {"data": {"n_samples": 100_000, "test_fraction": 0.05}, "training": {"batch_size": 100_000},
     "model": {"hidden_layers": [8], "activation": "sigmoid"}},
    {"data": {"n_samples": 4, "outliers": 1, "test_fraction": 0.05, "x_min": 0, "x_max": 1e-300, "noise": "none"},
     "training": {"learning_rate": 1e-7}, "regularization": {"method": "none", "lam": 0.0}},
    {"data": {"csv_path": GOOD_CSV},
     "model": {"activation": "rrelu", "activation_params": {"lower": 100, "upper": 100}}},
]


@settings(max_examples=100)
@given(raw=valid_raws())
@example(raw=EXTREMES[0])
@example(raw=EXTREMES[1])
@example(raw=EXTREMES[2])
@example(raw=EXTREMES[3])
@example(raw=EXTREMES[4])
@example(raw=EXTREMES[5])
def test_valid_configs_are_accepted_and_train(raw):
    cfg = ExperimentConfig.from_dict(raw)  # oracle: inside the documented ranges, so accepted
    _generates_and_trains(cfg)


@settings(max_examples=400)
@given(case=one_bad_field())
def test_one_bad_field_is_a_config_error_naming_it(case):
    raw, dotted = case
    with pytest.raises(ConfigError) as info:
        ExperimentConfig.from_dict(raw)
    field = info.value.field_name
    assert field == dotted or (dotted == "model.activation_params" and str(field).startswith(dotted)), (field, dotted)
    _check_error(info.value)


@settings(max_examples=300)
@given(raw=anything())
@example(raw=DEEP)
@example(raw={"model": {"hidden_layers": DEEP, "activation_params": {"slope": DEEP}}})
@example(raw={"training": {"epochs": 10**400}})
@example(raw={"data": {"slope": -(10**400)}})
@example(raw={"model": {"activation_params": [0.1]}})
@example(raw={"model": {"activation": "elu", "activation_params": {"self": 1.0}}})
@example(raw={"model": {"activation_params": {1: 0.5}}})
@example(raw={"schema_version": 1.0})
@example(raw={"schema_version": True})
@example(raw={"data": {"outlier_shift": -5.0}})
@example(raw={"data": {"csv_path": ""}})
@example(raw={"data": {"csv_path": MISSING_CSV}})
@example(raw={"model": {"hidden_layers": [10, True]}})
@example(raw={"model": {"hidden_layers": [10, 10.0]}})
@example(raw={"x" * 100_000: "y" * 100_000})
def test_anything_is_a_config_error_or_trains(raw):
    try:
        cfg = ExperimentConfig.from_dict(raw)
    except ConfigError as err:
        _check_error(err)
        event("refused")
        return
    event("accepted")
    _generates_and_trains(cfg)


@settings(max_examples=150)
@given(text=JSON_TEXTS)
def test_any_text_is_a_config_error_or_trains(text):
    """The same property through from_json, where deep nesting and long numbers can be written."""
    try:
        cfg = ExperimentConfig.from_json(text)
    except ConfigError as err:
        _check_error(err)
        event("refused")
        return
    event("accepted")
    _generates_and_trains(cfg)

