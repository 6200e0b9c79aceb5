"""What an engine takes and gives, as plain numpy: the models' specs, step and epoch records, and
weight snapshots. No torch here, so the GUI can read them without importing an engine."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from regviz.core import regularizers
from regviz.core.config import L1_RULES, ConfigError


@dataclass(frozen=True)
class MemberSpec:
    """One model of the ensemble: its own seed (hence init), regularizer, lambda and learning rate."""

    seed: int = 0
    method: str = "l1"
    lam: float = 0.3
    rho: float = 0.5
    l1_rule: str = "subgradient"
    learning_rate: float = 0.01

    def validate(self) -> None:
        regularizers.coefficients(self.method, self.lam, self.rho)
        if self.l1_rule not in L1_RULES:
            raise ConfigError("regularization.l1_rule", self.l1_rule, "one of " + ", ".join(L1_RULES))
        if not (math.isfinite(self.lam) and self.lam >= 0):
            raise ConfigError("regularization.lam", self.lam, "a finite number >= 0")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ConfigError("training.learning_rate", self.learning_rate, "a finite number > 0")

    @property
    def l1_term_rule(self) -> str | None:
        """The rule of this model's L1 term; None when it has none (none, l2, lambda or rho 0)."""
        l1, _ = regularizers.coefficients(self.method, self.lam, self.rho)
        return self.l1_rule if l1 > 0 else None


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based: the number of epochs completed
    step: int  # steps completed when it was measured
    test_error: np.ndarray  # [K] sum of |error| over the test points (the article's "total error")
    train_loss: np.ndarray  # [K] mean data loss per training point


@dataclass(frozen=True)
class StepRecord:
    """What one call to Engine.step(n) produced, one row per step, one column per model."""

    first_step: int  # 1-based index of the first row's step
    data_loss: np.ndarray  # [n, K]
    penalty: np.ndarray  # [n, K] penalty of the weights the step started from
    epochs: tuple[EpochRecord, ...]
    diverged: np.ndarray  # [K] after the last step

    @property
    def total(self) -> np.ndarray:
        return self.data_loss + self.penalty

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.first_step, self.first_step + len(self.data_loss))


@dataclass(frozen=True)
class Snapshot:
    step: int
    epoch: int
    weights: tuple[np.ndarray, ...]  # per layer [K, in, out]
    biases: tuple[np.ndarray, ...]  # per layer [K, out]
    prelu_slopes: tuple[np.ndarray, ...]  # per hidden layer [K, units]; empty unless PReLU
    diverged: np.ndarray  # [K]

    def member(self, k: int) -> "Snapshot":
        return Snapshot(
            self.step,
            self.epoch,
            tuple(w[k : k + 1] for w in self.weights),
            tuple(b[k : k + 1] for b in self.biases),
            tuple(s[k : k + 1] for s in self.prelu_slopes),
            self.diverged[k : k + 1],
        )
