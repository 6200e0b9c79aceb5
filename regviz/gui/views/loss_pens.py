"""The loss canvas's pens: per term (total, data, penalty) and for the test error, in the model's
colour and dash pattern; thin, cosmetic pens wherever a curve is denser than the pixels."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtGui

from regviz.core.records import MemberSpec
from regviz.gui.style import Theme
from regviz.gui.views.base import method_pen

# Per loss term: (key, legend text, width, opacity). The model's dash pattern is kept for every term.
# A dashed pen wider than 1 px is stroked along every pixel of a noisy path (one repaint of 4,000
# raw steps took 0.85 s at 2 px against 7 ms at 1 px, measured), so only smoothed curves get wider.
TERMS = (
    ("total", "total (thick)", 2.0, 255),
    ("data", "data term (faint)", 1.0, 110),
    ("penalty", "penalty (thin)", 1.0, 255),
)


def term_pen(theme: Theme, method: str, term: str, smoothed: bool) -> QtGui.QPen:
    _key, _text, width, alpha = next(t for t in TERMS if t[0] == term)
    pen = method_pen(theme, method, width if smoothed else 1.0, alpha)
    if not smoothed:
        pen.setWidthF(1.0)
        pen.setCosmetic(True)
    return pen


def error_pen(theme: Theme, method: str, dense: bool) -> QtGui.QPen:
    """The test error's pen: 1.5 px, or 1 px where epochs are denser than pixels (_render_errors)."""
    pen = method_pen(theme, method, 1.5)
    if dense:
        pen.setWidthF(1.0)
        pen.setCosmetic(True)
    return pen


def has_penalty(member: MemberSpec) -> bool:
    return member.method != "none" and member.lam != 0


def term_key_pen(theme: Theme, width: float, alpha: int) -> QtGui.QPen:
    """The legend's sample of a term: the muted colour at that term's width and opacity."""
    color = pg.mkColor(theme.muted)
    color.setAlpha(alpha)
    return pg.mkPen(color, width=theme.width(width))
