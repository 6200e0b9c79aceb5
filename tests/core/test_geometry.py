"""The 2-weight penalty geometry (regviz.core.geometry) against closed forms and hand computations.

Oracles: ridge's linear solve written out by hand, soft-thresholding in the orthogonal case, the
subgradient optimality (KKT) conditions checked here from the gradient, and numbers worked out on
paper for c = 0.5, w* = (2, 0.5)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regviz.core import geometry as g

W_STAR = np.array(g.W_STAR)


def kkt_violation(c: float, w, l1: float, l2: float) -> float:
    """How far w is from satisfying 0 ∈ ∇(loss + l2|w|²/2) + l1·∂|w|₁ (0 at the exact optimum)."""
    sigma = np.array([[1.0, c], [c, 1.0]])
    grad = sigma @ (np.asarray(w) - W_STAR) + l2 * np.asarray(w)
    worst = 0.0
    for gi, wi in zip(grad, w):
        if wi != 0:
            worst = max(worst, abs(gi + l1 * math.copysign(1.0, wi)))
        else:
            worst = max(worst, abs(gi) - l1)  # a zero weight: |gradient| ≤ l1 holds it there
    return worst


def test_coefficients_by_hand():
    # penalty = l1·|w|₁ + l2·|w|²/2; elastic net λ(ρ|w|₁ + (1−ρ)|w|²/2) at λ = 0.7, ρ = 0.3
    expected = {"none": (0.0, 0.0), "l1": (0.7, 0.0), "l2": (0.0, 0.7), "elasticnet": (0.21, 0.49)}
    for method, pair in expected.items():
        assert g.coefficients(method, 0.7, 0.3) == pytest.approx(pair)


def test_ridge_optimum_by_hand():
    # c = 0.5, λ = 1: (Σ + I) w = Σ w*, i.e. [[2, .5], [.5, 2]] w = (2.25, 1.5): w = (1, 0.5) by Cramer
    w = g.optimum(g.Problem(0.5), *g.coefficients("l2", 1.0))
    assert w == pytest.approx([1.0, 0.5], abs=1e-12)
    # uncorrelated: every weight divided by 1 + λ
    assert g.optimum(g.Problem(0.0), 0.0, 3.0) == pytest.approx(W_STAR / 4.0, abs=1e-12)
    assert np.all(g.optimum(g.Problem(0.5), 0.0, 10.0) != 0)  # L2 never zeroes a weight


@pytest.mark.parametrize("lam", [0.1, 0.4, 0.5, 1.0, 2.5, 6.0])
def test_orthogonal_case_is_soft_thresholding(lam):
    problem = g.Problem(0.0)
    soft = np.sign(W_STAR) * np.maximum(np.abs(W_STAR) - lam, 0.0)
    assert np.array_equal(g.optimum(problem, lam, 0.0), soft)  # exact, zeros included
    rho = 0.3
    net = np.sign(W_STAR) * np.maximum(np.abs(W_STAR) - lam * rho, 0.0) / (1 + lam * (1 - rho))
    assert g.optimum(problem, *g.coefficients("elasticnet", lam, rho)) == pytest.approx(net, abs=1e-12)


def test_l1_zeroes_w2_exactly_above_the_hand_computed_lambda():
    # c = 0.5: while both weights are non-zero w = w* − λ Σ⁻¹(1, 1) = w* − λ(2/3, 2/3), so w2 hits 0
    # at λ = 0.75; then w1 = (Σw*)₁ − λ = 2.25 − λ, and the origin from λ = (Σw*)₁ = 2.25.
    problem = g.Problem(0.5)
    assert g.l1_first_zero_lambda(problem) == (pytest.approx(0.75), 1)
    assert g.origin_lambda(problem, "l1") == pytest.approx(2.25)
    below = g.optimum(problem, 0.74, 0.0)
    assert np.all(below != 0) and below == pytest.approx([2 - 0.74 * 2 / 3, 0.5 - 0.74 * 2 / 3])
    for lam in (0.76, 1.5, 2.2):
        w = g.optimum(problem, lam, 0.0)
        assert w[1] == 0.0 and w[0] == pytest.approx(2.25 - lam)
    assert np.array_equal(g.optimum(problem, 2.3, 0.0), [0.0, 0.0])


@pytest.mark.parametrize("c", [-0.9, -0.3, 0.0, 0.5, 0.95])
@pytest.mark.parametrize("lam,rho", [(0.2, 1.0), (1.0, 1.0), (3.0, 1.0), (0.5, 0.5), (2.0, 0.2), (8.0, 0.7)])
def test_l1_and_elastic_net_optima_satisfy_kkt_and_beat_neighbours(c, lam, rho):
    problem = g.Problem(c)
    l1, l2 = g.coefficients("elasticnet", lam, rho)
    w = g.optimum(problem, l1, l2)
    assert kkt_violation(c, w, l1, l2) < 1e-9
    best = float(problem.objective(w, l1, l2))
    rng = np.random.default_rng(0)
    around = w + rng.normal(scale=0.05, size=(200, 2))
    assert np.all(problem.objective(around, l1, l2) >= best - 1e-12)


def test_curves_lie_on_their_level_sets():
    problem = g.Problem(0.5)
    ellipse = g.loss_contour(problem, 0.8)
    assert problem.loss(ellipse) == pytest.approx(np.full(len(ellipse), 0.8))
    diamond = g.penalty_level_set(1.0, 0.0, 1.5)
    assert np.abs(diamond).sum(1) == pytest.approx(np.full(len(diamond), 1.5))
    assert any(np.array_equal(p, [1.5, 0.0]) for p in diamond)  # the corner on the axis is a vertex
    circle = g.penalty_level_set(0.0, 2.0, 1.0)  # |w|² = 1
    assert np.hypot(*circle.T) == pytest.approx(np.ones(len(circle)))
    net = g.penalty_level_set(0.5, 0.5, 1.0)
    assert 0.5 * np.abs(net).sum(1) + 0.25 * (net ** 2).sum(1) == pytest.approx(np.ones(len(net)))
    assert len(g.penalty_level_set(0.0, 0.0, 1.0)) == 0


def test_the_level_set_and_the_contour_touch_at_the_optimum():
    scene = g.build_scene(1.5, 0.5, 0.5, "proximal", g.DEFAULT_START)
    for method in ("l1", "l2", "elasticnet"):
        part = scene.methods[method]
        gaps = np.hypot(*(part.level_set - part.optimum).T)
        assert gaps.min() < 0.05  # the penalty curve passes through the optimum
        assert scene.problem.loss(part.contour) == pytest.approx(
            np.full(len(part.contour), float(scene.problem.loss(part.optimum))))
    assert np.array_equal(scene.methods["l1"].level_set.max(0), [0.75, 0.75])  # the diamond |w|₁ = 0.75


@pytest.mark.parametrize("c", [-0.6, 0.5])
def test_descents_end_at_the_optima(c):
    problem = g.Problem(c)
    start = (-1.0, 2.5)
    for method, lam in (("none", 0.0), ("l2", 1.0), ("l1", 1.5), ("elasticnet", 2.0)):
        l1, l2 = g.coefficients(method, lam, 0.5)
        path = g.descent(problem, l1, l2, "proximal", start)
        assert tuple(path[0]) == start
        best = g.optimum(problem, l1, l2)
        assert path[-1] == pytest.approx(best, abs=1e-9)
        assert np.array_equal(path[-1] == 0, best == 0)  # soft-thresholding lands on exact zeros


def test_the_subgradient_rule_chatters_around_zero():
    # lr = 0.25 / 1.5; at λ = 1.5 the L1 step is lr·λ = 0.25: w2 jumps across 0 instead of landing
    # on it, each jump at most lr·(λ + |∂L/∂w2|) ≤ 2·lr·λ = 0.5 (|∂L/∂w2| ≤ λ near the optimum)
    problem = g.Problem(0.5)
    path = g.descent(problem, 1.5, 0.0, "subgradient", (-1.0, 2.5), max_steps=500, tolerance=0.0)
    tail = path[-50:, 1]
    assert np.all(tail != 0) and np.any(tail > 0) and np.any(tail < 0)
    assert np.abs(tail).max() <= 0.5 + 1e-12
    assert not g.settles(1.5, "subgradient") and g.settles(1.5, "proximal") and g.settles(0.0, "clip")


def test_a_scene_shares_one_clock_and_clamps_the_start():
    scene = g.build_scene(1.5, 0.5, 0.5, "subgradient", (10.0, -10.0))
    assert scene.start == (g.START_BOX[1], g.START_BOX[0])
    lengths = {m: len(part.path) for m, part in scene.methods.items()}
    assert lengths["l1"] - 1 == scene.steps >= g.MIN_CHATTER_STEPS  # the never-settling path runs longest


@pytest.mark.parametrize("bad", [dict(lam=-1.0), dict(lam=math.nan), dict(lam=11.0), dict(rho=1.5),
                                 dict(correlation=0.99), dict(rule="newton"), dict(start=(0.0, math.inf))])
def test_bad_inputs_are_named(bad):
    args = dict(lam=1.0, rho=0.5, correlation=0.5, rule="proximal", start=(0.0, 0.0)) | bad
    with pytest.raises(ValueError, match=r"λ|ρ|correlation|rule|start"):
        g.build_scene(**args)


@settings(max_examples=25, deadline=None)
@given(lam=st.floats(0.0, g.LAMBDA_MAX), rho=st.floats(0.0, 1.0),
       c=st.floats(-g.CORRELATION_LIMIT, g.CORRELATION_LIMIT),
       rule=st.sampled_from(["subgradient", "clip", "proximal"]),
       start=st.tuples(st.floats(-1.5, 3.0), st.floats(-1.5, 3.0)))
def test_anything_the_controls_allow_gives_finite_optimal_pictures(lam, rho, c, rule, start):
    scene = g.build_scene(lam, rho, c, rule, start)
    for part in scene.methods.values():
        for array in (part.optimum, part.level_set, part.contour, part.path):
            assert np.all(np.isfinite(array))
        assert kkt_violation(c, part.optimum, part.l1, part.l2) < 1e-8
        if g.settles(part.l1, rule):
            assert part.path[-1] == pytest.approx(part.optimum, abs=1e-8)
