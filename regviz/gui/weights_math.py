"""The weights canvas's maths, without Qt: the colour limit, how the models' matrices are laid out
so that cells stay readable, and how a weight reads."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

from regviz.core import analysis

MIN_CELL_PX = 7.5  # "about 8 px": a heatmap cell smaller than this is hard to read (issue 7)


def weight_level(layer_sizes: Sequence[int]) -> float:
    """The colour limit L for a run: the largest Xavier/Glorot bound sqrt(6 / (in + out)), rounded
    up to a multiple of 0.1. Fixed for the run; weights beyond +-L saturate."""
    bounds = [math.sqrt(6.0 / (a + b)) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    return math.ceil(max(bounds) * 10.0 - 1e-9) / 10.0


def grid_shape(layers: int) -> tuple[int, int]:
    """(rows, columns) of one model's square-ish grid: 2x2 for four matrices, as in the article."""
    cols = max(1, math.ceil(math.sqrt(layers)))
    return math.ceil(layers / cols), cols


def format_weight(value: float) -> str:
    if value == 0.0:
        return "0 (exact zero)"
    if not math.isfinite(value):
        return f"{value}"
    text = f"{value:+.4f}"
    if abs(value) < analysis.SPARSITY_THRESHOLD:
        text += f"  (off: |w| < {analysis.SPARSITY_THRESHOLD:g})"
    return text


@dataclass(frozen=True)
class Overheads:
    """Pixels the canvas needs besides the cells (fitted to the canvas as drawn at the light theme's
    fonts; scaled with the font for the presentation themes). An estimate: the canvas checks the
    cells it really got and shows fewer models when they fall short."""

    colour_bar: float = 140.0  # a vertical colour bar at the right, with its ticks and title
    colour_bar_row: float = 38.0  # or a horizontal one in a row under the grids
    model_margin: float = 10.0  # around each model's grid, across
    panel_axis: float = 30.0  # each panel's tick labels and spacing, across
    panel_ticks: float = 18.0  # each panel's bottom ticks and spacing, down
    margin: float = 14.0  # the strip above and left of each matrix for the markers
    header: float = 34.0  # the caption above everything
    model_title: float = 34.0  # up to two lines per model (one, 19 px, in the rows layout)
    panel_heading: float = 16.0

    def scaled(self, factor: float) -> "Overheads":
        return Overheads(*(getattr(self, f) * factor for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class Arrangement:
    shown: int  # models drawn
    across: int  # model grids side by side
    grid: tuple[int, int]  # (rows, columns) of panels in one model's grid
    bar_below: bool  # the colour bar under the grids (else at their right)
    cell: float  # the smallest cell side it gives, px

    @property
    def key(self) -> tuple:
        """What decides the items (the cell size only follows)."""
        return self.shown, self.across, self.grid, self.bar_below

    @property
    def model_rows(self) -> int:
        return math.ceil(self.shown / self.across)

    @property
    def in_rows(self) -> bool:
        """One row of panels per model (layers side by side, models stacked, as in a table)."""
        return self.grid[0] == 1


def column_widths(shapes: Sequence[tuple[int, int]], grid: tuple[int, int]) -> list[int]:
    """Per grid column, the most cells across any of its matrices (its share of the width)."""
    cols = grid[1]
    return [max(shapes[i][1] for i in range(c, len(shapes), cols)) for c in range(min(cols, len(shapes)))]


def row_heights(shapes: Sequence[tuple[int, int]], grid: tuple[int, int]) -> list[int]:
    """Per grid row, the most cells down any of its matrices (its share of the height)."""
    cols = grid[1]
    return [max(shapes[i][0] for i in range(r * cols, min(len(shapes), (r + 1) * cols))) for r in range(grid[0])]


def cell_size(shapes: Sequence[tuple[int, int]], grid: tuple[int, int], across: int, model_rows: int,
              width: float, height: float, overheads: Overheads, bar_below: bool) -> float:
    """The smallest cell side (px) for this arrangement; columns and rows share the space in
    proportion to their cells (the canvas sets its stretch factors so)."""
    o = overheads
    title = o.model_title * 0.56 if grid[0] == 1 else o.model_title  # a full-width title takes one line
    bar_w, bar_h = (10.0, o.colour_bar_row) if bar_below else (o.colour_bar, 0.0)
    columns, rows = column_widths(shapes, grid), row_heights(shapes, grid)
    free_w = width - bar_w - across * (o.model_margin + len(columns) * (o.panel_axis + o.margin))
    free_h = height - o.header - bar_h - model_rows * (title + len(rows) * (o.panel_heading + o.panel_ticks + o.margin))
    return min(free_w / (across * sum(columns)), free_h / (model_rows * sum(rows)))


def arrange_models(n_models: int, shapes: Sequence[tuple[int, int]], width: float, height: float,
                   overheads: Overheads = Overheads(), min_cell: float = MIN_CELL_PX) -> Arrangement:
    """The most models whose cells stay at least `min_cell` px, laid out with the biggest cells:
    each model's matrices in a square grid or in one row, the models side by side or stacked, the
    colour bar under them or at their right. At least one model is always shown."""
    grids = {grid_shape(len(shapes)), (1, len(shapes))}
    for shown in range(n_models, 0, -1):
        options = []
        for grid in grids:
            for across in range(1, shown + 1):
                for below in (True, False):
                    cell = cell_size(shapes, grid, across, math.ceil(shown / across), width, height, overheads, below)
                    options.append(Arrangement(shown, across, grid, below, cell))
        best = max(options, key=lambda a: a.cell)
        if best.cell >= min_cell or shown == 1:
            return best
    raise AssertionError("unreachable")


def without_header(overheads: Overheads) -> Overheads:
    return replace(overheads, header=0.0)
