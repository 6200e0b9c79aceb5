"""The article's first figure as exact numbers: two weights, the data loss's elliptic contours, the
penalty's level sets (L1 diamond, L2 circle, elastic net between them), the regularized optima and
the descent paths to them. numpy only (no Qt, no torch): the GUI process computes this live.

The model is y = w1·x1 + w2·x2 with standardised features of correlation c. Its mean squared loss
is, up to a constant, the quadratic

    L(w) = ½ (w − w*)ᵀ Σ (w − w*),   Σ = [[1, c], [c, 1]],

so the contours are exact ellipses around w* (no sampled data, no grid). W_STAR has one small
weight, the one L1 cuts to exactly 0 first.

Penalties and update rules are the app's (regviz.core.regularizers, which imports torch, so the
two-coefficient convention is restated here and checked against it by the tests):
    penalty = l1·|w|₁ + l2·|w|²/2   with (l1, l2) = (0, 0) none, (λ, 0) L1, (0, λ) L2,
                                                    (λρ, λ(1−ρ)) elastic net.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import product

import numpy as np

from regviz.core import regularizers
from regviz.core.config import L1_RULES, METHODS

W_STAR = (2.0, 0.5)  # the data-loss minimum: w2 is the small weight L1 zeroes
CORRELATION_LIMIT = 0.95  # |c| at most this: Σ stays well conditioned, descents converge in time
LAMBDA_MAX = 10.0
START_BOX = (-1.5, 3.0)  # a start point is kept inside this square (the canvas's home view)
DEFAULT_START = (-1.0, 2.5)
STEP_FRACTION = 0.25  # step size = this / (largest curvature): small steps, a smooth path to watch
MAX_STEPS = 6000
TOLERANCE = 1e-12  # a descent has converged when no weight moves more than this in a step
MIN_CHATTER_STEPS = 150  # a rule that never settles (subgradient, clip) is shown at least this long


coefficients = regularizers.coefficients  # (l1, l2) with penalty = l1·|w|₁ + l2·|w|²/2: the app's own


def penalty(w, l1: float, l2: float) -> np.ndarray:
    """l1·|w|₁ + l2·|w|²/2 for points shaped (..., 2)."""
    w = np.asarray(w, float)
    return l1 * np.abs(w).sum(-1) + 0.5 * l2 * (w * w).sum(-1)


@dataclass(frozen=True)
class Problem:
    """The quadratic data loss for a feature correlation c (|c| ≤ CORRELATION_LIMIT)."""

    correlation: float = 0.5
    w_star: tuple[float, float] = W_STAR

    def __post_init__(self) -> None:
        c = self.correlation
        if not (isinstance(c, (int, float)) and math.isfinite(c) and abs(c) <= CORRELATION_LIMIT):
            raise ValueError(f"correlation: got {c!r}; expected a number from "
                             f"{-CORRELATION_LIMIT} to {CORRELATION_LIMIT}")

    @property
    def sigma(self) -> np.ndarray:
        c = float(self.correlation)
        return np.array([[1.0, c], [c, 1.0]])

    def loss(self, w) -> np.ndarray:
        """½ (w − w*)ᵀ Σ (w − w*) for points shaped (..., 2)."""
        d = np.asarray(w, float) - np.asarray(self.w_star)
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.sigma, d)

    def objective(self, w, l1: float, l2: float) -> np.ndarray:
        return self.loss(w) + penalty(w, l1, l2)


# ---------------------------------------------------------------- optima
def optimum(problem: Problem, l1: float, l2: float) -> np.ndarray:
    """The exact minimiser of L(w) + l1·|w|₁ + l2·|w|²/2.

    The objective is ½wᵀAw − bᵀw + l1·|w|₁ (+ const) with A = Σ + l2·I, b = Σw*, strictly convex.
    In two dimensions every candidate (which weights are 0, the others' signs) is a 2x2 or 1x1
    linear solve, and exactly one satisfies the optimality conditions: weights that are zero are
    exactly 0.0, not merely small."""
    a = problem.sigma + l2 * np.eye(2)
    b = problem.sigma @ np.asarray(problem.w_star)
    if l1 == 0:
        return np.linalg.solve(a, b)
    best, best_value = None, math.inf
    for support in ((0, 1), (0,), (1,), ()):
        idx = list(support)
        for signs in product((1.0, -1.0), repeat=len(idx)):
            w = np.zeros(2)
            if idx:
                w[idx] = np.linalg.solve(a[np.ix_(idx, idx)], b[idx] - l1 * np.array(signs))
                if np.any(w[idx] * np.array(signs) <= 0):
                    continue  # a weight assumed non-zero came out 0 or of the other sign
            rest = [j for j in (0, 1) if j not in idx]
            if np.any(np.abs((b - a @ w)[rest]) > l1 * (1 + 1e-12) + 1e-15):
                continue  # a zero weight whose gradient the L1 term cannot hold at 0
            value = float(problem.objective(w, l1, l2))
            if value < best_value:
                best, best_value = w, value
    if best is None:  # only rounding at a boundary can get here: solve by coordinate descent
        best = _coordinate_descent(a, b, l1)
    return best


def _coordinate_descent(a: np.ndarray, b: np.ndarray, l1: float, sweeps: int = 10_000) -> np.ndarray:
    w = np.zeros(2)
    for _ in range(sweeps):
        old = w.copy()
        for i in (0, 1):
            r = b[i] - a[i, 1 - i] * w[1 - i]
            w[i] = _soft(r, l1) / a[i, i]
        if np.max(np.abs(w - old)) <= TOLERANCE:
            break
    return w


def _soft(value: float, threshold: float) -> float:
    """Soft-thresholding, with an exact 0.0 inside the threshold."""
    if abs(value) <= threshold:
        return 0.0
    return value - math.copysign(threshold, value)


def l1_first_zero_lambda(problem: Problem) -> tuple[float, int] | None:
    """(λ, i): the smallest λ at which pure L1's optimum has an exact zero, and which weight.

    While both weights are non-zero the optimum is w* − λ Σ⁻¹ sign(w*), a straight line in λ;
    the first weight to reach 0 stays there (its subgradient condition only gets slacker as λ
    grows, since |c| < 1). None if no weight ever reaches 0 first (cannot happen for w* ≠ 0)."""
    w_star = np.asarray(problem.w_star, float)
    if np.any(w_star == 0):
        return 0.0, int(np.flatnonzero(w_star == 0)[0])
    speed = np.linalg.solve(problem.sigma, np.sign(w_star))
    ratios = [(w_star[i] / speed[i], i) for i in (0, 1) if w_star[i] / speed[i] > 0]
    return min(ratios) if ratios else None


def origin_lambda(problem: Problem, method: str, rho: float = 0.5) -> float | None:
    """The λ from which the method's optimum is the origin (both weights exactly 0): the L1 part
    must hold the whole gradient at 0, |Σw*|∞ ≤ λ·(share of L1). None: never (no L1 term)."""
    share = {"l1": 1.0, "elasticnet": rho}.get(method, 0.0)
    if share <= 0:
        return None
    return float(np.max(np.abs(problem.sigma @ np.asarray(problem.w_star)))) / share


# ---------------------------------------------------------------- curves
def loss_contour(problem: Problem, level: float, points: int = 240) -> np.ndarray:
    """The ellipse L(w) = level, as a closed polyline (points + 1, 2): w* + √(2·level)·Σ^(-½)·u."""
    values, vectors = np.linalg.eigh(problem.sigma)
    theta = np.linspace(0.0, 2 * math.pi, points + 1)
    circle = np.stack([np.cos(theta), np.sin(theta)], -1)
    inverse_root = vectors @ np.diag(1.0 / np.sqrt(values)) @ vectors.T
    return np.asarray(problem.w_star) + math.sqrt(2.0 * max(level, 0.0)) * circle @ inverse_root.T


def contour_levels(problem: Problem, box: tuple[float, float] = START_BOX, count: int = 9) -> np.ndarray:
    """Background contour levels, evenly spaced in distance from w*, out to the box's far corner."""
    low, high = box
    corners = np.array([[low, low], [low, high], [high, low], [high, high]])
    far = float(np.max(problem.loss(corners)))
    return far * (np.arange(1, count + 1) / count) ** 2


def penalty_level_set(l1: float, l2: float, level: float, points: int = 240) -> np.ndarray:
    """The closed curve l1·|w|₁ + l2·|w|²/2 = level (diamond, circle or elastic net), as a
    polyline (points + 1, 2); `points` is rounded up to a multiple of 4 so the diamond's corners
    on the axes are vertices. Empty (0, 2) without a penalty or at level 0."""
    scale = max(l1, l2)
    if level <= 0 or scale <= 0:
        return np.zeros((0, 2))
    l1, l2, level = l1 / scale, l2 / scale, level / scale  # the same curve; a tiny λ cannot overflow
    points = 4 * math.ceil(points / 4)
    theta = np.linspace(0.0, 2 * math.pi, points + 1)
    u = np.stack([np.cos(theta), np.sin(theta)], -1)
    u[np.abs(u) < 1e-15] = 0.0  # exact zeros at the axis angles
    a = np.abs(u).sum(-1)  # |u|₁ along each direction
    if l2 <= 0:
        r = level / (l1 * a)
    else:  # ½·l2·r² + l1·a·r − level = 0, the positive root (stable form)
        r = 2.0 * level / (l1 * a + np.sqrt((l1 * a) ** 2 + 2.0 * l2 * level))
    return u * r[:, None]


def level_set_through(w: np.ndarray, l1: float, l2: float, points: int = 240) -> np.ndarray:
    """The penalty's level set through w (the regularized optimum: the article's picture, where
    a loss contour touches the diamond or the circle)."""
    scale = max(l1, l2)
    if scale <= 0:
        return np.zeros((0, 2))
    l1, l2 = l1 / scale, l2 / scale  # the level computed after scaling: no underflow to 0 at a tiny λ
    return penalty_level_set(l1, l2, float(penalty(w, l1, l2)), points)


# ---------------------------------------------------------------- descents
def step_size(problem: Problem, l2: float) -> float:
    """STEP_FRACTION / (largest curvature of L + l2·|w|²/2): stable for every method."""
    return STEP_FRACTION / (1.0 + abs(problem.correlation) + l2)


def _l1_step(w: float, half: float, threshold: float, rule: str) -> float:
    """The L1 term's step by the app's rule (see regularizers.l1_term_step), threshold = lr·l1."""
    if rule == "proximal":
        return _soft(half, threshold)
    sign = (w > 0) - (w < 0)
    stepped = half - threshold * sign
    if rule == "subgradient":
        return stepped
    if rule == "clip":
        return 0.0 if half * stepped < 0 else stepped
    raise ValueError(f"l1 rule: got {rule!r}; expected one of {', '.join(L1_RULES)}")


def descent(problem: Problem, l1: float, l2: float, rule: str, start, max_steps: int = MAX_STEPS,
            tolerance: float = TOLERANCE) -> np.ndarray:
    """Gradient descent from `start` as the app trains: the smooth step w − lr·(∇L + l2·w), then
    the L1 term by `rule` (only when l1 > 0). Stops once converged or after max_steps; returns the
    points visited, start first, shaped (steps + 1, 2). Plain floats: about 1 µs a step."""
    if rule not in L1_RULES:
        raise ValueError(f"l1 rule: got {rule!r}; expected one of {', '.join(L1_RULES)}")
    c = float(problem.correlation)
    a1, a2 = (float(v) for v in problem.w_star)
    lr = step_size(problem, l2)
    threshold = lr * l1
    w1, w2 = (float(v) for v in start)
    path = [(w1, w2)]
    for _ in range(max_steps):
        d1, d2 = w1 - a1, w2 - a2
        h1 = w1 - lr * ((d1 + c * d2) + l2 * w1)
        h2 = w2 - lr * ((c * d1 + d2) + l2 * w2)
        if threshold > 0:
            h1, h2 = _l1_step(w1, h1, threshold, rule), _l1_step(w2, h2, threshold, rule)
        moved = max(abs(h1 - w1), abs(h2 - w2))
        w1, w2 = h1, h2
        path.append((w1, w2))
        if moved <= tolerance:
            break
    return np.array(path)


def settles(l1: float, rule: str) -> bool:
    """Whether a descent converges to the optimum: without an L1 term, or by the proximal rule.
    The subgradient and clip rules keep stepping around a weight whose optimum is 0."""
    return l1 <= 0 or rule == "proximal"


# ---------------------------------------------------------------- everything a picture needs
@dataclass
class MethodScene:
    method: str
    l1: float
    l2: float
    optimum: np.ndarray
    level_set: np.ndarray  # (n, 2), empty without a penalty or when the optimum is the origin
    contour: np.ndarray  # the loss contour through the optimum (touching the level set there)
    path: np.ndarray  # (steps + 1, 2) descent from the start


@dataclass
class Scene:
    problem: Problem
    lam: float
    rho: float
    rule: str
    start: tuple[float, float]
    contours: list[np.ndarray] = field(default_factory=list)
    methods: dict[str, MethodScene] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """The length of the longest path, in steps (the animation's clock)."""
        return max((len(m.path) - 1 for m in self.methods.values()), default=0)


def check_inputs(lam: float, rho: float, correlation: float, rule: str, start) -> None:
    """ValueError naming the bad input; what the tab's controls allow always passes."""
    if not (math.isfinite(lam) and 0.0 <= lam <= LAMBDA_MAX):
        raise ValueError(f"λ: got {lam!r}; expected 0 to {LAMBDA_MAX:g}")
    if not (math.isfinite(rho) and 0.0 <= rho <= 1.0):
        raise ValueError(f"ρ: got {rho!r}; expected 0 to 1")
    Problem(correlation)
    if rule not in L1_RULES:
        raise ValueError(f"l1 rule: got {rule!r}; expected one of {', '.join(L1_RULES)}")
    if len(start) != 2 or not all(math.isfinite(v) for v in start):
        raise ValueError(f"start: got {start!r}; expected two finite numbers")


def clamp_start(start) -> tuple[float, float]:
    low, high = START_BOX
    return tuple(min(max(float(v), low), high) for v in start)


def build_scene(lam: float, rho: float, correlation: float, rule: str, start,
                methods=METHODS) -> Scene:
    """Contours, and for each method its optimum, level set, touching contour and descent path.
    Descents that never settle run as long as the longest settling one (at least
    MIN_CHATTER_STEPS), so every path shares one clock."""
    check_inputs(lam, rho, correlation, rule, start)
    problem = Problem(float(correlation))
    start = clamp_start(start)
    scene = Scene(problem, float(lam), float(rho), rule, start,
                  contours=[loss_contour(problem, level) for level in contour_levels(problem)])
    paths = {}
    for method in methods:
        l1, l2 = coefficients(method, lam, rho)
        if settles(l1, rule):
            paths[method] = descent(problem, l1, l2, rule, start)
    horizon = max([MIN_CHATTER_STEPS] + [len(p) - 1 for p in paths.values()])
    for method in methods:
        l1, l2 = coefficients(method, lam, rho)
        path = paths.get(method)
        if path is None:
            path = descent(problem, l1, l2, rule, start, max_steps=horizon, tolerance=0.0)
        best = optimum(problem, l1, l2)
        scene.methods[method] = MethodScene(
            method, l1, l2, best, level_set_through(best, l1, l2),
            loss_contour(problem, float(problem.loss(best))), path)
    return scene
