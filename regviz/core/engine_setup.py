"""What every engine checks and keeps of its arguments, shared by the torch engine (engine.py) and
the compiled one (numba_engine.py) so that both refuse and size things the same way."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from regviz.core import regularizers
from regviz.core.config import LOSSES, ConfigError
from regviz.core.data import Dataset
from regviz.core.records import MemberSpec


class EngineSetup:
    def _set_up(self, dataset: Dataset, layer_sizes: Sequence[int], activation, members: Sequence[MemberSpec],
                loss: str, huber_delta: float, batch_size: int, shuffle: bool, order_seed: int) -> None:
        if not members:
            raise ConfigError("members", len(members), "at least one model")
        if loss not in LOSSES:
            raise ConfigError("training.loss", loss, "one of " + ", ".join(LOSSES))
        if len(layer_sizes) < 2 or layer_sizes[0] != 1 or layer_sizes[-1] != 1:
            raise ConfigError("model.layer_sizes", tuple(layer_sizes), "1, hidden widths..., 1")
        self.dataset = dataset
        self.layer_sizes = tuple(int(s) for s in layer_sizes)
        self.activation = activation
        self.loss = loss
        self.huber_delta = float(huber_delta)
        self.batch_size = max(1, min(int(batch_size), dataset.n_train))
        self.shuffle = bool(shuffle)
        self.steps_per_epoch = math.ceil(dataset.n_train / self.batch_size)
        self.step_count = 0
        self.epoch = 0
        self._order_rng = np.random.default_rng(order_seed)

    def _take_members(self, members: Sequence[MemberSpec]) -> list[tuple[float, float]]:
        """Check and keep a new list of models (as many as before); their (l1, l2) coefficients."""
        members = list(members)
        if len(members) != self.size:
            raise ConfigError("members", len(members), f"{self.size} models (the ensemble size is fixed)")
        for member in members:
            member.validate()
        self._members = members
        return [regularizers.coefficients(m.method, m.lam, m.rho) for m in members]

    def update_members(self, indices: Sequence[int] | None = None, **changes) -> None:
        """Change some fields (lam, learning_rate, method, rho, l1_rule) of some or all models."""
        indices = range(self.size) if indices is None else indices
        members = list(self._members)
        for i in indices:
            members[i] = replace(members[i], **changes)
        self.set_members(members)

    @property
    def members(self) -> tuple[MemberSpec, ...]:
        return tuple(self._members)
