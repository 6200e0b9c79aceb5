"""What the window shows, without Qt: the run's set-up, the frames the worker sends, and the
accumulated live state the canvases draw from.

Data flows one way: worker -> TrainingFrame (signal) -> LiveState.apply() -> canvases render(state)
on a timer. Canvases only read a LiveState; they never train and never hold the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from regviz.core.activations import Activation
from regviz.core.config import ExperimentConfig
from regviz.core.data import Dataset
from regviz.core.records import EpochTable, MemberSpec, Snapshot
from regviz.gui.history import History
from regviz.gui.snapshots import SnapshotRecorder, capacity_for
from regviz.gui.weight_distribution import WeightDistributionHistory, histogram_limit
from regviz.gui.style import METHOD_COLORS, METHOD_LABELS  # noqa: F401 (METHOD_COLORS: for the views)
FIT_GRID_POINTS = 200
STEP_TERMS = ("data", "penalty", "total")
EPOCH_TERMS = ("test_error", "train_loss")
STEP_HISTORY_ROWS = 16384  # about 5 MB with four models; older steps are merged (history.py)


@dataclass(frozen=True)
class RunSetup:
    """Everything fixed for one run (until a reset): the canvases build their items from it."""

    config: ExperimentConfig
    dataset: Dataset
    layer_sizes: tuple[int, ...]
    activation: Activation
    members: tuple[MemberSpec, ...]
    fit_grid: np.ndarray  # x values of the prediction curves

    @property
    def size(self) -> int:
        return len(self.members)


def member_label(member: MemberSpec) -> str:
    name = METHOD_LABELS.get(member.method, member.method)
    return name if member.method == "none" else f"{name} λ={member.lam:g}"


def make_fit_grid(dataset: Dataset, points: int = FIT_GRID_POINTS) -> np.ndarray:
    low, high = dataset.x_range
    pad = 0.05 * (high - low)
    return np.linspace(low - pad, high + pad, points)


@dataclass(frozen=True)
class TrainingFrame:
    """One coalesced payload from the worker: every step since the last frame, newest state."""

    generation: int  # bumps at every reset, so a frame from before a reset is dropped
    first_step: int
    data_loss: np.ndarray  # [n, K]; n may be 0 (a state-only frame, e.g. after a reset)
    penalty: np.ndarray  # [n, K]
    epochs: EpochTable  # the epochs completed since the last frame
    snapshot: Snapshot
    prediction: np.ndarray  # [K, len(fit_grid)]
    pre_activations: tuple[np.ndarray, ...]  # per hidden layer [K, n_train, units]
    members: tuple[MemberSpec, ...]  # current hyper-parameters (they can change live)
    steps_per_second: float = 0.0
    finished: bool = False  # reached the target number of epochs
    target_epochs: int = 0  # where training stops: the config's epochs, more after a continued run
    sequence: int = 0  # the trainer's frame number; the GUI acknowledges each by it


@dataclass
class LiveState:
    setup: RunSetup
    version: int = 0  # bumps at every applied frame; canvases skip work when it has not moved
    snapshot: Snapshot | None = None
    prediction: np.ndarray | None = None
    pre_activations: tuple[np.ndarray, ...] = ()
    members: tuple[MemberSpec, ...] = ()
    steps_per_second: float = 0.0
    finished: bool = False
    target_epochs: int = 0
    step_capacity: int = STEP_HISTORY_ROWS
    history: History = field(init=False)  # per step: data, penalty, total
    epoch_history: History = field(init=False)  # per epoch: test_error, train_loss
    recorder: SnapshotRecorder = field(init=False)  # weight snapshots to replay and to save
    weights_over_time: WeightDistributionHistory = field(init=False)  # histograms of the weights per frame

    def __post_init__(self) -> None:
        k = self.setup.size
        self.members = self.setup.members
        self.target_epochs = self.setup.config.training.epochs
        self.history = History(k, STEP_TERMS, self.step_capacity)
        self.epoch_history = History(k, EPOCH_TERMS, max(4, self.step_capacity // 4))
        self.recorder = SnapshotRecorder(capacity_for(self.setup.layer_sizes, k, self.setup.activation.learnable))
        self.weights_over_time = WeightDistributionHistory(k, histogram_limit(self.setup.layer_sizes))

    def apply(self, frame: TrainingFrame) -> None:
        n = len(frame.data_loss)
        if n:
            self.history.extend(np.arange(frame.first_step, frame.first_step + n, dtype=float),
                                data=frame.data_loss, penalty=frame.penalty, total=frame.data_loss + frame.penalty)
        if len(frame.epochs):
            self.epoch_history.extend(frame.epochs.step, test_error=frame.epochs.test_error,
                                      train_loss=frame.epochs.train_loss)
        self.snapshot = frame.snapshot
        self.recorder.offer(frame.snapshot, frame.members)
        self.weights_over_time.record(frame.snapshot)
        self.prediction = frame.prediction
        self.pre_activations = frame.pre_activations
        self.members = frame.members
        self.steps_per_second = frame.steps_per_second
        self.finished = frame.finished
        self.target_epochs = frame.target_epochs or self.target_epochs
        self.version += 1

    # histories: per step (older rows are means over several steps, see history.py)
    @property
    def steps(self) -> np.ndarray:
        return self.history.x

    @property
    def data_loss(self) -> np.ndarray:
        return self.history.mean("data")

    @property
    def penalty(self) -> np.ndarray:
        return self.history.mean("penalty")

    @property
    def total_loss(self) -> np.ndarray:
        return self.history.mean("total")

    # histories: per epoch
    @property
    def epoch_steps(self) -> np.ndarray:
        return self.epoch_history.x

    @property
    def test_error(self) -> np.ndarray:
        return self.epoch_history.mean("test_error")

    @property
    def train_loss(self) -> np.ndarray:
        return self.epoch_history.mean("train_loss")

    @property
    def step(self) -> int:
        return 0 if self.snapshot is None else self.snapshot.step

    @property
    def epoch(self) -> int:
        return 0 if self.snapshot is None else self.snapshot.epoch

    @property
    def diverged(self) -> np.ndarray:
        return np.zeros(self.setup.size, bool) if self.snapshot is None else self.snapshot.diverged


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average along axis 0 (same length; the first rows average what exists)."""
    if window <= 1 or len(values) == 0:
        return values
    csum = np.cumsum(np.vstack([np.zeros((1,) + values.shape[1:]), values]), axis=0)
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(idx - window, 0)
    counts = (idx - start).reshape((-1,) + (1,) * (values.ndim - 1))
    return (csum[idx] - csum[start]) / counts


def make_setup(config: ExperimentConfig, members: Sequence[MemberSpec]) -> RunSetup:
    """The RunSetup of a config and its models, without building an engine."""
    from regviz.core.activations import get_activation
    from regviz.core.data import make_dataset

    dataset = make_dataset(config.data)
    return RunSetup(
        config=config,
        dataset=dataset,
        layer_sizes=config.model.layer_sizes,
        activation=get_activation(config.model.activation, config.model.activation_params),
        members=tuple(members),
        fit_grid=make_fit_grid(dataset),
    )


def initial_frame(setup: RunSetup, generation: int) -> TrainingFrame:
    """The untrained models, computed here with numpy: the canvases show them at once, before the
    trainer process (which imports torch) sends its first frame, which holds the same numbers."""
    from regviz.core.network import forward, initial_snapshot

    snap = initial_snapshot(setup.layer_sizes, setup.activation, [m.seed for m in setup.members])
    prediction, _ = forward(snap, setup.activation, setup.fit_grid)
    _, pre = forward(snap, setup.activation, setup.dataset.x_train)
    empty = np.zeros((0, setup.size))
    return TrainingFrame(generation=generation, first_step=1, data_loss=empty, penalty=empty,
                         epochs=EpochTable.empty(setup.size),
                         snapshot=snap, prediction=prediction, pre_activations=tuple(pre), members=setup.members,
                         target_epochs=setup.config.training.epochs)


def engine_for(setup: RunSetup, engine: str = "auto"):
    """The engine (engines.ENGINES) of a RunSetup, on the setup's own data (nothing is read from
    disk again)."""
    from regviz.core.experiments import build_engine

    return build_engine(setup.config, setup.members, setup.dataset, engine=engine)


def build_run(config: ExperimentConfig, members: Sequence[MemberSpec], engine: str = "auto"):
    """The engine (engines.ENGINES) and the matching RunSetup for a config and a list of models."""
    setup = make_setup(config, members)
    return engine_for(setup, engine), setup


def make_frame(engine, setup: RunSetup, generation: int, records: Sequence = (), steps_per_second: float = 0.0,
               finished: bool = False, target_epochs: int = 0, sequence: int = 0) -> TrainingFrame:
    """Merge the StepRecords since the last frame and read the newest state off the engine."""
    k = engine.size
    if records:
        data = np.concatenate([r.data_loss for r in records])
        penalty = np.concatenate([r.penalty for r in records])
        first = records[0].first_step
        epochs = EpochTable.concat([r.epoch_table for r in records], k)
    else:
        data = penalty = np.zeros((0, k))
        first, epochs = engine.step_count + 1, EpochTable.empty(k)
    return TrainingFrame(
        generation=generation,
        first_step=first,
        data_loss=data,
        penalty=penalty,
        epochs=epochs,
        snapshot=engine.snapshot(),
        prediction=engine.predict(setup.fit_grid),
        pre_activations=tuple(engine.pre_activations(setup.dataset.x_train)),
        members=engine.members,
        steps_per_second=steps_per_second,
        finished=finished,
        target_epochs=target_epochs or setup.config.training.epochs,
        sequence=sequence,
    )
