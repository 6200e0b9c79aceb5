"""Colours, line styles, fonts and themes, without Qt: what every canvas draws with.

Model colours are the Okabe–Ito palette (Okabe & Ito 2008), told apart by the common colour-vision
deficiencies; every model also has its own dash pattern, so a model is recognisable without colour.
Outliers are ringed in reddish purple, a colour no model uses.

A theme also scales fonts and lines: the presentation themes (F5) are a light high-contrast one
and a dark one for dim rooms, both with fonts about 1.5x and thicker lines.
"""

from __future__ import annotations

from dataclasses import dataclass

# Okabe-Ito: vermillion, blue, black (or white on dark), bluish green; sky blue for a fifth model
METHOD_COLORS = {"l1": "#d55e00", "l2": "#0072b2", "none": "#000000", "elasticnet": "#009e73"}
DARK_METHOD_COLORS = {"l1": "#e69f00", "l2": "#56b4e9", "none": "#f0f0f0", "elasticnet": "#2fc09a"}
METHOD_LABELS = {"l1": "L1", "l2": "L2", "none": "no penalty", "elasticnet": "elastic net"}
# Qt's pen styles by name (Qt-free here): solid, dash, dot, dash-dot
METHOD_DASHES = {"l1": "solid", "l2": "dash", "none": "dot", "elasticnet": "dashdot"}
OUTLIER_COLOR = "#cc79a7"  # Okabe-Ito reddish purple
DARK_OUTLIER_COLOR = "#f08ac5"


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    background: str
    foreground: str  # axes, text
    muted: str  # secondary text, reference lines
    faint: str  # the other activations, grid lines
    grid: str
    frame: str  # legend and panel frames
    legend_fill: tuple[int, int, int, int]
    points: str  # training and test points
    diverged: str
    font_scale: float = 1.0
    line_scale: float = 1.0
    dark: bool = False

    def pt(self, size: float) -> str:
        """A font size for pyqtgraph, scaled: '9pt' becomes '13.5pt' at 1.5x."""
        return f"{size * self.font_scale:.3g}pt"

    def width(self, width: float) -> float:
        return width * self.line_scale

    def method_color(self, method: str) -> str:
        colors = DARK_METHOD_COLORS if self.dark else METHOD_COLORS
        return colors.get(method, self.foreground)

    @property
    def outlier(self) -> str:
        return DARK_OUTLIER_COLOR if self.dark else OUTLIER_COLOR


LIGHT = Theme("light", "Light", background="#ffffff", foreground="#202124", muted="#5f6368", faint="#c4c7c5",
              grid="#e1e3e5", frame="#dadce0", legend_fill=(255, 255, 255, 225), points="#3c4043",
              diverged="#9aa0a6")
HIGH_CONTRAST = Theme("high-contrast", "Light, high contrast", background="#ffffff", foreground="#000000",
                      muted="#303030", faint="#a0a0a0", grid="#d0d0d0", frame="#707070",
                      legend_fill=(255, 255, 255, 235), points="#000000", diverged="#7a7a7a",
                      font_scale=1.5, line_scale=1.6)
DARK = Theme("dark", "Dark (dim rooms)", background="#101214", foreground="#eceff1", muted="#b0b6bb",
             faint="#4a5056", grid="#2c3136", frame="#5f6368", legend_fill=(16, 18, 20, 225), points="#eceff1",
             diverged="#80868b", font_scale=1.5, line_scale=1.6, dark=True)
THEMES = {theme.name: theme for theme in (LIGHT, HIGH_CONTRAST, DARK)}
PRESENTATION_THEMES = ("high-contrast", "dark")
