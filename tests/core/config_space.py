"""The config space for the property tests in test_config_properties.py: the documented ranges of
every field (the oracle, written from the documentation and not read from the code) and hypothesis
strategies for valid configs, configs with one bad field, anything at all, and JSON texts.

Cost. The space includes 8 hidden layers of 512 and 100,000 samples, but each drawn example must stay
cheap: evaluating costs about n_samples x weights and an epoch's mini-batches are sliced up front.
So `valid_raws` draws n_samples <= WORK_BUDGET / weights (8 x 512 then gets 4 samples, hence small
batches) and batch_size >= n_samples / MAX_BATCHES (100,000 samples get batches of 50 or more).
"""

from __future__ import annotations

import atexit
import json
import math
import shutil
import tempfile
from pathlib import Path

from hypothesis import strategies as st

# ---------------------------------------------------------------- the documented ranges (the oracle)
BIG = 1e6
INT_RANGES = {
    "data.n_samples": (4, 100_000),
    "data.seed": (0, 2**32 - 1),
    "training.batch_size": (1, 100_000),
    "training.epochs": (1, 1_000_000),
    "training.seed": (0, 2**32 - 1),
}
FLOAT_RANGES = {
    "data.x_min": (-BIG, BIG),
    "data.x_max": (-BIG, BIG),
    "data.slope": (-BIG, BIG),
    "data.intercept": (-BIG, BIG),
    "data.noise_scale": (0.0, BIG),
    "data.outlier_shift": (-BIG, BIG),
    "data.test_fraction": (0.05, 0.8),
    "training.huber_delta": (1e-6, 1e6),
    "training.learning_rate": (1e-7, 10.0),
    "regularization.lam": (0.0, 1e3),
    "regularization.rho": (0.0, 1.0),
}
CHOICES = {
    "data.noise": ("uniform", "gaussian", "none"),
    "data.outlier_shift_mode": ("shared", "each"),
    "training.loss": ("abs", "squared", "huber"),
    "regularization.method": ("none", "l1", "l2", "elasticnet"),
    "regularization.l1_rule": ("subgradient", "clip", "proximal"),
}
ACTIVATION_PARAMS = {
    "linear": {}, "sigmoid": {}, "tanh": {}, "relu": {},
    "leaky_relu": {"slope": (0.0, 1.0)},
    "prelu": {"init": (0.0, 1.0)},
    "rrelu": {"lower": (1.0, 100.0), "upper": (1.0, 100.0)},  # and lower <= upper (defaults 3, 8)
    "elu": {"alpha": (0.0, 10.0)},
}
MAX_LAYERS, MAX_WIDTH = 8, 512
DEFAULT_SAMPLES = 50

WORK_BUDGET = 5_000_000  # samples x weights (the widest nets still get 4 samples)
MAX_BATCHES = 2_000  # mini-batches per epoch
GOOD_CSV_ROWS = 6

_CSV_DIR = Path(tempfile.mkdtemp(prefix="regviz-props-"))
GOOD_CSV = str(_CSV_DIR / "good.csv")
MISSING_CSV = str(_CSV_DIR / "missing.csv")
Path(GOOD_CSV).write_text("x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(GOOD_CSV_ROWS)), encoding="utf-8")


atexit.register(shutil.rmtree, _CSV_DIR, ignore_errors=True)


def _deep(depth: int) -> list:
    out: list = []
    for _ in range(depth):
        out = [out]
    return out


# Nested values stay printable (hypothesis pretty-prints examples recursively); nesting thousands
# deep only comes from JSON text, where json.loads itself overflows: see test_any_text_...
DEEP = _deep(100)
DEEP_ST = st.just(100).map(_deep)
# 10**5000 is built when drawn: repr() refuses ints over 4300 digits, and hypothesis reprs strategies
HUGE_INTS = st.one_of(st.sampled_from([10**400, -(10**400), 2**1024]), st.just(5000).map(lambda digits: 10**digits))
LONG_TEXT = st.just(100_000).map(lambda n: "x" * n)  # built when drawn, so strategy reprs stay short
WRONG_SCALARS = st.one_of(st.none(), st.booleans(), st.text(max_size=6), LONG_TEXT, HUGE_INTS)
JUNK = st.recursive(
    st.one_of(WRONG_SCALARS, st.integers(), st.floats(allow_nan=True, allow_infinity=True), DEEP_ST),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def weights(hidden) -> int:
    sizes = (1, *hidden, 1)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def _set(raw: dict, dotted: str, value) -> None:
    section, name = dotted.split(".")
    raw.setdefault(section, {})[name] = value


def _get(raw: dict, dotted: str, default):
    section, name = dotted.split(".")
    return raw.get(section, {}).get(name, default)


def _float_in(low: float, high: float):
    """Numbers in [low, high]: floats, the ends, and JSON ints when the range holds any."""
    options = [st.floats(low, high), st.sampled_from([low, high])]
    if math.ceil(low) <= math.floor(high):
        options.append(st.integers(math.ceil(low), math.floor(high)))
    return st.one_of(options)


# ---------------------------------------------------------------- valid configs
@st.composite
def valid_raws(draw, max_weights: int | None = None):
    raw: dict = {}
    omit = lambda: draw(st.integers(0, 3)) == 0  # noqa: E731 - a field left out takes its default

    width = st.one_of(st.integers(1, 16), st.integers(1, MAX_WIDTH), st.just(MAX_WIDTH))
    hidden = (10, 10, 10)
    if not omit():
        hidden = tuple(draw(st.lists(width, min_size=1, max_size=MAX_LAYERS)))
        _set(raw, "model.hidden_layers", list(hidden))
    if max_weights is not None and weights(hidden) > max_weights:
        hidden = (min(hidden[0], 16),)
        _set(raw, "model.hidden_layers", list(hidden))
    max_samples = max(4, min(INT_RANGES["data.n_samples"][1], WORK_BUDGET // weights(hidden)))
    use_csv = max_samples >= GOOD_CSV_ROWS and draw(st.integers(0, 9)) == 0
    if max_samples >= DEFAULT_SAMPLES and omit():
        n_samples = DEFAULT_SAMPLES
    else:
        n_samples = draw(st.one_of(st.integers(4, max_samples), st.sampled_from([4, max_samples])))
        _set(raw, "data.n_samples", n_samples)
    if use_csv:
        _set(raw, "data.csv_path", GOOD_CSV)
    elif not omit():
        _set(raw, "data.csv_path", None)
    effective = GOOD_CSV_ROWS if use_csv else n_samples

    if not omit():
        x_min = draw(st.one_of(st.floats(-BIG, BIG, exclude_max=True), st.integers(-int(BIG), int(BIG) - 1),
                               st.just(-BIG)))
        x_max = draw(st.one_of(st.floats(x_min, BIG, exclude_min=True), st.just(BIG)))
        _set(raw, "data.x_min", x_min)
        _set(raw, "data.x_max", x_max)
    for dotted in ("data.slope", "data.intercept", "data.noise_scale", "data.outlier_shift", "data.test_fraction",
                   "training.huber_delta", "training.learning_rate", "regularization.lam", "regularization.rho"):
        if not omit():
            _set(raw, dotted, draw(_float_in(*FLOAT_RANGES[dotted])))
    for dotted, choices in CHOICES.items():
        if not omit():
            _set(raw, dotted, draw(st.sampled_from(choices)))
    if n_samples < 10 or not omit():  # the default, 10 outliers, needs 10 samples
        _set(raw, "data.outliers", draw(st.one_of(st.integers(0, n_samples), st.just(n_samples))))
    for dotted in ("data.seed", "training.epochs", "training.seed"):
        if not omit():
            low, high = INT_RANGES[dotted]
            _set(raw, dotted, draw(st.one_of(st.integers(low, high), st.sampled_from([low, high]))))
    min_batch = math.ceil(effective / MAX_BATCHES)
    if min_batch > 1 or not omit():
        high = INT_RANGES["training.batch_size"][1]
        _set(raw, "training.batch_size", draw(st.one_of(st.integers(min_batch, high),
                                                        st.integers(min_batch, max(min_batch, 64)),
                                                        st.just(high))))
    if not omit():
        _set(raw, "training.shuffle", draw(st.booleans()))

    if not omit():
        name = draw(st.sampled_from(sorted(ACTIVATION_PARAMS)))
        _set(raw, "model.activation", name)
        if not omit():
            _set(raw, "model.activation_params", draw(_valid_params(name)))
    if not omit():
        raw["schema_version"] = 1
    return raw


@st.composite
def _valid_params(draw, name: str) -> dict:
    specs = ACTIVATION_PARAMS[name]
    if name == "rrelu":  # lower <= upper, where a missing one is its default (3, 8)
        which = draw(st.sampled_from(["both", "lower", "upper", "none"]))
        if which == "both":
            lower = draw(_float_in(1.0, 100.0))
            return {"lower": lower, "upper": draw(st.one_of(st.floats(lower, 100.0), st.just(lower)))}
        if which == "lower":
            return {"lower": draw(_float_in(1.0, 8.0))}
        if which == "upper":
            return {"upper": draw(_float_in(3.0, 100.0))}
        return {}
    return {key: draw(_float_in(*bounds)) for key, bounds in specs.items() if draw(st.booleans())}


# ---------------------------------------------------------------- one bad field
def _bad_int(low: int, high: int):
    return st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1), HUGE_INTS, st.booleans(),
                     st.floats(allow_nan=True, allow_infinity=True), WRONG_SCALARS, JUNK.filter(
                         lambda v: not (type(v) is int and low <= v <= high)))


def _bad_float(low: float, high: float):
    def outside(v) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return True
        try:
            return not (math.isfinite(v) and low <= v <= high)
        except OverflowError:
            return True

    return st.one_of(st.floats(max_value=low, exclude_max=True), st.floats(min_value=high, exclude_min=True),
                     st.sampled_from([math.nan, math.inf, -math.inf]), st.integers(min_value=math.floor(high) + 1),
                     st.integers(max_value=math.ceil(low) - 1), HUGE_INTS, WRONG_SCALARS, JUNK.filter(outside))


def _bad_choice(choices):
    return st.one_of(st.text(max_size=12).filter(lambda t: t not in choices), WRONG_SCALARS, st.integers(),
                     st.floats(allow_nan=True), DEEP_ST, st.just([choices[0]]),
                     st.just(choices[0].upper()), st.just(choices[0] + " "))


BAD_LAYERS = st.one_of(
    st.just([]), st.lists(st.integers(1, 4), min_size=MAX_LAYERS + 1, max_size=MAX_LAYERS + 3),
    st.tuples(st.lists(st.integers(1, 8), max_size=3),
              st.one_of(st.just(0), st.just(MAX_WIDTH + 1), st.integers(max_value=0), st.booleans(),
                        st.floats(), st.just(10.0), HUGE_INTS, st.text(max_size=3), st.none(), st.just([4])),
              st.lists(st.integers(1, 8), max_size=3)).map(lambda t: [*t[0], t[1], *t[2]]),
    st.integers(), st.text(max_size=5), st.none(), st.just({"0": 10}), DEEP_ST,
)


@st.composite
def _bad_params(draw, activation: str):
    specs = ACTIVATION_PARAMS[activation]
    kind = draw(st.sampled_from(["not a dict", "unknown key", "bad value", "rrelu order"]))
    if kind == "not a dict":
        return draw(st.one_of(st.lists(st.floats(0, 1), max_size=2), st.text(max_size=5), st.integers(),
                              st.none(), st.booleans(), DEEP_ST))
    if kind == "unknown key" or not specs:
        key = draw(st.one_of(st.sampled_from(["self", "cls", "params", "name", "Slope", ""]),
                             st.text(max_size=6).filter(lambda k: k not in specs), st.integers()))
        return {key: draw(st.one_of(st.floats(0, 1), JUNK))}
    if kind == "rrelu order" and activation == "rrelu":
        lower = draw(st.floats(1.5, 100.0))
        return {"lower": lower, "upper": draw(st.floats(1.0, lower, exclude_max=True))}
    key = draw(st.sampled_from(sorted(specs)))
    return {key: draw(_bad_float(*specs[key]))}


@st.composite
def one_bad_field(draw):
    raw = draw(valid_raws(max_weights=2_000))
    fields = ["schema_version", "model.hidden_layers", "model.activation_params", "data.csv_path",
              "training.shuffle", "data.outliers", *INT_RANGES, *FLOAT_RANGES, *CHOICES, "model.activation"]
    dotted = draw(st.sampled_from(fields))
    if dotted == "schema_version":
        raw["schema_version"] = draw(st.one_of(st.sampled_from([1.0, True, "1", 2, 0, None, [1], {"v": 1}]),
                                               HUGE_INTS, st.integers().filter(lambda v: v != 1)))
        return raw, dotted
    if dotted in INT_RANGES:
        value = draw(_bad_int(*INT_RANGES[dotted]))
    elif dotted == "data.x_max":  # out of range, or not greater than x_min
        x_min = _get(raw, "data.x_min", 0.5)
        value = draw(st.one_of(_bad_float(-BIG, BIG), st.floats(-BIG, x_min), st.just(x_min)))
    elif dotted in FLOAT_RANGES:
        value = draw(_bad_float(*FLOAT_RANGES[dotted]))
    elif dotted in CHOICES:
        value = draw(_bad_choice(CHOICES[dotted]))
    elif dotted == "model.activation":
        value = draw(_bad_choice(tuple(ACTIVATION_PARAMS)))
    elif dotted == "model.hidden_layers":
        value = draw(BAD_LAYERS)
    elif dotted == "model.activation_params":
        value = draw(_bad_params(_get(raw, "model.activation", "linear")))
    elif dotted == "data.csv_path":
        value = draw(st.one_of(st.just(""), st.text(max_size=5).map(lambda t: t + "\0"), st.integers(),
                               st.booleans(), st.lists(st.text(max_size=3), max_size=2), HUGE_INTS))
    elif dotted == "training.shuffle":
        value = draw(st.one_of(st.sampled_from([0, 1, "true", "false", None, 1.0]), WRONG_SCALARS, JUNK).filter(
            lambda v: not isinstance(v, bool)))
    else:  # data.outliers: more than n_samples, or not a whole number
        n = _get(raw, "data.n_samples", DEFAULT_SAMPLES)
        value = draw(st.one_of(st.integers(min_value=n + 1), _bad_int(0, n)))
    _set(raw, dotted, value)
    return raw, dotted


# ---------------------------------------------------------------- anything
_SECTION_FIELDS = {
    "data": ["n_samples", "x_min", "x_max", "slope", "intercept", "noise", "noise_scale", "outliers", "outlier_shift",
             "outlier_shift_mode", "test_fraction", "seed", "csv_path"],
    "model": ["hidden_layers", "activation", "activation_params"],
    "training": ["loss", "huber_delta", "learning_rate", "batch_size", "epochs", "shuffle", "seed"],
    "regularization": ["method", "lam", "rho", "l1_rule"],
}


@st.composite
def anything(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(JUNK)  # not even an object
    raw = draw(valid_raws(max_weights=2_000))
    for _ in range(draw(st.integers(0, 3))):  # no edit at all: a valid config, so some are accepted
        top = draw(st.one_of(st.sampled_from([*_SECTION_FIELDS, "schema_version"]), st.text(max_size=5)))
        if top in _SECTION_FIELDS and isinstance(raw.get(top, {}), dict) and draw(st.integers(0, 4)):
            name = draw(st.one_of(st.sampled_from(_SECTION_FIELDS[top]), st.text(max_size=5)))
            raw.setdefault(top, {})[name] = draw(st.one_of(JUNK, st.floats(-10, 10), st.integers(-5, 600)))
        else:
            raw[top] = draw(JUNK)
    return raw


def _nested_text(depth: int, opener: str = "[") -> str:
    closer = "]" if opener == "[" else "}"
    inner = opener * depth if opener == "[" else '{"a": ' * depth
    return inner + ("null" if opener == "{" else "") + closer * depth


def _dumps(raw) -> str:
    try:
        return json.dumps(raw)
    except (TypeError, ValueError):  # non-string keys, ints over 4300 digits: not writable as JSON
        return '{"not": "writable as JSON"}'


JSON_TEXTS = st.one_of(
    st.text(max_size=40),
    anything().map(_dumps),
    valid_raws(max_weights=2_000).map(_dumps),
    st.integers(1, 100_000).map(_nested_text),
    st.integers(1, 100_000).map(lambda depth: '{"model": {"activation_params": ' + _nested_text(depth) + "}}"),
    st.integers(1, 20_000).map(lambda depth: _nested_text(depth, "{")),
    st.integers(300, 6_000).map(lambda digits: '{"training": {"epochs": 1' + "0" * digits + "}}"),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", '{"data": {"slope": 1e400}}', "\ufeff{}", "{}"]),
)
