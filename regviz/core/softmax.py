"""Softmax, the article's last section, without Qt or torch: a numerically stable softmax with a
temperature, the entropy of its output, the checks on what a person types (the Softmax tab's field,
`regviz softmax`'s arguments) and the article's three cases.

softmax(z / T)_i = exp((z_i - max z) / T) / sum_j exp((z_j - max z) / T). Subtracting the maximum
first keeps every exponent <= 0, so no logit overflows exp (e^1000 would be inf); it does not change
the result, since the common factor e^(-max z / T) cancels.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

MIN_CLASSES, MAX_CLASSES = 2, 20
TEMPERATURE_RANGE = (0.1, 10.0)
# Far beyond any network output; keeps the numbers readable on a bar chart's axis and in messages.
LOGIT_LIMIT = 1e6
_LIMIT_TEXT = f"from -{LOGIT_LIMIT:,.0f} to {LOGIT_LIMIT:,.0f}"
_SEPARATORS = re.compile(r"[\s,;]+")


class SoftmaxInputError(ValueError):
    """Logits or a temperature a person typed that cannot be used; the message says why, in one line."""


# ---------------------------------------------------------------- the maths
def softmax(z, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis of finite logits; a higher temperature flattens the distribution,
    a lower one sharpens it towards the largest logit."""
    if not (isinstance(temperature, (int, float, np.floating)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    z = np.asarray(z, dtype=np.float64)
    shifted = (z - z.max(axis=-1, keepdims=True)) / temperature  # <= 0 everywhere, 0 at the maximum
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def entropy(p, base: float = math.e) -> float:
    """-sum p_i log p_i of one distribution (0 log 0 = 0), in nats by default; base=2 gives bits."""
    p = np.asarray(p, dtype=np.float64)
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    value = float(-(p * logs).sum()) / math.log(base)
    return value if value > 0 else 0.0  # not -0.0 for a one-hot distribution


@dataclass(frozen=True)
class SoftmaxResult:
    logits: tuple[float, ...]
    temperature: float
    probabilities: tuple[float, ...]
    entropy_nats: float

    @property
    def classes(self) -> int:
        return len(self.logits)

    @property
    def entropy_bits(self) -> float:
        return self.entropy_nats / math.log(2.0)

    @property
    def max_entropy_nats(self) -> float:
        """ln K, the entropy of the uniform distribution: the most uncertain K classes can be."""
        return math.log(self.classes)

    @property
    def largest(self) -> int:
        """The index of the most probable class (the first one on a tie)."""
        return int(np.argmax(self.probabilities))

    def to_dict(self) -> dict:
        return {"schema": "regviz.softmax/1", "logits": list(self.logits), "temperature": self.temperature,
                "probabilities": list(self.probabilities), "entropy_nats": self.entropy_nats,
                "entropy_bits": self.entropy_bits, "max_entropy_nats": self.max_entropy_nats}


def compute(logits: Sequence[float], temperature: float = 1.0) -> SoftmaxResult:
    """Probabilities and entropy of checked logits (check_logits) at a checked temperature."""
    logits = check_logits(logits)
    temperature = check_temperature(temperature)
    p = softmax(logits, temperature)
    return SoftmaxResult(tuple(logits), temperature, tuple(float(v) for v in p), entropy(p))


# ---------------------------------------------------------------- what a person types
def _shown(text: str, limit: int = 24) -> str:
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


def parse_logit(token: str) -> float:
    """One logit from text; '−' (the typographic minus, as in slides) counts as '-'."""
    cleaned = token.strip().replace("\u2212", "-")
    try:
        value = float(cleaned)
    except ValueError:
        raise SoftmaxInputError(f"{_shown(token)} is not a number") from None
    if not math.isfinite(value):
        raise SoftmaxInputError(f"{_shown(token)} is not a finite number")
    if abs(value) > LOGIT_LIMIT:
        raise SoftmaxInputError(f"{_shown(token)}: each logit must be {_LIMIT_TEXT}")
    return value


def parse_logit_tokens(tokens: Iterable[str]) -> list[float]:
    """Logits from separate words (the command line's arguments), checked as check_logits does."""
    return check_logits([parse_logit(token) for token in tokens])


def parse_logits(text: str) -> list[float]:
    """Logits from a line such as '3, 0.7, 0.5' (commas, spaces or semicolons between them; the
    article's brackets '[3, 0.7, 0.5]' may stay)."""
    inner = text.strip().strip("[]()").strip(" \t,;")
    if not inner:
        raise SoftmaxInputError(f"type {MIN_CLASSES} to {MAX_CLASSES} numbers separated by commas, e.g. 3, 0.7, 0.5")
    return parse_logit_tokens(_SEPARATORS.split(inner))


def check_logits(values: Sequence[float]) -> list[float]:
    values = [float(v) for v in values]
    if not MIN_CLASSES <= len(values) <= MAX_CLASSES:
        raise SoftmaxInputError(f"{len(values)} logit{'s' if len(values) != 1 else ''}; "
                                f"softmax needs {MIN_CLASSES} to {MAX_CLASSES} (one per class)")
    for value in values:
        if not math.isfinite(value) or abs(value) > LOGIT_LIMIT:
            raise SoftmaxInputError(f"{value!r}: each logit must be a finite number {_LIMIT_TEXT}")
    return values


def check_temperature(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _in_range(value):
        raise SoftmaxInputError(f"temperature {value!r}: {_TEMPERATURE_TEXT}")
    return float(value)


def parse_temperature(text: str) -> float:
    """A temperature from text (the command line's --temperature); the message quotes the text."""
    try:
        value = float(text.strip())
    except ValueError:
        raise SoftmaxInputError(f"{_shown(text)} is not a number") from None
    if not _in_range(value):  # also NaN and inf
        raise SoftmaxInputError(f"{_shown(text)}: {_TEMPERATURE_TEXT}")
    return value


_TEMPERATURE_TEXT = f"must be a number from {TEMPERATURE_RANGE[0]:g} to {TEMPERATURE_RANGE[1]:g}"


def _in_range(value: float) -> bool:
    return TEMPERATURE_RANGE[0] <= value <= TEMPERATURE_RANGE[1]


# ---------------------------------------------------------------- the article's cases
@dataclass(frozen=True)
class SoftmaxCase:
    title: str
    story: str  # what the article says about it, in one line
    logits: tuple[float, ...]
    article_output: str  # the probabilities as the article prints them


ARTICLE_CASES = (
    SoftmaxCase("Case 1", "3 classes, the first clearly larger: very likely the first",
                (3.0, 0.7, 0.5), "[0.846, 0.085, 0.069]"),
    SoftmaxCase("Case 2", "3 classes, the last larger, but not by much: we would bet on it, unsure",
                (1.2, 1.0, 1.5), "[0.316, 0.258, 0.426]"),
    SoftmaxCase("Case 3", "10 classes, the first 1.5, the rest 1.2: very uncertain, many are close",
                (1.5,) + (1.2,) * 9, "[0.13, 0.097, 0.097, 0.097, 0.097, 0.097, 0.097, 0.097, 0.097, 0.097]"),
)


def matching_case(logits: Sequence[float]) -> SoftmaxCase | None:
    """The article's case with exactly these logits, if any (typed or clicked)."""
    return next((case for case in ARTICLE_CASES if tuple(logits) == case.logits), None)


# ---------------------------------------------------------------- the temperature's log slider
SLIDER_STEPS = 200  # positions 0..200 cover 0.1..10: 100 positions per factor of 10


def slider_to_temperature(position: int) -> float:
    low, high = TEMPERATURE_RANGE
    return low * (high / low) ** (position / SLIDER_STEPS)


def temperature_to_slider(temperature: float) -> int:
    low, high = TEMPERATURE_RANGE
    share = math.log(temperature / low) / math.log(high / low)
    return min(SLIDER_STEPS, max(0, round(share * SLIDER_STEPS)))

# ---------------------------------------------------------------- text, for the window and the command line
def format_number(value: float) -> str:
    """A logit or temperature as a person would type it: 3, 0.7, -1.5, 1e+06."""
    return f"{value:g}"


def format_logits(values: Sequence[float]) -> str:
    return ", ".join(format_number(v) for v in values)


def format_probability(p: float) -> str:
    return f"{p:.3f}"


def entropy_text(result: SoftmaxResult) -> str:
    """'entropy 0.543 nats (0.783 bits), 49 % of the maximum ln 3 = 1.099 nats (all classes equal)'."""
    share = result.entropy_nats / result.max_entropy_nats
    return (f"entropy {result.entropy_nats:.3f} nats ({result.entropy_bits:.3f} bits), {100 * share:.0f} % of "
            f"the maximum ln {result.classes} = {result.max_entropy_nats:.3f} nats (all classes equal)")


def temperature_text(temperature: float) -> str:
    """What the temperature does right now, for a class: sharper or flatter than T = 1."""
    t = format_number(temperature)
    if math.isclose(temperature, 1.0):
        return "T = 1: plain softmax, the article's numbers"
    if temperature < 1.0:
        return f"T = {t} < 1: sharper than T = 1; as T \u2192 0 the largest logit takes everything (argmax)"
    return f"T = {t} > 1: flatter than T = 1; as T grows every class tends to 1/K (uniform)"


def figure_caption(result: SoftmaxResult) -> str:
    """The line under an exported figure: where the picture comes from."""
    return (f"regviz · softmax · logits {format_logits(result.logits)} · T = {format_number(result.temperature)} · "
            f"entropy {result.entropy_nats:.3f} nats of at most ln {result.classes} = {result.max_entropy_nats:.3f}")


def format_table(result: SoftmaxResult) -> str:
    """The command line's output: one row per class, the probability to 3 decimals, then the entropy."""
    width = max(5, *(len(format_number(z)) for z in result.logits))
    rows = [f"class  {'logit':>{width}}  probability"]
    for k, (z, p) in enumerate(zip(result.logits, result.probabilities), start=1):
        rows.append(f"{k:>5}  {format_number(z):>{width}}  {format_probability(p):>11}")
    rows.append(f"temperature: {format_number(result.temperature)}")
    rows.append(f"{entropy_text(result)}")
    return "\n".join(rows)
