"""What an engine takes and gives, as plain numpy: the models' specs, step and epoch records, and
weight snapshots. No torch here, so the GUI can read them without importing an engine."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

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
class EpochTable:
    """Epochs as columns, one row per epoch. A fast run completes hundreds of epochs between two
    frames of the window: as EpochRecords they cost ~1 us each to make and ~4 us each to pickle
    (2.7 ms a frame, 13 % of the window's trainer); as four arrays, next to nothing."""

    epoch: np.ndarray  # [n] 1-based epochs completed
    step: np.ndarray  # [n] steps completed when each was measured
    test_error: np.ndarray  # [n, K]
    train_loss: np.ndarray  # [n, K]

    def __len__(self) -> int:
        return len(self.step)

    @classmethod
    def empty(cls, k: int) -> "EpochTable":
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros((0, k)), np.zeros((0, k)))

    @classmethod
    def of(cls, records: Sequence[EpochRecord], k: int) -> "EpochTable":
        if not records:
            return cls.empty(k)
        return cls(np.array([e.epoch for e in records], dtype=np.int64),
                   np.array([e.step for e in records], dtype=np.int64),
                   np.array([e.test_error for e in records]), np.array([e.train_loss for e in records]))

    @classmethod
    def concat(cls, tables: Sequence["EpochTable"], k: int) -> "EpochTable":
        tables = [t for t in tables if len(t)]
        if len(tables) <= 1:
            return tables[0] if tables else cls.empty(k)
        return cls(*(np.concatenate([getattr(t, name) for t in tables])
                     for name in ("epoch", "step", "test_error", "train_loss")))

    def records(self) -> tuple[EpochRecord, ...]:
        return tuple(EpochRecord(e, s, test, train) for e, s, test, train
                     in zip(self.epoch.tolist(), self.step.tolist(), self.test_error, self.train_loss))


@dataclass(frozen=True)
class StepRecord:
    """What one call to Engine.step(n) produced, one row per step, one column per model."""

    first_step: int  # 1-based index of the first row's step
    data_loss: np.ndarray  # [n, K]
    penalty: np.ndarray  # [n, K] penalty of the weights the step started from
    epoch_table: EpochTable  # the epochs completed, as columns
    diverged: np.ndarray  # [K] after the last step

    @cached_property
    def epochs(self) -> tuple[EpochRecord, ...]:
        """The epochs completed, one record each (made when first asked for)."""
        return self.epoch_table.records()

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
