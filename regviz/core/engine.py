"""K small regression networks trained in lockstep as one batched computation.

Every weight matrix is stored as [K, in, out] and the forward pass is a batched matmul, so ten or a
hundred models cost little more than one. The backward pass is written by hand (the nets are chains
of affine maps and elementwise activations) because autograd's bookkeeping costs more than the
arithmetic at this size; tests check it against autograd.

The small interface (configure, step, snapshot, change hyper-parameters) is what the worker and the
experiments use; nothing torch leaks out of it: records and snapshots are numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np
import torch

from regviz.core import regularizers
from regviz.core.activation_spec import rrelu_generator
from regviz.core.activations import Activation, BatchedContext
from regviz.core.config import ConfigError
from regviz.core.batched_products import _affine, _backprop, batched_matmul, sum_in_order
from regviz.core.data import Dataset
from regviz.core.network import initial_snapshot
from regviz.core.engine_setup import EngineSetup
from regviz.core.records import EpochRecord, EpochTable, MemberSpec, Snapshot, StepRecord

__all__ = ["Engine", "EpochRecord", "MemberSpec", "Snapshot", "StepRecord", "batched_matmul"]

DTYPE = torch.float64


class Engine(EngineSetup):
    def __init__(
        self,
        dataset: Dataset,
        layer_sizes: Sequence[int],
        activation: Activation,
        members: Sequence[MemberSpec],
        loss: str = "abs",
        huber_delta: float = 1.0,
        batch_size: int = 1,
        shuffle: bool = False,
        order_seed: int = 0,
    ):
        self._set_up(dataset, layer_sizes, activation, members, loss, huber_delta, batch_size, shuffle, order_seed)
        self._x_train = torch.as_tensor(dataset.x_train, dtype=DTYPE).view(-1, 1)
        self._y_train = torch.as_tensor(dataset.y_train, dtype=DTYPE).view(-1, 1)
        self._x_test = torch.as_tensor(dataset.x_test, dtype=DTYPE).view(-1, 1)
        self._y_test = torch.as_tensor(dataset.y_test, dtype=DTYPE).view(-1, 1)
        self._init_parameters(members)
        self._batches = self._make_batches(self._x_train, self._y_train)
        self.set_members(members)

    # ------------------------------------------------------------------ set-up
    def _init_parameters(self, members: Sequence[MemberSpec]) -> None:
        k = len(members)
        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        offsets = np.cumsum([0] + [i * o for i, o in shapes])
        # All weights live in one flat [K, P] buffer (layers are views) so penalties and update
        # rules run once over every weight instead of once per layer.
        self._flat_w = torch.empty(k, int(offsets[-1]), dtype=DTYPE)
        self._weights = [
            self._flat_w[:, offsets[i] : offsets[i + 1]].view(k, fan_in, fan_out)
            for i, (fan_in, fan_out) in enumerate(shapes)
        ]
        self._flat_grad = torch.zeros_like(self._flat_w)
        self._grad_views = [
            self._flat_grad[:, offsets[i] : offsets[i + 1]].view(k, fan_in, fan_out)
            for i, (fan_in, fan_out) in enumerate(shapes)
        ]
        # RReLU's random slopes: one numpy stream per model, so a model draws the same alone or in an
        # ensemble, and the same as in the compiled engine
        self._generators = [rrelu_generator(member.seed) for member in members]
        start = initial_snapshot(self.layer_sizes, self.activation, [m.seed for m in members])
        for w, init in zip(self._weights, start.weights):
            w.copy_(torch.as_tensor(init))
        # Biases and PReLU slopes (plain SGD, no penalty) share a second flat buffer.
        outs = [fan_out for _, fan_out in shapes]
        hidden = list(self.layer_sizes[1:-1]) if self.activation.learnable else []
        plain_sizes = outs + hidden
        plain_offsets = np.cumsum([0] + plain_sizes)
        self._flat_plain = torch.zeros(k, int(plain_offsets[-1]), dtype=DTYPE)
        self._flat_plain_grad = torch.zeros_like(self._flat_plain)
        views = [
            (self._flat_plain[:, a:b].view(k, 1, b - a), self._flat_plain_grad[:, a:b].view(k, 1, b - a))
            for a, b in zip(plain_offsets[:-1], plain_offsets[1:])
        ]
        self._biases = [v for v, _ in views[: len(outs)]]
        self._bias_grad_views = [g for _, g in views[: len(outs)]]
        self._slopes = [v for v, _ in views[len(outs) :]]
        self._slope_grad_views = [g for _, g in views[len(outs) :]]
        for slope in self._slopes:
            slope.fill_(self.activation.params.get("init", 0.25))
        self._diverged = torch.zeros(k, dtype=torch.bool)
        self._any_diverged = False
        self._train_context = BatchedContext(training=True, generators=self._generators)

    def set_members(self, members: Sequence[MemberSpec]) -> None:
        """Change lambda, learning rate, regularizer or L1 rule of every model, between steps."""
        coeffs = self._take_members(members)
        members = self._members
        self._l1 = torch.tensor([c[0] for c in coeffs], dtype=DTYPE)
        self._l2 = torch.tensor([c[1] for c in coeffs], dtype=DTYPE)
        self._lr = torch.tensor([m.learning_rate for m in members], dtype=DTYPE)
        self._l1_col, self._l2_col, self._lr_col = self._l1.view(-1, 1), self._l2.view(-1, 1), self._lr.view(-1, 1)
        self._l2_or_none = self._l2_col if bool((self._l2 != 0).any()) else None
        self._lr_l1_col = torch.tensor([m.learning_rate * l1 for m, (l1, _) in zip(members, coeffs)],
                                       dtype=DTYPE).view(-1, 1)
        # The L1 rule applies to the models that have an L1 term, and only to them.
        rules = [m.l1_term_rule for m in members]
        self._l1_rule_masks = {
            rule: torch.tensor([r == rule for r in rules]).view(-1, 1) for rule in sorted(set(rules) - {None})
        }
        self._all_have_l1 = None not in rules

    def set_activation(self, activation: Activation) -> None:
        """Change the activation's parameters between steps (leaky slope, ELU alpha, RReLU bounds).

        Switching to another kind of activation changes the model and needs a new engine.
        """
        if type(activation) is not type(self.activation):
            raise ConfigError("model.activation", activation.name, f"{self.activation.name} (a new kind needs a reset)")
        self.activation = activation

    @property
    def size(self) -> int:
        return self._flat_w.shape[0]

    @property
    def diverged(self) -> np.ndarray:
        return self._diverged.numpy().copy()

    # ------------------------------------------------------------------ training
    def step(self, n: int = 1) -> StepRecord:
        """Train every model for n optimizer steps on the same mini-batches."""
        data_rows, penalty_rows = [], []
        epochs = []
        first = self.step_count + 1
        with torch.no_grad():
            for _ in range(n):
                position = self.step_count % self.steps_per_epoch
                if position == 0 and self.shuffle:
                    order = torch.as_tensor(self._order_rng.permutation(self.dataset.n_train))
                    self._batches = self._make_batches(self._x_train[order], self._y_train[order])
                xb, yb = self._batches[position]
                frozen = self._diverged.clone() if self._any_diverged else None
                data_loss, penalty = self._train_step(xb, yb)
                if frozen is not None:  # a diverged model has no loss any more: gaps in the curves
                    data_loss = torch.where(frozen, math.nan, data_loss)
                    penalty = torch.where(frozen, math.nan, penalty)
                data_rows.append(data_loss)
                penalty_rows.append(penalty)
                self.step_count += 1
                if self.step_count % self.steps_per_epoch == 0:
                    self.epoch += 1
                    epochs.append(self._evaluate_epoch())
        data = torch.stack(data_rows).numpy() if n else np.zeros((0, self.size))
        pens = torch.stack(penalty_rows).numpy() if n else np.zeros((0, self.size))
        return StepRecord(first, data, pens, EpochTable.of(epochs, self.size), self.diverged)

    def _make_batches(self, x: torch.Tensor, y: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch's mini-batches, inputs already broadcast to [K, batch, 1] (sliced once, not per step)."""
        size = self.batch_size
        return [
            (x[start : start + size].unsqueeze(0).expand(self.size, -1, -1), y[start : start + size])
            for start in range(0, len(x), size)
        ]

    def _train_step(self, h: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One SGD step of every model on the batch h ([K, batch, 1]) with targets yb ([batch, 1])."""
        ctx = self._train_context
        inputs, derivs = [], []
        last = len(self._weights) - 1
        for layer, (w, b) in enumerate(zip(self._weights, self._biases)):
            inputs.append(h)
            z = _affine(h, w, b)
            if layer < last:
                h, d = self.activation.batched(z, self._context(ctx, layer))
                derivs.append((z, d))
            else:
                h = z
        err = h - yb
        data_loss, grad = self._data_loss_and_grad(err)
        penalty = self._penalty()

        single = yb.shape[0] == 1
        for layer in range(last, -1, -1):
            if layer < last:
                z, d = derivs[layer]
                if self._slopes:
                    self._slope_grad_views[layer].copy_(sum_in_order(grad * z.clamp(max=0), 1, keepdim=True))
                if d is not None:
                    grad = grad * d
            if single:  # the weight gradient of one sample is an outer product: cheaper than a matmul
                torch.mul(inputs[layer].transpose(1, 2), grad, out=self._grad_views[layer])
                self._bias_grad_views[layer].copy_(grad)
            else:
                self._grad_views[layer].copy_(batched_matmul(inputs[layer].transpose(1, 2), grad))
                self._bias_grad_views[layer].copy_(sum_in_order(grad, 1, keepdim=True))
            if layer > 0:
                grad = _backprop(grad, self._weights[layer])
        new_plain = regularizers.smooth_step(self._flat_plain, self._flat_plain_grad, self._lr_col, None)
        self._commit(data_loss, penalty, self._new_weights(), new_plain)
        return data_loss, penalty

    def _penalty(self) -> torch.Tensor:
        w = self._flat_w
        if self._l2_or_none is not None:
            return regularizers.penalty((w.unsqueeze(1),), self._l1, self._l2)
        return w.abs().sum(1).mul_(self._l1)

    def _context(self, ctx: BatchedContext, layer: int) -> BatchedContext:
        return replace(ctx, slopes=self._slopes[layer]) if self._slopes else ctx

    def _data_loss_and_grad(self, err: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.loss == "abs":
            return err.abs().sum((1, 2)), torch.sign(err)
        if self.loss == "squared":
            return (err * err).sum((1, 2)), 2.0 * err
        delta = self.huber_delta
        abs_err = err.abs()
        quadratic = abs_err.clamp(max=delta)
        loss = (0.5 * quadratic * quadratic + delta * (abs_err - quadratic)).sum((1, 2))
        return loss, err.clamp(-delta, delta)

    def _new_weights(self) -> torch.Tensor:
        """Every model's weights after this step: the smooth step, then each L1 model's own rule."""
        w = self._flat_w
        half = regularizers.smooth_step(w, self._flat_grad, self._lr_col, self._l2_or_none)
        new = half
        for rule, mask in self._l1_rule_masks.items():
            stepped = regularizers.l1_term_step(w, half, self._lr_l1_col, rule)
            new = stepped if self._all_have_l1 and len(self._l1_rule_masks) == 1 else torch.where(mask, stepped, new)
        return new

    def _commit(self, data_loss: torch.Tensor, penalty: torch.Tensor, new_w: torch.Tensor,
                new_plain: torch.Tensor) -> None:
        """Take the new parameters, except for models that diverge on this step (a NaN/Inf loss or
        penalty, or an update that overflows): those are flagged now and keep their last finite
        parameters from then on."""
        # One reduction and one sync per step: NaN and Inf survive a sum, so a finite sum means
        # every value is finite (a sum that overflows only means weights near 1e308: diverged too).
        check = data_loss + penalty + new_w.sum(1) + new_plain.sum(1)
        if self._any_diverged or not math.isfinite(check.sum().item()):
            self._diverged |= ~torch.isfinite(check)
            self._any_diverged = bool(self._diverged.any())
            frozen = self._diverged.view(-1, 1)
            new_w = torch.where(frozen, self._flat_w, new_w)
            new_plain = torch.where(frozen, self._flat_plain, new_plain)
        self._flat_w.copy_(new_w)
        self._flat_plain.copy_(new_plain)

    # ------------------------------------------------------------------ evaluation
    def _forward_eval(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        ctx = BatchedContext(training=False)
        h = x.unsqueeze(0).expand(self.size, -1, -1)
        pre = []
        last = len(self._weights) - 1
        for layer, (w, b) in enumerate(zip(self._weights, self._biases)):
            z = _affine(h, w, b)
            if layer < last:
                pre.append(z)
                h, _ = self.activation.batched(z, self._context(ctx, layer))
            else:
                h = z
        return h, pre

    def _evaluate_epoch(self) -> EpochRecord:
        test_pred, _ = self._forward_eval(self._x_test)
        test_error = (test_pred - self._y_test).abs().sum((1, 2))
        train_pred, _ = self._forward_eval(self._x_train)
        train_loss, _ = self._data_loss_and_grad(train_pred - self._y_train)
        if self._any_diverged:  # a frozen model's errors are not results
            test_error = torch.where(self._diverged, math.nan, test_error)
            train_loss = torch.where(self._diverged, math.nan, train_loss)
        return EpochRecord(
            self.epoch, self.step_count, test_error.numpy().copy(), (train_loss / self.dataset.n_train).numpy().copy()
        )

    def evaluate(self) -> EpochRecord:
        """Test error and train loss of the current weights (without counting an epoch)."""
        with torch.no_grad():
            return self._evaluate_epoch()

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions of every model at points x: [K, len(x)], test-time behaviour."""
        with torch.no_grad():
            out, _ = self._forward_eval(torch.as_tensor(np.asarray(x, dtype=np.float64)).view(-1, 1))
        return out[:, :, 0].numpy().copy()

    def pre_activations(self, x: np.ndarray) -> list[np.ndarray]:
        """Hidden pre-activations at points x, per hidden layer [K, len(x), units]."""
        with torch.no_grad():
            _, pre = self._forward_eval(torch.as_tensor(np.asarray(x, dtype=np.float64)).view(-1, 1))
        return [z.numpy().copy() for z in pre]

    def restore(self, snap: Snapshot) -> None:
        """Continue from a snapshot of an engine with the same shapes (a trainer that died and was
        started again): its parameters, step, epoch and divergence flags. The random streams
        (shuffle order, RReLU slopes) start afresh, so the run goes on but is not bit-identical
        to one that never stopped."""
        if [w.shape for w in snap.weights] != [tuple(w.shape) for w in self._weights]:
            raise ConfigError("snapshot", [w.shape for w in snap.weights], "the shapes of this engine's weights")
        for dst, src in zip(self._weights, snap.weights):
            dst.copy_(torch.as_tensor(src))
        for dst, src in zip(self._biases, snap.biases):
            dst.copy_(torch.as_tensor(src).unsqueeze(1))
        for dst, src in zip(self._slopes, snap.prelu_slopes):
            dst.copy_(torch.as_tensor(src).unsqueeze(1))
        self._diverged = torch.as_tensor(np.asarray(snap.diverged, bool)).clone()
        self._any_diverged = bool(self._diverged.any())
        self.step_count, self.epoch = int(snap.step), int(snap.epoch)
        if self.shuffle:
            order = torch.as_tensor(self._order_rng.permutation(self.dataset.n_train))
            self._batches = self._make_batches(self._x_train[order], self._y_train[order])

    def snapshot(self) -> Snapshot:
        return Snapshot(
            step=self.step_count,
            epoch=self.epoch,
            weights=tuple(w.numpy().copy() for w in self._weights),
            biases=tuple(b[:, 0, :].numpy().copy() for b in self._biases),
            prelu_slopes=tuple(s[:, 0, :].numpy().copy() for s in self._slopes),
            diverged=self.diverged,
        )
