"""The penalty-geometry tab's words, without Qt: the caption under the picture (one sentence made
from the current numbers, then the formulas), the legend's labels, the optima read-out and the
line under an exported figure. Every claim is checked against the scene it describes."""

from __future__ import annotations

import html
import math

import numpy as np

from regviz.core.geometry import Scene, l1_first_zero_lambda, origin_lambda

LEGEND = {"none": "no penalty (★ w*)", "l1": "L1", "l2": "L2", "elasticnet": "elastic net"}
CONTOUR_LEGEND = "data-loss contours"
START_LABEL = "start"
FORMULAS = ("L1 λ|w|₁ · L2 λ|w|²/2 · elastic net λ(ρ|w|₁ + (1−ρ)|w|²/2) · data loss ½(w − w*)ᵀΣ(w − w*), "
            "Σ = [[1, c], [c, 1]]; each penalty's curve passes through its optimum.")
RULE_WORDS = {"subgradient": "subgradient", "clip": "clip-at-zero", "proximal": "proximal"}


def num(value: float) -> str:
    """3 significant digits; an exact zero is written 0 (never 0.00 for a small non-zero)."""
    value = float(value)
    if value == 0:
        return "0"
    return f"{value:.3g}"


def point(w) -> str:
    return f"({num(w[0])}, {num(w[1])})"


def sentence(scene: Scene) -> str:
    """What the picture shows at these numbers, e.g. 'At λ = 1, L1's optimum (1.25, 0) sits on the
    w₂ = 0 axis: w₂ is exactly 0, a corner of the diamond; L2's optimum (1, 0.5) is only pulled
    toward the origin (length 1.12 < 2.06), no weight exactly 0.'"""
    problem, lam = scene.problem, scene.lam
    w_star = np.asarray(problem.w_star, float)
    if lam == 0:
        return f"At λ = 0 no penalty acts: every optimum is the data-loss minimum w* = {point(w_star)}."
    l1 = scene.methods["l1"].optimum
    zeros = [i for i in (0, 1) if l1[i] == 0]
    if len(zeros) == 2:
        first = f"At λ = {num(lam)}, L1's optimum is the origin: both weights are exactly 0"
        start = origin_lambda(problem, "l1")
        if start is not None:
            first += f" (from λ = {num(start)} on)"
    elif zeros:
        axis = f"w{_sub(zeros[0])}"
        first = (f"At λ = {num(lam)}, L1's optimum {point(l1)} sits on the {axis} = 0 axis: "
                 f"{axis} is exactly 0, a corner of the diamond")
    else:
        first = f"At λ = {num(lam)}, L1's optimum {point(l1)} has no zero weight yet"
        threshold = l1_first_zero_lambda(problem)
        if threshold is not None:
            first += f"; from λ = {num(threshold[0])} on, w{_sub(threshold[1])} is exactly 0"
    l2 = scene.methods["l2"].optimum
    shorter, longer = _distinct(float(np.linalg.norm(l2)), float(np.linalg.norm(w_star)))
    second = f"L2's optimum {point(l2)} is only pulled toward the origin (length {shorter} < {longer})"
    if not np.any(l2 == 0):
        second += ", no weight exactly 0"
    return f"{first}; {second}.{_rule_remark(scene, zeros)}"


def _rule_remark(scene: Scene, zeros: list[int]) -> str:
    """How the chosen rule's L1 descent ends on a weight whose optimum is 0 (read off its path)."""
    if not zeros:
        return ""
    end = scene.methods["l1"].path[-1]
    rule = RULE_WORDS[scene.rule]
    if all(end[i] == 0 for i in zeros):
        return f" The {rule} descent lands on exactly 0."
    i = next(i for i in zeros if end[i] != 0)
    return f" The {rule} descent does not land on 0: it ends at w{_sub(i)} = {num(end[i])}, stepping around it."


def _distinct(a: float, b: float) -> tuple[str, str]:
    """Two numbers written with as few digits as tell them apart (a tiny λ barely shrinks)."""
    for digits in range(3, 16):
        left, right = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if left != right:
            return left, right
    return left, right


def _sub(index: int) -> str:
    return "₁₂"[index]


def caption_html(scene: Scene, muted: str) -> str:
    """The sentence, then the formulas in a quieter colour, as rich text for a WrapLabel."""
    return f"{html.escape(sentence(scene))}<br><span style='color: {muted}'>{html.escape(FORMULAS)}</span>"


def optima_text(scene: Scene) -> str:
    """The read-out beside the canvas: every optimum's coordinates, exact zeros written 0."""
    lines = [f"c = {num(scene.problem.correlation)}, λ = {num(scene.lam)}, ρ = {num(scene.rho)}"]
    for method, label in (("none", "w* (no penalty)"), ("l1", "L1"), ("l2", "L2"), ("elasticnet", "elastic net")):
        if method in scene.methods:
            lines.append(f"{label}: {point(scene.methods[method].optimum)}")
    return "\n".join(lines)


def figure_caption(preset: str, scene: Scene) -> str:
    """The line under an exported figure: where the picture comes from."""
    rule = RULE_WORDS[scene.rule]
    return (f"regviz · {preset} · penalty geometry · λ = {num(scene.lam)}, ρ = {num(scene.rho)}, "
            f"c = {num(scene.problem.correlation)}, L1 rule: {rule}, start {point(scene.start)}")


def finite_scene(scene: Scene) -> bool:
    """Every number drawn is finite (a guard for the tests and the tab)."""
    arrays = [*scene.contours]
    for part in scene.methods.values():
        arrays += [part.optimum, part.level_set, part.contour, part.path]
    return all(np.all(np.isfinite(a)) for a in arrays) and math.isfinite(scene.lam)
