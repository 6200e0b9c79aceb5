"""One registry of activation functions: value and derivative on numpy arrays, the torch module,
and the batched form the engine uses (value and derivative together, for a hand-written backward).

Conventions follow the papers the article cites (see shared/design/seed-experiment.md). At x == 0
every derivative takes the x <= 0 branch, as torch's autograd does.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
from dataclasses import dataclass, field
from typing import ClassVar, Mapping, Sequence

import numpy as np

from regviz.core.config import ConfigError
from regviz.core.exact_math import exp_torch, sigmoid_torch, tanh_torch
from regviz.core.softmax import softmax  # noqa: F401  (defined there, Qt- and torch-free)


class _LazyModule:
    """torch, imported on first use: the window's process uses only the numpy half of this module
    (value, derivative, parameters) and must not pay torch's import (about 1 s)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


torch = _LazyModule("torch")
nn = _LazyModule("torch.nn")


@dataclass(frozen=True)
class ParamSpec:
    default: float
    low: float
    high: float
    help: str


@dataclass(frozen=True)
class BatchedContext:
    """What the engine hands an activation for one forward pass over K models."""

    training: bool
    generators: Sequence[np.random.Generator] = ()  # one per model, for RReLU's random slopes
    slopes: torch.Tensor | None = None  # PReLU's learned slopes, [K, 1, units]


@dataclass(frozen=True)
class Activation:
    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    formula: ClassVar[str] = ""
    param_specs: ClassVar[Mapping[str, ParamSpec]] = {}
    learnable: ClassVar[bool] = False
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        merged = {key: spec.default for key, spec in self.param_specs.items()}
        for key, value in dict(self.params).items():
            if key not in self.param_specs:
                allowed = ", ".join(self.param_specs) or "no parameters"
                raise ConfigError(f"model.activation_params.{key}", value, f"{allowed} for {self.name}")
            spec = self.param_specs[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"model.activation_params.{key}", value, "a finite number")
            if not spec.low <= value <= spec.high:
                raise ConfigError(
                    f"model.activation_params.{key}", value, f"a number from {spec.low:g} to {spec.high:g}"
                )
            merged[key] = float(value)
        self._check(merged)
        object.__setattr__(self, "params", merged)

    def _check(self, params: Mapping[str, float]) -> None:
        """Cross-parameter checks, for subclasses."""

    def with_params(self, **params: float) -> "Activation":
        return dataclasses.replace(self, params={**self.params, **params})

    def __getattr__(self, key: str) -> float:
        params = self.__dict__.get("params", {})
        if key in params:
            return params[key]
        raise AttributeError(key)

    # numpy, for plots and tests
    def value(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # torch
    def module(self) -> nn.Module:
        raise NotImplementedError

    def batched(self, z: torch.Tensor, ctx: BatchedContext) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Value and derivative dh/dz on [K, batch, units]; None means the derivative is 1."""
        raise NotImplementedError


class Linear(Activation):
    name = "linear"
    label = "Linear (identity)"
    formula = "f(x) = x"

    def value(self, x):
        return np.asarray(x, dtype=np.float64).copy()

    def derivative(self, x):
        return np.ones_like(np.asarray(x, dtype=np.float64))

    def module(self):
        return nn.Identity()

    def batched(self, z, ctx):
        return z, None


class Sigmoid(Activation):
    name = "sigmoid"
    label = "Sigmoid"
    formula = "f(x) = 1 / (1 + e^-x);  f'(x) = f(x)(1 - f(x)) <= 0.25"

    def value(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.exp(-np.logaddexp(0.0, -x))

    def derivative(self, x):
        s = self.value(x)
        return s * (1.0 - s)

    def module(self):
        return nn.Sigmoid()

    def batched(self, z, ctx):
        h = sigmoid_torch(z)  # bit-identical in the compiled engine (exact_math.py)
        return h, h * (1.0 - h)


class Tanh(Activation):
    name = "tanh"
    label = "Tanh"
    formula = "f(x) = tanh(x);  f'(x) = 1 - tanh(x)^2"

    def value(self, x):
        return np.tanh(np.asarray(x, dtype=np.float64))

    def derivative(self, x):
        return 1.0 - np.tanh(np.asarray(x, dtype=np.float64)) ** 2

    def module(self):
        return nn.Tanh()

    def batched(self, z, ctx):
        h = tanh_torch(z)
        return h, 1.0 - h * h


class _Piecewise(Activation):
    """max-like units: x for x > 0, slope * x otherwise."""

    def negative_slope(self) -> float:
        raise NotImplementedError

    def value(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x > 0, x, self.negative_slope() * x)

    def derivative(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x > 0, 1.0, self.negative_slope())

    def batched(self, z, ctx):
        slope = self.negative_slope()
        positive = z > 0
        # full_like keeps z's dtype: a bare Python float here would round the slope to float32
        return torch.where(positive, z, z * slope), torch.where(positive, torch.ones_like(z), torch.full_like(z, slope))


class ReLU(_Piecewise):
    name = "relu"
    label = "ReLU"
    formula = "f(x) = max(0, x)"

    def negative_slope(self):
        return 0.0

    def module(self):
        return nn.ReLU()

    def batched(self, z, ctx):
        positive = z > 0
        return z.clamp(min=0), positive.to(z.dtype)


class LeakyReLU(_Piecewise):
    name = "leaky_relu"
    label = "Leaky ReLU"
    formula = "f(x) = x if x > 0 else a*x  (a = 0.01, Maas et al. 2013)"
    param_specs = {"slope": ParamSpec(0.01, 0.0, 1.0, "slope a for x < 0")}

    def negative_slope(self):
        return self.params["slope"]

    def module(self):
        return nn.LeakyReLU(self.params["slope"])


class PReLU(_Piecewise):
    name = "prelu"
    label = "PReLU (learnable)"
    formula = "f(x) = x if x > 0 else a*x, a learned per hidden unit (init 0.25, He et al. 2015)"
    param_specs = {"init": ParamSpec(0.25, 0.0, 1.0, "initial slope a, then learned per unit")}
    learnable = True

    def negative_slope(self):
        return self.params["init"]

    def module(self):
        return nn.PReLU(init=self.params["init"])

    def batched(self, z, ctx):
        slopes = ctx.slopes if ctx.slopes is not None else torch.full_like(z[:, :1, :], self.params["init"])
        positive = z > 0
        return torch.where(positive, z, z * slopes), torch.where(positive, torch.ones_like(z), slopes)


def paper_rrelu(lower: float = 3.0, upper: float = 8.0):
    """An nn.Module of RReLU as the paper defines it (the class is made on first use: torch loads late)."""
    return _paper_rrelu_class()(lower, upper)


@functools.cache
def _paper_rrelu_class():
    class PaperRReLU(nn.Module):
        """RReLU as Xu et al. 2015 define it: in training x / a with a ~ U(lower, upper) per element,
        at test time the fixed slope 2 / (lower + upper). torch.nn.RReLU uses a different test slope."""

        def __init__(self, lower: float = 3.0, upper: float = 8.0):
            super().__init__()
            self.lower, self.upper = lower, upper

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.training:
                divisor = torch.empty_like(x).uniform_(self.lower, self.upper)
                slope = 1.0 / divisor
            else:
                slope = 2.0 / (self.lower + self.upper)
            return torch.where(x > 0, x, x * slope)

    return PaperRReLU


class RReLU(_Piecewise):
    name = "rrelu"
    label = "RReLU (randomized)"
    formula = "train: x/a, a ~ U(l, u) per element and step; test: slope 2/(l+u)  (Xu et al. 2015)"
    param_specs = {
        "lower": ParamSpec(3.0, 1.0, 100.0, "l: smallest divisor a"),
        "upper": ParamSpec(8.0, 1.0, 100.0, "u: largest divisor a"),
    }
    convention = "paper: test slope 2/(l+u), not torch.nn.RReLU's mean slope"

    def _check(self, params):
        if params["upper"] < params["lower"]:
            raise ConfigError("model.activation_params.upper", params["upper"], f">= lower ({params['lower']:g})")

    def negative_slope(self):
        """The fixed test-time slope; the training slope is random within train_slope_band()."""
        return 2.0 / (self.params["lower"] + self.params["upper"])

    def train_slope_band(self) -> tuple[float, float]:
        return 1.0 / self.params["upper"], 1.0 / self.params["lower"]

    def module(self):
        return paper_rrelu(self.params["lower"], self.params["upper"])

    def batched(self, z, ctx):
        if not ctx.training:
            return super().batched(z, ctx)
        lower, upper = self.params["lower"], self.params["upper"]
        # numpy generators (activation_spec.rrelu_generator), shared with the compiled engine
        uniform = np.stack([gen.random(tuple(z.shape[1:])) for gen in ctx.generators])
        divisor = torch.from_numpy(uniform).to(z.dtype) * (upper - lower) + lower
        slope = 1.0 / divisor
        positive = z > 0
        return torch.where(positive, z, z * slope), torch.where(positive, torch.ones_like(z), slope)


class ELU(Activation):
    name = "elu"
    label = "ELU"
    formula = "f(x) = x if x > 0 else alpha*(e^x - 1)  (alpha = 1, Clevert et al. 2016)"
    param_specs = {"alpha": ParamSpec(1.0, 0.0, 10.0, "alpha: the value f approaches as x -> -inf is -alpha")}

    def value(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x > 0, x, self.params["alpha"] * np.expm1(np.minimum(x, 0.0)))

    def derivative(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where(x > 0, 1.0, self.params["alpha"] * np.exp(np.minimum(x, 0.0)))

    def module(self):
        return nn.ELU(alpha=self.params["alpha"])

    def batched(self, z, ctx):
        alpha = self.params["alpha"]
        positive = z > 0
        expz = exp_torch(z.clamp(max=0))
        return torch.where(positive, z, alpha * (expz - 1.0)), torch.where(positive, 1.0, alpha * expz).to(z.dtype)


ACTIVATIONS: dict[str, Activation] = {
    cls.name: cls() for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, PReLU, RReLU, ELU)
}


def get_activation(name: str, params: Mapping[str, float] | None = None) -> Activation:
    if name not in ACTIVATIONS:
        raise ConfigError("model.activation", name, "one of " + ", ".join(ACTIVATIONS))
    return ACTIVATIONS[name].with_params(**dict(params or {}))
