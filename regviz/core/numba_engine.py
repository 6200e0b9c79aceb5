"""The compiled engine: the torch engine's interface (engine.py) over numba kernels
(numba_kernels.py, numba_train.py). No torch here: the trainer process can train without importing it.

`step(n)` is one compiled call (a few for very long runs): the kernel loops over the steps and the
epochs itself and writes the per-step losses into arrays, so Python costs per call, not per step.
Shuffle orders and RReLU's random slopes are drawn here, with numpy, from the same generators as
the torch engine's, before the call.
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from regviz.core import numba_kernels as kernels
from regviz.core import numba_train
from regviz.core.activation_spec import kernel_code, rrelu_generator, spec_of
from regviz.core.config import ConfigError
from regviz.core.data import Dataset
from regviz.core.engines import default_threads
from regviz.core.network import initial_snapshot
from regviz.core.engine_setup import EngineSetup
from regviz.core.records import EpochRecord, EpochTable, MemberSpec, Snapshot, StepRecord

LOSS_IDS = {"abs": kernels.ABS, "squared": kernels.SQUARED, "huber": kernels.HUBER}
RULE_IDS = {None: kernels.NO_L1, "subgradient": kernels.SUBGRADIENT, "clip": kernels.CLIP,
            "proximal": kernels.PROXIMAL}
# Threads share out the models of one call when it has at least this many model-steps per thread
# (starting a thread costs about as much as a few hundred model-steps).
PARALLEL_MIN_WORK = 20_000
# The most floats one kernel call's outputs and random draws may hold; longer runs take several calls.
CALL_FLOATS = 4_000_000


class NumbaEngine(EngineSetup):
    def __init__(
        self,
        dataset: Dataset,
        layer_sizes: Sequence[int],
        activation,
        members: Sequence[MemberSpec],
        loss: str = "abs",
        huber_delta: float = 1.0,
        batch_size: int = 1,
        shuffle: bool = False,
        order_seed: int = 0,
        threads: int | None = None,
    ):
        """As Engine; `threads` caps the threads one step() may use (None: every core)."""
        self._set_up(dataset, layer_sizes, activation, members, loss, huber_delta, batch_size, shuffle, order_seed)
        self.threads = threads
        self._order = np.arange(dataset.n_train, dtype=np.int64)
        self._data = tuple(np.ascontiguousarray(v, dtype=np.float64).reshape(-1).copy()
                           for v in (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test))
        self._layout()
        self._act_id, self._act_params = kernel_code(activation)
        k = len(members)
        start = initial_snapshot(self.layer_sizes, spec_of(activation), [m.seed for m in members])
        self._W = np.ascontiguousarray(np.concatenate([w.reshape(k, -1) for w in start.weights], axis=1))
        self._B = np.zeros((k, int(self._boff[-1])))
        self._learnable = spec_of(activation).learnable
        self._S = np.zeros((k, int(self._boff[-1]) if self._learnable else 1))
        if self._learnable:
            self._S[:, :] = spec_of(activation).params.get("init", 0.25)
        self._diverged = np.zeros(k, dtype=np.bool_)
        self._rrelu_rngs = [rrelu_generator(m.seed) for m in members] if spec_of(activation).name == "rrelu" else []
        self.set_members(members)

    # ------------------------------------------------------------------ set-up
    def _layout(self) -> None:
        sizes = self.layer_sizes
        self._sizes = np.array(sizes, dtype=np.int64)
        self._woff = np.cumsum([0] + [a * b for a, b in zip(sizes[:-1], sizes[1:])], dtype=np.int64)
        self._boff = np.cumsum([0] + list(sizes[1:]), dtype=np.int64)
        self._uoff = np.cumsum([0] + list(sizes), dtype=np.int64)
        self._hidden_units = int(sum(sizes[1:-1]))

    def set_members(self, members: Sequence[MemberSpec]) -> None:
        """Change lambda, learning rate, regularizer or L1 rule of every model, between steps."""
        coeffs = self._take_members(members)
        members = self._members
        self._l1 = np.array([c[0] for c in coeffs], dtype=np.float64)
        self._l2 = np.array([c[1] for c in coeffs], dtype=np.float64)
        self._lr = np.array([m.learning_rate for m in members], dtype=np.float64)
        self._lr_l1 = np.array([m.learning_rate * l1 for m, (l1, _) in zip(members, coeffs)], dtype=np.float64)
        self._rules = np.array([RULE_IDS[m.l1_term_rule] for m in members], dtype=np.int64)
        self._any_l2 = bool((self._l2 != 0).any())

    def set_activation(self, activation) -> None:
        """Change the activation's parameters between steps; another kind needs a new engine."""
        if spec_of(activation).name != spec_of(self.activation).name:
            raise ConfigError("model.activation", activation.name, f"{self.activation.name} (a new kind needs a reset)")
        self.activation = activation
        self._act_id, self._act_params = kernel_code(activation)

    @property
    def size(self) -> int:
        return self._W.shape[0]

    @property
    def diverged(self) -> np.ndarray:
        return self._diverged.copy()

    # ------------------------------------------------------------------ training
    def step(self, n: int = 1) -> StepRecord:
        """Train every model for n optimizer steps on the same mini-batches."""
        first = self.step_count + 1
        per_step = self.size * (2 + (self.batch_size * self._hidden_units if self._rrelu_rngs else 0))
        chunk = max(self.steps_per_epoch, CALL_FLOATS // max(1, per_step))
        data, pens, epochs = [], [], []
        left = int(n)
        while left > 0:
            count = min(left, chunk)
            d, p, e = self._run(count)
            data.append(d)
            pens.append(p)
            epochs.append(e)
            left -= count
        if not data:
            return StepRecord(first, np.zeros((0, self.size)), np.zeros((0, self.size)), EpochTable.empty(self.size),
                              self.diverged)
        data_loss = data[0].T.copy() if len(data) == 1 else np.concatenate(data, axis=1).T.copy()
        penalty = pens[0].T.copy() if len(pens) == 1 else np.concatenate(pens, axis=1).T.copy()
        return StepRecord(first, data_loss, penalty, EpochTable.concat(epochs, self.size), self.diverged)

    def _run(self, count: int) -> tuple[np.ndarray, np.ndarray, EpochTable]:
        """`count` steps in one kernel call: per-step losses [K, count] and the epochs completed."""
        k, spe, n_train = self.size, self.steps_per_epoch, self.dataset.n_train
        steps = self.step_count + np.arange(count, dtype=np.int64)
        positions = steps % spe
        rows = [self._order]
        if self.shuffle:
            for _ in range(int((positions == 0).sum())):
                self._order = self._order_rng.permutation(n_train).astype(np.int64)
                rows.append(self._order)
        orders = np.ascontiguousarray(np.stack(rows))
        draws, dstart = self._draws(positions)
        ends = steps[(steps + 1) % spe == 0] + 1
        data = np.empty((k, count))
        pens = np.empty((k, count))
        ep_test = np.empty((k, len(ends)))
        ep_train = np.empty((k, len(ends)))
        xtr, ytr, xte, yte = self._data
        args = (self._W, self._B, self._S, self._sizes, self._woff, self._boff, self._uoff, self._act_id,
                self._act_params[0], self._act_params[1], LOSS_IDS[self.loss], self.huber_delta, self._l1, self._l2,
                self._lr, self._lr_l1, self._rules, self._any_l2, xtr, ytr, xte, yte, orders, self.shuffle,
                self.step_count, spe, self.batch_size, draws, dstart, self._diverged, data, pens, ep_test, ep_train)
        self._train(args, count)
        numbers = self.epoch + 1 + np.arange(len(ends), dtype=np.int64)
        epochs = EpochTable(numbers, ends, ep_test.T.copy(), ep_train.T.copy())
        self.epoch += len(ends)
        self.step_count += count
        return data, pens, epochs

    def _draws(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """RReLU's uniforms for these steps, per model [K, total], and where each step's start."""
        if not self._rrelu_rngs:
            return np.zeros((self.size, 1)), np.zeros(len(positions), dtype=np.int64)
        rows = np.minimum(self.batch_size, self.dataset.n_train - positions * self.batch_size)
        per_step = rows * self._hidden_units
        dstart = np.concatenate([[0], np.cumsum(per_step)[:-1]]).astype(np.int64)
        total = int(per_step.sum())
        draws = np.empty((self.size, max(total, 1)))
        for k, rng in enumerate(self._rrelu_rngs):
            draws[k, :total] = rng.random(total)
        return draws, dstart

    def _train(self, args: tuple, count: int) -> None:
        """One kernel call over all the models, or over disjoint ranges of them on several threads
        (the kernel releases the GIL) when there is enough work to share."""
        k = self.size
        threads = self.threads if self.threads is not None else default_threads()
        threads = max(1, min(int(threads), k, k * count // PARALLEL_MIN_WORK or 1))
        if threads == 1:
            numba_train.train_models(0, k, *args)
            return
        bounds = [k * i // threads for i in range(threads + 1)]
        errors: list[BaseException] = []

        def run(k0: int, k1: int) -> None:
            try:
                numba_train.train_models(k0, k1, *args)
            except BaseException as exc:  # noqa: BLE001  (re-raised in the calling thread)
                errors.append(exc)

        helpers = [threading.Thread(target=run, args=(bounds[i], bounds[i + 1]), daemon=True)
                   for i in range(1, threads)]
        for helper in helpers:
            helper.start()
        run(bounds[0], bounds[1])
        for helper in helpers:
            helper.join()
        if errors:
            raise errors[0]

    # ------------------------------------------------------------------ evaluation
    def evaluate(self) -> EpochRecord:
        """Test error and train loss of the current weights (without counting an epoch)."""
        xtr, ytr, xte, yte = self._data
        with np.errstate(all="ignore"):  # a diverged model's numbers are replaced below
            test = np.abs(self.predict(xte) - yte).sum(axis=1)
            err = self.predict(xtr) - ytr
            if self.loss == "abs":
                losses = np.abs(err)
            elif self.loss == "squared":
                losses = err * err
            else:
                quadratic = np.minimum(np.abs(err), self.huber_delta)
                losses = 0.5 * quadratic * quadratic + self.huber_delta * (np.abs(err) - quadratic)
            train = losses.sum(axis=1) / self.dataset.n_train
        test[self._diverged] = np.nan
        train[self._diverged] = np.nan
        return EpochRecord(self.epoch, self.step_count, test, train)

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
        out = np.empty((self.size, len(xs)))
        pre = np.empty((self.size, len(xs), max(self._hidden_units, 1)))
        numba_train.predict_all(self._W, self._B, self._S, self._sizes, self._woff, self._boff, self._uoff,
                            self._act_id, self._act_params[0], self._act_params[1], xs, out, pre)
        return out, pre

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions of every model at points x: [K, len(x)], test-time behaviour."""
        return self._forward(x)[0]

    def pre_activations(self, x: np.ndarray) -> list[np.ndarray]:
        """Hidden pre-activations at points x, per hidden layer [K, len(x), units]."""
        _, pre = self._forward(x)
        return [pre[:, :, a:b].copy() for a, b in zip(self._boff[:-2], self._boff[1:-1])]

    def restore(self, snap: Snapshot) -> None:
        """Continue from a snapshot of an engine with the same shapes (see Engine.restore)."""
        shapes = [(self.size, a, b) for a, b in zip(self.layer_sizes[:-1], self.layer_sizes[1:])]
        if [tuple(w.shape) for w in snap.weights] != shapes:
            raise ConfigError("snapshot", [w.shape for w in snap.weights], "the shapes of this engine's weights")
        self._W[:, :] = np.concatenate([np.asarray(w, dtype=np.float64).reshape(self.size, -1) for w in snap.weights],
                                       axis=1)
        self._B[:, :] = np.concatenate([np.asarray(b, dtype=np.float64) for b in snap.biases], axis=1)
        for (a, b), slopes in zip(zip(self._boff[:-2], self._boff[1:-1]), snap.prelu_slopes):
            self._S[:, a:b] = slopes
        self._diverged = np.asarray(snap.diverged, dtype=np.bool_).copy()
        self.step_count, self.epoch = int(snap.step), int(snap.epoch)
        if self.shuffle:
            self._order = self._order_rng.permutation(self.dataset.n_train).astype(np.int64)

    def snapshot(self) -> Snapshot:
        k = self.size
        weights = tuple(self._W[:, a:b].reshape(k, i, o).copy() for a, b, i, o in
                        zip(self._woff[:-1], self._woff[1:], self.layer_sizes[:-1], self.layer_sizes[1:]))
        biases = tuple(self._B[:, a:b].copy() for a, b in zip(self._boff[:-1], self._boff[1:]))
        slopes = tuple(self._S[:, a:b].copy() for a, b in zip(self._boff[:-2], self._boff[1:-1])) \
            if self._learnable else ()
        return Snapshot(self.step_count, self.epoch, weights, biases, slopes, self.diverged)
