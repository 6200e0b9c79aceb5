"""An activation as plain data (name and parameters), for what must not import torch: the compiled
engine and the processes that build it. activations.py is the full registry (numpy, torch, plots);
tests/core/test_activation_spec.py checks that the two agree on names, defaults and learnability.

Also the one source of RReLU's random slopes, shared by both engines: each model draws from its own
numpy generator seeded by its seed, so a model draws the same slopes alone or in an ensemble, in the
torch engine and in the compiled one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

# The compiled kernel dispatches on these ids at run time (one compiled kernel for all of them).
KERNEL_IDS = {"linear": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "leaky_relu": 4, "prelu": 5, "rrelu": 6, "elu": 7}
DEFAULT_PARAMS: dict[str, dict[str, float]] = {
    "leaky_relu": {"slope": 0.01},
    "prelu": {"init": 0.25},
    "rrelu": {"lower": 3.0, "upper": 8.0},
    "elu": {"alpha": 1.0},
}
LEARNABLE = frozenset({"prelu"})
# The kernel's two activation parameters, in order, per activation.
_KERNEL_PARAMS = {"leaky_relu": ("slope",), "prelu": ("init",), "rrelu": ("lower", "upper"), "elu": ("alpha",)}

# Mixed into each model's seed so the slopes are not drawn from the stream of its initial weights.
RRELU_STREAM = 0x52524C55


@dataclass(frozen=True)
class ActivationSpec:
    """What an engine needs to know of an activation; `params` are completed with the defaults."""

    name: str
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in KERNEL_IDS:
            raise ValueError(f"unknown activation {self.name!r}")
        merged = {**DEFAULT_PARAMS.get(self.name, {}), **{k: float(v) for k, v in dict(self.params).items()}}
        unknown = set(merged) - set(DEFAULT_PARAMS.get(self.name, {}))
        if unknown:
            raise ValueError(f"{self.name} has no parameter {sorted(unknown)[0]!r}")
        object.__setattr__(self, "params", merged)

    @property
    def learnable(self) -> bool:
        return self.name in LEARNABLE


def spec_of(activation) -> ActivationSpec:
    """The spec of an ActivationSpec or of an activations.Activation (anything with name and params)."""
    if isinstance(activation, ActivationSpec):
        return activation
    return ActivationSpec(activation.name, dict(activation.params))


def kernel_code(activation) -> tuple[int, np.ndarray]:
    """(kernel id, the parameters as float64[2]) of an activation."""
    spec = spec_of(activation)
    values = [spec.params[key] for key in _KERNEL_PARAMS.get(spec.name, ())]
    return KERNEL_IDS[spec.name], np.array((values + [0.0, 0.0])[:2], dtype=np.float64)


def rrelu_generator(seed: int) -> np.random.Generator:
    """The generator of one model's RReLU divisors a ~ U(lower, upper), drawn as
    lower + u * (upper - lower) with u = generator.random(): per step, per hidden layer, one u per
    (batch row, unit) in row-major order."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, RRELU_STREAM])
