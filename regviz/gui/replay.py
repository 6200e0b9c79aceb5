"""A recorded moment of a run, shaped like a LiveState, without Qt.

The canvases render whatever has the LiveState attributes they read. A ReplayState takes the
weights, models and divergence flags from a recorded snapshot (the fit prediction and the hidden
pre-activations are recomputed from it with the numpy forward pass) and everything else, the loss
histories included, from the live state: training goes on while someone scrubs, and the loss
canvas keeps growing.
"""

from __future__ import annotations

import itertools

import numpy as np

from regviz.core.activations import Activation
from regviz.core.network import forward
from regviz.gui.history import History
from regviz.gui.session import LiveState, RunSetup
from regviz.gui.snapshots import RecordedSnapshot
from regviz.gui.weight_distribution import WeightDistributionHistory

_REPLAYS = itertools.count(1)


class ReplayState:
    """What the canvases draw while replaying `recorded` over the live state `live`."""

    def __init__(self, live: LiveState, recorded: RecordedSnapshot, activation: Activation | None = None):
        self.live = live
        self.recorded = recorded
        self.snapshot = recorded.snapshot
        self.members = recorded.members or live.members
        setup = live.setup
        activation = activation or setup.activation
        self.prediction, _ = forward(self.snapshot, activation, setup.fit_grid)
        _, pre = forward(self.snapshot, activation, setup.dataset.x_train)
        self.pre_activations = tuple(pre)
        self._token = next(_REPLAYS)

    @property
    def version(self) -> tuple:
        """Never equal to a live state's version (an int) nor to another replay's: the canvases
        redraw on entering and leaving a replay, and whenever the live histories move."""
        return ("replay", self._token, self.live.version)

    # from the recorded snapshot
    @property
    def step(self) -> int:
        return self.snapshot.step

    @property
    def epoch(self) -> int:
        return self.snapshot.epoch

    @property
    def diverged(self) -> np.ndarray:
        return self.snapshot.diverged

    # from the live state
    @property
    def setup(self) -> RunSetup:
        return self.live.setup

    @property
    def history(self) -> History:
        return self.live.history

    @property
    def epoch_history(self) -> History:
        return self.live.epoch_history

    @property
    def weights_over_time(self) -> WeightDistributionHistory:
        return self.live.weights_over_time

    @property
    def steps_per_second(self) -> float:
        return self.live.steps_per_second

    @property
    def finished(self) -> bool:
        return self.live.finished

    @property
    def target_epochs(self) -> int:
        return self.live.target_epochs

    @property
    def steps(self) -> np.ndarray:
        return self.live.steps

    @property
    def data_loss(self) -> np.ndarray:
        return self.live.data_loss

    @property
    def penalty(self) -> np.ndarray:
        return self.live.penalty

    @property
    def total_loss(self) -> np.ndarray:
        return self.live.total_loss

    @property
    def epoch_steps(self) -> np.ndarray:
        return self.live.epoch_steps

    @property
    def test_error(self) -> np.ndarray:
        return self.live.test_error

    @property
    def train_loss(self) -> np.ndarray:
        return self.live.train_loss
