"""The batched engine: hand-written backward vs autograd, penalty bookkeeping, hyper-parameter
changes between steps, epochs and shuffling. Ensemble vs solo and divergence: test_engine_ensemble.py;
the L1 rules inside the engine: test_engine_rules.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from regviz.core import regularizers
from regviz.core.activations import get_activation
from regviz.core.config import ConfigError
from regviz.core.engine import Engine, MemberSpec
from regviz.core.experiments import build_engine

from engine_oracle import batch_at, reference_step
from engine_kinds import engine_kind  # noqa: F401  (every test here runs on both engines)

# ---------------------------------------------------------------- an autograd reference
REF_MEMBERS = [
    MemberSpec(seed=11, method="none", lam=0.0, learning_rate=0.01),
    MemberSpec(seed=12, method="l2", lam=0.3, learning_rate=0.02),
    MemberSpec(seed=13, method="l1", lam=0.3, l1_rule="subgradient", learning_rate=0.01),
    MemberSpec(seed=14, method="elasticnet", lam=0.2, rho=0.3, learning_rate=0.015),
]


def _check_step_against_autograd(seed_cfg, activation, loss, batch_size, members, warmup=3, delta=3.0, rtol=1e-10):
    cfg = seed_cfg.replace(
        **{
            "model.activation": activation,
            "training.loss": loss,
            "training.huber_delta": delta,
            "training.batch_size": batch_size,
        }
    )
    engine = build_engine(cfg, members)
    engine.step(warmup)  # start from a state with non-zero biases (and moved PReLU slopes)
    before = engine.snapshot()
    xb, yb = batch_at(engine, engine.step_count)
    assert len(xb) == batch_size
    record = engine.step(1)
    after = engine.snapshot()
    act = engine.activation
    for k, spec in enumerate(members):
        new_w, new_b, new_s, data, pen = reference_step(before, k, act, xb, yb, loss, delta, spec)
        for layer, w in enumerate(new_w):
            np.testing.assert_allclose(after.weights[layer][k], w, rtol=rtol, atol=1e-13,
                                       err_msg=f"member {k} ({spec.method}) weights of layer {layer}")
        for layer, b in enumerate(new_b):
            np.testing.assert_allclose(after.biases[layer][k], b, rtol=rtol, atol=1e-13,
                                       err_msg=f"member {k} ({spec.method}) biases of layer {layer}")
        assert len(new_s) == len(after.prelu_slopes)
        for layer, s in enumerate(new_s):
            np.testing.assert_allclose(after.prelu_slopes[layer][k], s, rtol=rtol, atol=1e-13,
                                       err_msg=f"member {k} PReLU slopes of layer {layer}")
        assert record.data_loss[0, k] == pytest.approx(data, rel=1e-12)
        assert record.penalty[0, k] == pytest.approx(pen, rel=1e-12, abs=1e-15)
    # the step really moved every parameter group (the comparison is not vacuous)
    assert not np.array_equal(before.weights[0], after.weights[0])
    assert not np.array_equal(before.biases[-1], after.biases[-1])


BACKWARD_ACTIVATIONS = ["linear", "tanh", "sigmoid", "relu", "elu", "leaky_relu", "prelu"]


@pytest.mark.parametrize("batch_size", [1, 4])
@pytest.mark.parametrize("loss", ["abs", "squared", "huber"])
@pytest.mark.parametrize(
    "activation",
    BACKWARD_ACTIVATIONS,
)
def test_backward_matches_autograd(seed_cfg, activation, loss, batch_size):
    _check_step_against_autograd(seed_cfg, activation, loss, batch_size, REF_MEMBERS)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_backward_matches_autograd_fresh_init_all_subgradient_l1(seed_cfg, batch_size):
    """From the initial state (zero biases) with only subgradient L1 members (no rule masks at all)."""
    members = [MemberSpec(seed=s, method="l1", lam=0.3, learning_rate=0.01) for s in (0, 1, 2)]
    _check_step_against_autograd(seed_cfg, "tanh", "abs", batch_size, members, warmup=0)


def test_backward_matches_autograd_last_partial_batch(seed_cfg):
    """40 training points in batches of 3: the 14th step of an epoch has a single point."""
    cfg = seed_cfg.replace(**{"model.activation": "elu", "training.batch_size": 3, "training.loss": "squared"})
    engine = build_engine(cfg, REF_MEMBERS)
    assert engine.steps_per_epoch == 14
    engine.step(13)
    before = engine.snapshot()
    xb, yb = batch_at(engine, engine.step_count)
    assert len(xb) == 1
    engine.step(1)
    after = engine.snapshot()
    for k, spec in enumerate(REF_MEMBERS):
        new_w, new_b, _, _, _ = reference_step(before, k, engine.activation, xb, yb, "squared", 1.0, spec)
        for layer in range(len(new_w)):
            np.testing.assert_allclose(after.weights[layer][k], new_w[layer], rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(after.biases[layer][k], new_b[layer], rtol=1e-10, atol=1e-13)


# ---------------------------------------------------------------- penalty bookkeeping
@pytest.mark.parametrize("members", [REF_MEMBERS, [MemberSpec(seed=3, method="l1", lam=0.3)]], ids=["mixed", "l1-only"])
def test_step_record_penalty_is_the_formula_on_step_start_weights(seed_cfg, members):
    engine = build_engine(seed_cfg, members)
    engine.step(25)
    snap = engine.snapshot()
    assert any(np.abs(b).max() > 1e-3 for b in snap.biases)  # biases exist and are not zero
    record = engine.step(1)
    for k, spec in enumerate(members):
        ws = [w[k] for w in snap.weights]
        expected = regularizers.penalty_numpy(ws, spec.method, spec.lam, spec.rho)
        assert record.penalty[0, k] == pytest.approx(expected, rel=1e-12, abs=1e-15)
        if spec.method != "none":
            # biases are not penalised: including them would give a different number
            with_biases = regularizers.penalty_numpy(ws + [b[k] for b in snap.biases], spec.method, spec.lam, spec.rho)
            assert abs(with_biases - record.penalty[0, k]) > 1e-6
    np.testing.assert_allclose(record.total, record.data_loss + record.penalty)


def test_biases_get_no_weight_decay(seed_cfg):
    """From trained, non-zero biases, one step with a strong L2 penalty moves every bias by exactly
    -lr * (the data gradient), which autograd gives from the data loss alone: a decayed bias would
    be off by lr * lambda * b."""
    lam, lr = 5.0, 0.01
    engine = build_engine(seed_cfg, [MemberSpec(seed=5, method="l2", lam=lam, learning_rate=lr)])
    engine.step(30)
    before = engine.snapshot()
    assert all(np.abs(b[0]).max() > 1e-3 for b in before.biases)
    xb, yb = batch_at(engine, engine.step_count)
    engine.step(1)
    after = engine.snapshot()
    weights = [torch.tensor(w[0]) for w in before.weights]
    biases = [torch.tensor(b[0], requires_grad=True) for b in before.biases]
    h = torch.tensor(xb, dtype=torch.float64).view(-1, 1)
    for w, b in zip(weights, biases):
        h = h @ w + b  # the seed preset's network is affine
    data_loss = (h - torch.tensor(yb, dtype=torch.float64).view(-1, 1)).abs().sum()
    grads = torch.autograd.grad(data_loss, biases)
    for b_before, b_after, g in zip(before.biases, after.biases, grads):
        np.testing.assert_allclose(b_after[0], b_before[0] - lr * g.numpy(), rtol=1e-12, atol=1e-15)
        decayed = b_before[0] - lr * (g.numpy() + lam * b_before[0])
        assert np.abs(b_after[0] - decayed).max() > 1e-5  # the test can tell the two apart


def test_step_in_chunks_equals_step_at_once(seed_cfg, mixed_members):
    whole = build_engine(seed_cfg, mixed_members)
    ra = whole.step(100)
    a = whole.snapshot()
    engine = build_engine(seed_cfg, mixed_members)
    rows = [engine.step(n) for n in (1, 38, 1, 0, 60)]
    b = engine.snapshot()
    for x, y in zip(a.weights, b.weights):
        assert np.array_equal(x, y)
    assert np.array_equal(ra.data_loss, np.concatenate([r.data_loss for r in rows]))
    assert [r.first_step for r in rows] == [1, 2, 40, 41, 41]
    assert rows[3].data_loss.shape == (0, len(mixed_members))


def test_initialisation_is_xavier_uniform_with_zero_biases(seed_cfg):
    engine = build_engine(seed_cfg, [MemberSpec(seed=s) for s in range(20)])
    snap = engine.snapshot()
    assert snap.step == 0 and snap.epoch == 0
    for w, (fan_in, fan_out) in zip(snap.weights, [(1, 10), (10, 10), (10, 10), (10, 1)]):
        assert w.shape == (20, fan_in, fan_out)
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.8 * bound  # spread over the range
    for b, out in zip(snap.biases, (10, 10, 10, 1)):
        assert b.shape == (20, out) and not b.any()
    assert snap.prelu_slopes == ()
    assert len({snap.weights[1][k].tobytes() for k in range(20)}) == 20  # fresh init per seed


# ---------------------------------------------------------------- hyper-parameters between steps
def test_lambda_change_without_reset_takes_effect(seed_cfg):
    members = [MemberSpec(seed=1, method="l1", lam=0.3), MemberSpec(seed=2, method="l2", lam=0.3)]
    engine = build_engine(seed_cfg, members)
    first = engine.step(20)
    assert (first.penalty > 0).all()
    engine.update_members(lam=0.0)
    assert [m.lam for m in engine.members] == [0.0, 0.0]
    second = engine.step(20)
    assert (second.penalty == 0).all()
    assert second.first_step == 21
    # back on, for one model only
    engine.update_members([1], lam=1.0)
    third = engine.step(5)
    assert (third.penalty[:, 0] == 0).all() and (third.penalty[:, 1] > 0).all()


def test_lambda_change_equals_a_fresh_engine_from_the_same_state(seed_cfg):
    """Changing lambda mid-run and continuing equals training with the new lambda from that point on:
    checked against autograd for the step right after the change."""
    members = [MemberSpec(seed=1, method="l1", lam=0.3), MemberSpec(seed=2, method="l2", lam=0.3)]
    engine = build_engine(seed_cfg, members)
    engine.step(10)
    engine.update_members(lam=0.05, learning_rate=0.03)
    before = engine.snapshot()
    xb, yb = batch_at(engine, engine.step_count)
    engine.step(1)
    after = engine.snapshot()
    for k, spec in enumerate(engine.members):
        assert spec.lam == 0.05 and spec.learning_rate == 0.03
        new_w, _, _, _, _ = reference_step(before, k, engine.activation, xb, yb, "abs", 1.0, spec)
        for layer in range(len(new_w)):
            np.testing.assert_allclose(after.weights[layer][k], new_w[layer], rtol=1e-10, atol=1e-13)


def test_set_members_changes_method_and_rule_between_steps(seed_cfg):
    engine = build_engine(seed_cfg, [MemberSpec(seed=1, method="l1", lam=0.3)] * 2)
    engine.step(200)
    assert engine.snapshot().weights[1].ravel().__eq__(0).sum() == 0  # subgradient: no exact zeros
    engine.set_members([MemberSpec(seed=1, method="l1", lam=0.3, l1_rule="proximal"),
                        MemberSpec(seed=1, method="none", lam=0.3)])
    rec = engine.step(40)
    snap = engine.snapshot()
    assert (snap.weights[1][0] == 0).sum() > 10  # proximal now gives exact zeros
    assert (snap.weights[1][1] == 0).sum() == 0
    assert (rec.penalty[:, 1] == 0).all() and (rec.penalty[:, 0] > 0).all()


def test_set_members_validates(seed_cfg):
    engine = build_engine(seed_cfg, [MemberSpec(seed=1)] * 2)
    with pytest.raises(ConfigError):
        engine.set_members([MemberSpec(seed=1)])  # the size is fixed
    with pytest.raises(ConfigError) as info:
        engine.update_members(lam=-1.0)
    assert info.value.field_name == "regularization.lam"
    with pytest.raises(ConfigError) as info:
        engine.update_members(learning_rate=0.0)
    assert info.value.field_name == "training.learning_rate"
    with pytest.raises(ConfigError):
        engine.update_members(method="l3")
    with pytest.raises(ConfigError):
        engine.update_members(l1_rule="magic")
    assert [m.lam for m in engine.members] == [0.3, 0.3]  # a refused change changes nothing
    engine.step(1)


def test_engine_rejects_bad_construction(seed_cfg):
    engine = build_engine(seed_cfg, [MemberSpec()])
    ds, act = engine.dataset, engine.activation
    with pytest.raises(ConfigError):
        Engine(ds, (1, 10, 1), act, [])
    with pytest.raises(ConfigError):
        Engine(ds, (1, 10, 1), act, [MemberSpec()], loss="hinge")
    with pytest.raises(ConfigError):
        Engine(ds, (2, 10, 1), act, [MemberSpec()])
    with pytest.raises(ConfigError):
        Engine(ds, (1, 10, 1), act, [MemberSpec(lam=float("nan"))])


def test_set_activation_params_between_steps(seed_cfg):
    cfg = seed_cfg.replace(**{"model.activation": "leaky_relu"})
    engine = build_engine(cfg, [MemberSpec(seed=1)])
    engine.step(3)
    x = np.linspace(-5, 5, 11)
    first_before = engine.pre_activations(x)[0]
    pred_before = engine.predict(x)
    engine.set_activation(get_activation("leaky_relu", {"slope": 0.5}))
    assert engine.activation.slope == 0.5
    assert not np.array_equal(engine.predict(x), pred_before)  # the new slope is used
    np.testing.assert_array_equal(engine.pre_activations(x)[0], first_before)  # weights unchanged
    with pytest.raises(ConfigError):
        engine.set_activation(get_activation("tanh"))


# ---------------------------------------------------------------- epochs, shuffling
@pytest.mark.parametrize("batch_size, per_epoch", [(1, 40), (4, 10), (3, 14), (40, 1), (1000, 1)])
def test_epoch_records_every_steps_per_epoch(seed_cfg, batch_size, per_epoch):
    cfg = seed_cfg.replace(**{"training.batch_size": batch_size})
    engine = build_engine(cfg, [MemberSpec(seed=1), MemberSpec(seed=2, method="l2")])
    assert engine.steps_per_epoch == per_epoch
    steps = 2 * per_epoch + 1
    rec = engine.step(steps)
    done = steps // per_epoch  # 2, or 3 when an epoch is a single step
    assert [e.epoch for e in rec.epochs] == list(range(1, done + 1))
    assert [e.step for e in rec.epochs] == [per_epoch * (i + 1) for i in range(done)]
    assert engine.epoch == done and engine.step_count == steps
    for e in rec.epochs:
        assert e.test_error.shape == (2,) and e.train_loss.shape == (2,)
        assert np.isfinite(e.test_error).all()
    rec2 = engine.step(per_epoch - 1)
    expected_next = [] if per_epoch == 1 else [done + 1]
    assert [e.epoch for e in rec2.epochs] == expected_next
    assert engine.snapshot().epoch == done + len(expected_next)
    assert rec.data_loss.shape == (steps, 2)
    np.testing.assert_array_equal(rec.steps, np.arange(1, steps + 1))


def test_epoch_record_test_error_is_sum_of_abs_test_errors(seed_cfg):
    engine = build_engine(seed_cfg, [MemberSpec(seed=1), MemberSpec(seed=2, method="l2")])
    rec = engine.step(40)
    ds = engine.dataset
    pred_test = engine.predict(ds.x_test)
    pred_train = engine.predict(ds.x_train)
    np.testing.assert_allclose(rec.epochs[0].test_error, np.abs(pred_test - ds.y_test).sum(1), rtol=1e-12)
    np.testing.assert_allclose(rec.epochs[0].train_loss, np.abs(pred_train - ds.y_train).mean(1), rtol=1e-12)
    ev = engine.evaluate()
    np.testing.assert_allclose(ev.test_error, rec.epochs[0].test_error)
    assert engine.epoch == 1  # evaluate() does not count an epoch


def _order_from_losses(record, engine, k):
    """With a learning rate too small to move any weight, model k is a fixed function f and the loss at
    each step is |f(x_i) - y_i| for the point i it saw: recover i."""
    ds = engine.dataset
    per_point = np.abs(engine.predict(ds.x_train)[k] - ds.y_train)
    assert len(np.unique(np.round(per_point, 9))) == ds.n_train  # identifiable
    return np.array([int(np.argmin(np.abs(per_point - loss))) for loss in record.data_loss[:, k]])


@pytest.mark.parametrize("shuffle", [False, True])
def test_shuffle_keeps_every_model_on_the_same_data_stream(seed_cfg, shuffle):
    cfg = seed_cfg.replace(**{"training.shuffle": shuffle})
    members = [MemberSpec(seed=s, method="none", lam=0.0, learning_rate=1e-300) for s in (1, 2, 3)]
    engine = build_engine(cfg, members)
    start = engine.snapshot()
    rec = engine.step(3 * 40)
    assert all(np.array_equal(a, b) for a, b in zip(start.weights, engine.snapshot().weights))  # frozen in effect
    orders = [_order_from_losses(rec, engine, k) for k in range(3)]
    assert np.array_equal(orders[0], orders[1]) and np.array_equal(orders[0], orders[2])
    epochs = orders[0].reshape(3, 40)
    for epoch in epochs:
        assert sorted(epoch.tolist()) == list(range(40))  # every point once per epoch
    if shuffle:
        assert not np.array_equal(epochs[0], np.arange(40))
        assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[1], epochs[2])
    else:
        assert all(np.array_equal(e, np.arange(40)) for e in epochs)


def test_snapshot_member_and_outputs_are_numpy_copies(seed_cfg, mixed_members):
    engine = build_engine(seed_cfg.replace(**{"model.activation": "prelu"}), mixed_members[:3])
    engine.step(5)
    snap = engine.snapshot()
    one = snap.member(1)
    assert one.weights[0].shape == (1, 1, 10) and one.prelu_slopes[0].shape == (1, 10)
    np.testing.assert_array_equal(one.weights[2][0], snap.weights[2][1])
    assert isinstance(snap.weights[0], np.ndarray)
    snap.weights[0][...] = 123.0  # mutating a snapshot must not touch the engine
    assert not np.array_equal(engine.snapshot().weights[0], snap.weights[0])
    pre = engine.pre_activations(np.array([1.0, 2.0]))
    assert [p.shape for p in pre] == [(3, 2, 10)] * 3
    assert engine.predict(np.array([1.0, 2.0, 3.0])).shape == (3, 3)
