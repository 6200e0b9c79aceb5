"""Typed, versioned experiment configuration with JSON in and out.

Every field is checked by `validate()`; a bad value raises ConfigError naming the field, the value
and what is allowed, so the CLI and the GUI can show one clear line. The contract: a config that
validation accepts generates its data and trains without an exception (tests/core/
test_config_properties.py checks it over the whole config space); anything else is a ConfigError.
"""

from __future__ import annotations

import dataclasses
import json
import math
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regviz.core.io import ReadProblem, read_regular_file

SCHEMA_VERSION = 1

NOISE_KINDS = ("uniform", "gaussian", "none")
OUTLIER_SHIFT_MODES = ("shared", "each")
LOSSES = ("abs", "squared", "huber")
METHODS = ("none", "l1", "l2", "elasticnet")
L1_RULES = ("subgradient", "clip", "proximal")

MAX_SAMPLES = 100_000
MAX_LAYER_WIDTH = 512
MAX_LAYERS = 8
MAX_EPOCHS = 1_000_000
MAX_CONFIG_BYTES = 2**20
# |x|, |slope|, |intercept|, noise scale and |outlier shift| are at most this, so every generated y
# is at most about 1e12 + 3e6 (well inside float64) and a CSV is the way to bring larger numbers.
MAX_DATA_MAGNITUDE = 1e6
MESSAGE_VALUE_CHARS = 80  # an error line quotes at most this much of a bad value
MAX_DESCRIPTION_CHARS = 300  # a preset's description is one line in a menu's status tip


class _ShortRepr(reprlib.Repr):
    """repr() that never builds a huge string: long strings, containers and deep nesting are cut."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxtuple = self.maxlist = self.maxarray = self.maxset = self.maxfrozenset = self.maxdeque = 40
        self.maxdict = 20
        self.maxstring = self.maxlong = self.maxother = 2 * MESSAGE_VALUE_CHARS

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 512:  # repr() refuses ints over 4300 digits, and would be long anyway
            return f"<a {'negative ' if x < 0 else ''}whole number of about {int(x.bit_length() * 0.30103)} digits>"
        return super().repr_int(x, level)


_SHORT_REPR = _ShortRepr()


def shorten(text: str, limit: int = MESSAGE_VALUE_CHARS) -> str:
    """At most `limit` characters on one line: cut in the middle ('...'), control characters escaped."""
    if len(text) > limit:
        head = (limit - 3) * 2 // 3
        text = text[:head] + "..." + text[len(text) - (limit - 3 - head):]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text


def short_repr(value: Any, limit: int = MESSAGE_VALUE_CHARS) -> str:
    try:
        text = _SHORT_REPR.repr(value)
    except Exception:  # noqa: BLE001 - a message must never fail
        text = f"<{type(value).__name__}>"
    return shorten(text, limit)


class ConfigError(ValueError):
    """A configuration value is out of range; the message names field, value and what is allowed."""

    def __init__(self, field_name: str, value: Any, allowed: str):
        self.field_name = field_name
        self.value = value  # as given; only the message is shortened
        self.allowed = allowed
        name = shorten(field_name, 60) if isinstance(field_name, str) else short_repr(field_name, 60)
        super().__init__(f"{name}: got {short_repr(value)}; expected {shorten(str(allowed), 160)}")


@dataclass(frozen=True)
class DataConfig:
    """The reference line-with-outliers recipe (see shared/design/seed-experiment.md)."""

    n_samples: int = 50
    x_min: float = 0.5
    x_max: float = 9.5
    slope: float = 2.0
    intercept: float = 0.0
    noise: str = "uniform"  # uniform on [0, scale) (upward, as in the script), gaussian N(0, scale), none
    noise_scale: float = 2.0
    outliers: int = 10
    # Shifts are drawn from U[0, outlier_shift); a negative value puts the outliers below the line:
    # shift = -U[0, |outlier_shift|) (same draws as the positive value, negated).
    outlier_shift: float = 10.0
    outlier_shift_mode: str = "shared"  # one shift for all outliers, or one per outlier
    test_fraction: float = 0.2
    seed: int = 0
    csv_path: str | None = None  # when set, the recipe is ignored and this file is the data

    def validate(self) -> None:
        big = MAX_DATA_MAGNITUDE
        _check_int("data.n_samples", self.n_samples, 4, MAX_SAMPLES)
        _check_float("data.x_min", self.x_min, -big, big)
        _check_float("data.x_max", self.x_max, -big, big)
        if not self.x_max > self.x_min:
            raise ConfigError("data.x_max", self.x_max, f"a number greater than data.x_min ({self.x_min:g})")
        _check_float("data.slope", self.slope, -big, big)
        _check_float("data.intercept", self.intercept, -big, big)
        _check_choice("data.noise", self.noise, NOISE_KINDS)
        _check_float("data.noise_scale", self.noise_scale, 0.0, big)
        _check_int("data.outliers", self.outliers, 0, self.n_samples)
        _check_float("data.outlier_shift", self.outlier_shift, -big, big)
        _check_choice("data.outlier_shift_mode", self.outlier_shift_mode, OUTLIER_SHIFT_MODES)
        _check_float("data.test_fraction", self.test_fraction, 0.05, 0.8)
        _check_int("data.seed", self.seed, 0, 2**32 - 1)
        if self.csv_path is not None and (not isinstance(self.csv_path, str) or not self.csv_path
                                          or "\0" in self.csv_path):
            raise ConfigError("data.csv_path", self.csv_path,
                              "a file path or null (a path is not empty and has no NUL)")


@dataclass(frozen=True)
class ModelConfig:
    hidden_layers: tuple[int, ...] = (10, 10, 10)
    activation: str = "linear"
    activation_params: dict[str, float] = field(default_factory=dict)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (1, *self.hidden_layers, 1)

    def validate(self) -> None:
        from regviz.core.activations import ACTIVATIONS  # late: activations imports torch

        if not isinstance(self.hidden_layers, tuple) or not 1 <= len(self.hidden_layers) <= MAX_LAYERS:
            raise ConfigError("model.hidden_layers", self.hidden_layers, f"1 to {MAX_LAYERS} layer widths")
        for width in self.hidden_layers:
            _check_int("model.hidden_layers", width, 1, MAX_LAYER_WIDTH)
        _check_choice("model.activation", self.activation, tuple(ACTIVATIONS))
        params = self.activation_params
        if not isinstance(params, dict):
            raise ConfigError("model.activation_params", params, 'an object of parameters, e.g. {"slope": 0.01}')
        specs = ACTIVATIONS[self.activation].param_specs
        allowed = (", ".join(specs) or "no parameters") + f" for {self.activation}"
        for key, value in params.items():
            # checked here, not left to with_params(**params): a key like 'self' would be a TypeError
            if not isinstance(key, str):
                raise ConfigError("model.activation_params", key, f"parameter names: {allowed}")
            if key not in specs:
                raise ConfigError(f"model.activation_params.{key}", value, allowed)
            _check_finite(f"model.activation_params.{key}", value)
        ACTIVATIONS[self.activation].with_params(**params)  # ranges: raises ConfigError


@dataclass(frozen=True)
class TrainingConfig:
    loss: str = "abs"  # sum of absolute errors over the batch, the article's cost
    huber_delta: float = 1.0
    learning_rate: float = 0.01
    batch_size: int = 1
    epochs: int = 100
    shuffle: bool = False
    seed: int = 0  # first model's init seed; run i uses seed + i

    def validate(self) -> None:
        _check_choice("training.loss", self.loss, LOSSES)
        _check_float("training.huber_delta", self.huber_delta, 1e-6, 1e6)
        _check_float("training.learning_rate", self.learning_rate, 1e-7, 10.0)
        _check_int("training.batch_size", self.batch_size, 1, MAX_SAMPLES)
        _check_int("training.epochs", self.epochs, 1, MAX_EPOCHS)
        if not isinstance(self.shuffle, bool):
            raise ConfigError("training.shuffle", self.shuffle, "true or false")
        _check_int("training.seed", self.seed, 0, 2**32 - 1)


@dataclass(frozen=True)
class RegularizationConfig:
    method: str = "l1"
    lam: float = 0.3
    rho: float = 0.5  # elastic net: share of the L1 term
    l1_rule: str = "subgradient"

    def validate(self) -> None:
        _check_choice("regularization.method", self.method, METHODS)
        _check_float("regularization.lam", self.lam, 0.0, 1e3)
        _check_float("regularization.rho", self.rho, 0.0, 1.0)
        _check_choice("regularization.l1_rule", self.l1_rule, L1_RULES)


@dataclass(frozen=True)
class ExperimentConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    regularization: RegularizationConfig = field(default_factory=RegularizationConfig)
    schema_version: int = SCHEMA_VERSION
    description: str = ""  # one line of plain words, e.g. what a preset shows

    def validate(self) -> "ExperimentConfig":
        _check_schema_version(self.schema_version)
        _check_description(self.description)
        self.data.validate()
        self.model.validate()
        self.training.validate()
        self.regularization.validate()
        return self

    def replace(self, **sections: Any) -> "ExperimentConfig":
        """Replace fields by dotted name: cfg.replace(**{"training.epochs": 5})."""
        grouped: dict[str, dict[str, Any]] = {}
        for dotted, value in sections.items():
            section, _, name = dotted.partition(".")
            if not name or section not in _SECTIONS:
                raise ConfigError(dotted, value, "a name like 'training.epochs'")
            grouped.setdefault(section, {})[name] = value
        changes = {}
        for section, values in grouped.items():
            current = getattr(self, section)
            known = {f.name for f in dataclasses.fields(current)}
            for name, value in values.items():
                if name not in known:
                    raise ConfigError(f"{section}.{name}", value, _field_names(current))
            changes[section] = dataclasses.replace(current, **values)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["model"]["hidden_layers"] = list(self.model.hidden_layers)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, raw: Any) -> "ExperimentConfig":
        if not isinstance(raw, dict):
            raise ConfigError("config", type(raw).__name__, "a JSON object")
        # the first unknown name in the file's order (no sorting: keys may be of any type here)
        for key in raw:
            if key not in _SECTIONS and key not in _TOP_LEVEL:
                raise ConfigError(key if isinstance(key, str) else "config", raw[key],
                                  "one of " + ", ".join([*_SECTIONS, *_TOP_LEVEL]))
        _check_schema_version(raw.get("schema_version", SCHEMA_VERSION))
        sections = {}
        for name, section_cls in _SECTIONS.items():
            values = raw.get(name, {})
            if not isinstance(values, dict):
                raise ConfigError(name, values, "a JSON object")
            known = {f.name for f in dataclasses.fields(section_cls)}
            for key in values:
                if key not in known:
                    raise ConfigError(f"{name}.{key}" if isinstance(key, str) else name, values[key],
                                      _field_names(section_cls))
            values = dict(values)
            if name == "model" and "hidden_layers" in values:
                layers = values["hidden_layers"]
                if not isinstance(layers, list):
                    raise ConfigError("model.hidden_layers", layers, "a list of layer widths")
                values["hidden_layers"] = tuple(layers)
            sections[name] = section_cls(**values)
        return cls(**sections, schema_version=SCHEMA_VERSION, description=raw.get("description", "")).validate()

    @classmethod
    def from_json(cls, text: str) -> "ExperimentConfig":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError("config", f"line {exc.lineno}", f"valid JSON ({exc.msg})") from None
        except RecursionError:  # [[[[...]]]] thousands deep
            raise ConfigError("config", "nesting too deep", "JSON nested a few levels, as written by regviz") from None
        except ValueError:  # an integer of more than 4300 digits
            raise ConfigError("config", "a number of more than 4300 digits",
                              "valid JSON as written by regviz") from None
        return cls.from_dict(raw)

    @classmethod
    def load(cls, path: str | Path) -> "ExperimentConfig":
        try:
            data = read_regular_file(path, MAX_CONFIG_BYTES)
        except ReadProblem as exc:
            if exc.reason == "no such file":
                raise ConfigError("config", str(path), "an existing JSON file") from None
            allowed = exc.reason if exc.too_large else f"a regular JSON file ({exc.reason})"
            raise ConfigError("config", str(path), allowed) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("config", str(path), "a UTF-8 JSON file (this is not UTF-8 text)") from None
        return cls.from_json(text)


_SECTIONS = {
    "data": DataConfig,
    "model": ModelConfig,
    "training": TrainingConfig,
    "regularization": RegularizationConfig,
}


_TOP_LEVEL = ("schema_version", "description")


def _field_names(section_cls: Any) -> str:
    return "one of " + ", ".join(sorted(f.name for f in dataclasses.fields(section_cls)))


def _check_schema_version(version: Any) -> None:
    if type(version) is not int or version != SCHEMA_VERSION:  # not 1.0, not true, not "1"
        raise ConfigError("schema_version", version, f"the whole number {SCHEMA_VERSION}")


def _check_description(text: Any) -> None:
    if not isinstance(text, str) or len(text) > MAX_DESCRIPTION_CHARS or not text.isprintable():
        raise ConfigError("description", text, f"one line of text of at most {MAX_DESCRIPTION_CHARS} characters")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, value, f"a whole number from {low} to {high}")


def _check_finite(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, value, "a finite number")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int beyond float range (JSON allows 10**400)
        finite = False
    if not finite:
        raise ConfigError(name, value, "a finite number")


def _check_float(name: str, value: Any, low: float, high: float) -> None:
    _check_finite(name, value)
    if not low <= value <= high:
        raise ConfigError(name, value, f"a number from {low:g} to {high:g}")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(name, value, "one of " + ", ".join(choices))
