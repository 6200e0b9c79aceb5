"""The data: the reference line-with-outliers recipe, or a user's own two-column CSV."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from regviz.core.config import DataConfig, MAX_SAMPLES, short_repr
from regviz.core.io import ReadProblem, read_regular_file, short_path

MIN_CSV_ROWS = 4
MAX_CSV_BYTES = 50 * 1024 * 1024


class DataError(ValueError):
    """A data file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Dataset:
    x_train: np.ndarray  # shape [n_train]
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    outlier_train: np.ndarray  # bool mask over the training points
    outlier_test: np.ndarray
    clean_slope: float | None  # the line the points were drawn around (None for a CSV)
    clean_intercept: float | None
    source: str

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def x_range(self) -> tuple[float, float]:
        xs = np.concatenate([self.x_train, self.x_test])
        return float(xs.min()), float(xs.max())


def evenly_spaced_indices(n: int, count: int, offset: int = 0) -> np.ndarray:
    """`count` indices spread evenly over range(n): 50, 10 -> 0, 5, ..., 45 (+ offset)."""
    if count <= 0:
        return np.zeros(0, dtype=int)
    return (np.arange(count) * n) // count + offset


def make_dataset(cfg: DataConfig) -> Dataset:
    cfg.validate()
    if cfg.csv_path:
        x, y = load_csv(cfg.csv_path)
        outliers = np.zeros(len(x), dtype=bool)
        return _split(x, y, outliers, cfg.test_fraction, None, None, f"csv:{cfg.csv_path}")
    rng = np.random.default_rng(cfg.seed)
    n = cfg.n_samples
    x = np.linspace(cfg.x_min, cfg.x_max, n)
    y = cfg.slope * x + cfg.intercept
    if cfg.noise == "uniform":
        y = y + rng.uniform(0.0, cfg.noise_scale, n)
    elif cfg.noise == "gaussian":
        y = y + rng.normal(0.0, cfg.noise_scale, n)
    outliers = np.zeros(n, dtype=bool)
    if cfg.outliers:
        # Offset by half a gap so outliers fall between the test points (chosen: the test error then
        # measures how well the fit follows the main trend, the article's robustness question).
        idx = evenly_spaced_indices(n, cfg.outliers, offset=(n // cfg.outliers) // 2)
        idx = np.clip(idx, 0, n - 1)
        # A negative shift puts the outliers below the line: the same draws, negated.
        size = None if cfg.outlier_shift_mode == "shared" else len(idx)
        magnitude = abs(cfg.outlier_shift)
        shift = rng.uniform(0.0, magnitude, size) if magnitude else 0.0
        y[idx] += math.copysign(1.0, cfg.outlier_shift) * shift
        outliers[idx] = True
    return _split(x, y, outliers, cfg.test_fraction, cfg.slope, cfg.intercept, "recipe")


def _split(x, y, outliers, test_fraction, slope, intercept, source) -> Dataset:
    n = len(x)
    n_test = min(max(1, round(n * test_fraction)), n - 1)
    test_idx = evenly_spaced_indices(n, n_test)
    is_test = np.zeros(n, dtype=bool)
    is_test[test_idx] = True
    train = ~is_test
    return Dataset(
        x_train=x[train].astype(np.float64),
        y_train=y[train].astype(np.float64),
        x_test=x[is_test].astype(np.float64),
        y_test=y[is_test].astype(np.float64),
        outlier_train=outliers[train],
        outlier_test=outliers[is_test],
        clean_slope=slope,
        clean_intercept=intercept,
        source=source,
    )


def load_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read two numeric columns x,y (a header row is optional). Raises DataError with line and reason.

    The file is read once, capped (a FIFO or device is refused at once, never waited on), and the
    text read is parsed; error lines quote at most about 80 characters of a cell or a path."""
    shown = short_path(path)
    try:
        raw = read_regular_file(path, MAX_CSV_BYTES)
    except ReadProblem as exc:
        reason = "not a file" if exc.reason.startswith("a folder") else exc.reason
        raise DataError(f"{shown}: {reason}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{shown}: not a UTF-8 text file") from None
    del raw
    try:
        xs, ys = _parse_rows(text, shown)
    except csv.Error as exc:
        raise DataError(f"{shown}: not a valid CSV file ({short_repr(str(exc))})") from None
    if not xs:
        raise DataError(f"{shown}: no data rows (empty file)")
    if len(xs) < MIN_CSV_ROWS:
        raise DataError(f"{shown}: {len(xs)} data rows; at least {MIN_CSV_ROWS} are needed for a train/test split")
    return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)


def _parse_rows(text: str, shown: str) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise DataError(f"{shown}: line {line_no}: {len(row)} columns; expected 2 (x,y)")
        try:
            x, y = float(row[0]), float(row[1])
        except ValueError:
            if line_no == 1 and not xs and not any(_is_number(cell) for cell in row):
                continue  # a header: no cell is a number
            bad = row[0] if not _is_number(row[0]) else row[1]
            raise DataError(f"{shown}: line {line_no}: {short_repr(bad.strip())} is not a number") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise DataError(f"{shown}: line {line_no}: NaN or infinite value")
        xs.append(x)
        ys.append(y)
        if len(xs) > MAX_SAMPLES:
            raise DataError(f"{shown}: more than {MAX_SAMPLES} rows; this lab is for small data")
    return xs, ys


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
