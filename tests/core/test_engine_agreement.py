"""The compiled engine and the torch engine train the same numbers (issue 9): every activation,
loss, method and L1 rule, batch sizes 1 and 4, one model and ensembles of three, 1000 steps each;
weights, biases, PReLU slopes, losses and test errors agree to 1e-9.

The full product (8 x 3 x 4 x 3 x 2 x 2 = 1152 runs per engine) takes minutes, so by default a
covering subset runs: every activation x loss x L1 rule at least once (three-member ensembles, one
model per rule), methods none and L2 beside every activation, and every (method, rule) pair trained
alone, every factor value with both batch sizes. REGVIZ_FULL_AGREEMENT=1 runs the full product.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from regviz.core.activations import ACTIVATIONS
from regviz.core.config import L1_RULES, LOSSES, METHODS
from regviz.core.engines import resolve_engine
from regviz.core.experiments import build_engine
from regviz.core.records import MemberSpec

pytestmark = pytest.mark.skipif(resolve_engine("auto") != "numba", reason="numba does not import here")

STEPS = 1000
TOLERANCE = 1e-9
FULL = os.environ.get("REGVIZ_FULL_AGREEMENT") == "1"
ACTS, RULES = tuple(ACTIVATIONS), tuple(L1_RULES)


def _member(index: int, method: str, rule: str, loss: str) -> MemberSpec:
    # a summed squared loss needs smaller steps to stay finite; seeds and rates differ per member
    lr = (0.001 if loss == "squared" else 0.01) * (1.0 + 0.25 * index)
    return MemberSpec(seed=11 + index, method=method, lam=0.2, rho=0.6, l1_rule=rule, learning_rate=lr)


def _case(act, loss, batch, pairs, shuffle):
    return act, loss, batch, tuple(pairs), shuffle


def covering_cases():
    cases = []
    for i, (act, loss) in enumerate(itertools.product(ACTS, LOSSES)):  # every act x loss x rule
        pairs = [("l1", "subgradient"), ("elasticnet", "clip"), ("l1" if i % 2 else "elasticnet", "proximal")]
        cases.append(_case(act, loss, 1 if i % 2 == 0 else 4, pairs, i % 3 == 0))
    for i, act in enumerate(ACTS):  # no L1 term beside every activation, both batch sizes
        pairs = [("none", RULES[i % 3]), ("l2", RULES[(i + 1) % 3]), ("elasticnet", RULES[(i + 2) % 3])]
        cases.append(_case(act, LOSSES[i % 3], 4 if i % 2 == 0 else 1, pairs, i % 2 == 1))
    for i, (method, rule) in enumerate(itertools.product(METHODS, RULES)):  # alone: K = 1
        cases.append(_case(ACTS[(3 * i) % 8], LOSSES[i % 3], 1 + 3 * (i % 2), [(method, rule)], i % 4 == 0))
    return cases


def full_cases():
    cases = []
    for act, loss, method, rule, batch, k in itertools.product(ACTS, LOSSES, METHODS, RULES, (1, 4), (1, 3)):
        m, r = METHODS.index(method), RULES.index(rule)
        pairs = [(METHODS[(m + j) % 4], RULES[(r + j) % 3]) for j in range(k)]
        cases.append(_case(act, loss, batch, pairs, False))
    return cases


def _run(seed_cfg, kind, act, loss, batch, pairs, shuffle):
    cfg = seed_cfg.replace(**{"model.activation": act, "training.loss": loss, "training.huber_delta": 1.5,
                              "training.batch_size": batch, "training.shuffle": shuffle})
    members = [_member(j, method, rule, loss) for j, (method, rule) in enumerate(pairs)]
    engine = build_engine(cfg, members, engine=kind)
    with np.errstate(all="ignore"):
        record = engine.step(STEPS)
    return engine, record


def _label(case):
    act, loss, batch, pairs, shuffle = case
    return f"{act}-{loss}-b{batch}-" + "+".join(f"{m}.{r}" for m, r in pairs) + ("-shuffled" if shuffle else "")


CASES = full_cases() if FULL else covering_cases()


@pytest.mark.parametrize("case", CASES, ids=[_label(c) for c in CASES])
def test_both_engines_train_the_same_numbers(seed_cfg, case):
    compiled, rec_c = _run(seed_cfg, "numba", *case)
    reference, rec_t = _run(seed_cfg, "torch", *case)
    snap_c, snap_t = compiled.snapshot(), reference.snapshot()
    assert type(compiled).__name__ == "NumbaEngine" and type(reference).__name__ == "Engine"
    assert snap_c.diverged.tolist() == snap_t.diverged.tolist()
    for name in ("weights", "biases", "prelu_slopes"):
        for layer, (a, b) in enumerate(zip(getattr(snap_c, name), getattr(snap_t, name))):
            np.testing.assert_allclose(a, b, rtol=0, atol=TOLERANCE, err_msg=f"{name} of layer {layer}")
    for name in ("data_loss", "penalty"):
        a, b = getattr(rec_c, name), getattr(rec_t, name)
        np.testing.assert_allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True, err_msg=name)
    assert len(rec_c.epochs) == len(rec_t.epochs) == STEPS // compiled.steps_per_epoch
    for ec, et in zip(rec_c.epochs, rec_t.epochs):
        assert (ec.epoch, ec.step) == (et.epoch, et.step)
        np.testing.assert_allclose(ec.test_error, et.test_error, rtol=TOLERANCE, equal_nan=True)
        np.testing.assert_allclose(ec.train_loss, et.train_loss, rtol=TOLERANCE, equal_nan=True)
    x = np.linspace(-2.0, 12.0, 9)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(compiled.predict(x), reference.predict(x), rtol=TOLERANCE, atol=TOLERANCE)
        for a, b in zip(compiled.pre_activations(x), reference.pre_activations(x)):
            np.testing.assert_allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE)


def test_the_covering_subset_covers_what_the_docstring_says():
    cases = covering_cases()
    triples = {(act, loss, rule) for act, loss, _, pairs, _ in cases for method, rule in pairs
               if method in ("l1", "elasticnet")}
    assert triples == set(itertools.product(ACTS, LOSSES, RULES))
    alone = {pairs[0] for _, _, _, pairs, _ in cases if len(pairs) == 1}
    assert alone == set(itertools.product(METHODS, RULES))
    for index in range(3):  # activation, loss: each with both batch sizes and both ensemble sizes
        for value in {c[index] for c in cases} if index < 2 else ():
            assert {c[2] for c in cases if c[index] == value} == {1, 4}
    assert {len(c[3]) for c in cases} == {1, 3}
    assert {m for c in cases for m, _ in c[3]} == set(METHODS)
    assert len(full_cases()) == 8 * 3 * 4 * 3 * 2 * 2
