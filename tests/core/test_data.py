"""The data recipe and the CSV loader."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from regviz.core import data as data_mod
from regviz.core.config import ConfigError, DataConfig
from regviz.core.data import DataError, evenly_spaced_indices, load_csv, make_dataset


def _all_points(ds):
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    out = np.concatenate([ds.outlier_train, ds.outlier_test])
    order = np.argsort(x)
    return x[order], y[order], out[order]


# ---------------------------------------------------------------- the recipe
def test_recipe_shape_and_split():
    ds = make_dataset(DataConfig())
    assert ds.n_train == 40 and len(ds.x_test) == 10
    assert len(ds.y_train) == 40 and len(ds.y_test) == 10
    x, _, _ = _all_points(ds)
    np.testing.assert_allclose(x, np.linspace(0.5, 9.5, 50), rtol=0, atol=1e-12)
    grid = np.linspace(0.5, 9.5, 50)
    np.testing.assert_array_equal(ds.x_test, grid[::5])  # every 5th point is a test point
    np.testing.assert_array_equal(ds.x_train, np.delete(grid, np.arange(0, 50, 5)))
    assert ds.x_range == (0.5, 9.5)
    assert ds.clean_slope == 2.0 and ds.clean_intercept == 0.0 and ds.source == "recipe"
    assert ds.x_train.dtype == np.float64
    assert np.all(np.diff(ds.x_train) > 0)  # training order is the x order (no reshuffle)


def test_recipe_outliers_all_in_training_with_one_shared_shift():
    ds = make_dataset(DataConfig())
    assert ds.outlier_train.sum() == 10 and ds.outlier_test.sum() == 0
    resid_train = ds.y_train - 2.0 * ds.x_train
    shifts = resid_train[ds.outlier_train]
    noise = resid_train[~ds.outlier_train]
    # noise is upward uniform on [0, 2); outliers add one shared scalar from [0, 10) on top
    assert (noise >= 0).all() and (noise < 2).all()
    assert shifts.min() > noise.max() - 2.0  # consistent with noise + shared shift
    assert shifts.max() - shifts.min() < 2.0  # a single shift: they spread only by the noise
    assert 0.0 <= shifts.mean() - 1.0 < 10.0 + 1.0


def test_shared_shift_is_exactly_one_scalar():
    """Same seed without outliers gives the same noise (the shift is drawn after the noise), so the
    difference isolates the shift."""
    base = make_dataset(DataConfig(outliers=0))
    with_out = make_dataset(DataConfig())
    diff = with_out.y_train - base.y_train
    shifts = diff[with_out.outlier_train]
    assert np.all(diff[~with_out.outlier_train] == 0)
    assert np.ptp(shifts) < 1e-12
    assert 0.0 <= shifts[0] < 10.0 and shifts[0] > 0


def test_each_mode_draws_distinct_shifts():
    base = make_dataset(DataConfig(outliers=0))
    each = make_dataset(DataConfig(outlier_shift_mode="each"))
    diff = (each.y_train - base.y_train)[each.outlier_train]
    assert len(diff) == 10 and each.outlier_test.sum() == 0
    assert len(np.unique(np.round(diff, 12))) == 10
    assert (diff >= 0).all() and (diff < 10).all()


def test_noise_is_uniform_upward_in_0_2():
    ds = make_dataset(DataConfig(outliers=0, n_samples=2000, seed=3))
    x, y, _ = _all_points(ds)
    noise = y - 2.0 * x
    assert noise.min() >= 0.0 and noise.max() < 2.0
    assert noise.mean() == pytest.approx(1.0, abs=0.06)
    assert noise.min() < 0.02 and noise.max() > 1.98
    gauss = make_dataset(DataConfig(outliers=0, n_samples=2000, noise="gaussian", noise_scale=1.0))
    gx, gy, _ = _all_points(gauss)
    assert (gy - 2 * gx).min() < 0  # gaussian noise goes both ways
    clean = make_dataset(DataConfig(outliers=0, noise="none"))
    cx, cy, _ = _all_points(clean)
    np.testing.assert_allclose(cy, 2 * cx)


def test_seeds_are_reproducible_and_distinct():
    a = make_dataset(DataConfig(seed=7))
    b = make_dataset(DataConfig(seed=7))
    c = make_dataset(DataConfig(seed=8))
    for field in ("x_train", "y_train", "x_test", "y_test", "outlier_train"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.y_train, c.y_train)
    np.testing.assert_array_equal(a.x_train, c.x_train)  # x does not depend on the seed


def test_evenly_spaced_indices():
    assert evenly_spaced_indices(50, 10).tolist() == list(range(0, 50, 5))
    assert evenly_spaced_indices(50, 10, offset=2).tolist() == list(range(2, 50, 5))
    assert evenly_spaced_indices(7, 0).tolist() == []
    idx = evenly_spaced_indices(23, 7)
    assert len(set(idx.tolist())) == 7 and idx.max() < 23


@pytest.mark.parametrize("n, outliers, test_fraction", [(50, 10, 0.2), (30, 3, 0.2), (100, 20, 0.1), (12, 0, 0.5)])
def test_other_sizes_keep_a_consistent_split(n, outliers, test_fraction):
    ds = make_dataset(DataConfig(n_samples=n, outliers=outliers, test_fraction=test_fraction))
    assert ds.n_train + len(ds.x_test) == n
    assert len(ds.x_test) == round(n * test_fraction)
    assert ds.outlier_train.sum() + ds.outlier_test.sum() == outliers


def test_make_dataset_validates_config():
    with pytest.raises(ConfigError) as info:
        make_dataset(DataConfig(n_samples=2))
    assert info.value.field_name == "data.n_samples"


# ---------------------------------------------------------------- CSV loading
ROWS = [(0.5, 1.7), (1.0, 2.4), (1.5, 3.9), (2.0, 4.1), (2.5, 5.6), (3.0, 6.2)]


def _write(tmp_path, text, name="data.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _rows_text(rows):
    return "".join(f"{x},{y}\n" for x, y in rows)


@pytest.mark.parametrize("header", ["", "x,y\n", "position , value\n", "\ufeffx,y\n"])
def test_good_csv_with_and_without_header(tmp_path, header):
    path = _write(tmp_path, header + _rows_text(ROWS))
    x, y = load_csv(path)
    np.testing.assert_array_equal(x, [r[0] for r in ROWS])
    np.testing.assert_array_equal(y, [r[1] for r in ROWS])
    assert x.dtype == np.float64


def test_good_csv_tolerates_blank_lines_spaces_and_crlf(tmp_path):
    text = "x,y\r\n\r\n 0.5 , 1.7\r\n1e0,2.4\r\n\r\n1.5,3.9\r\n2,4.1\r\n,\r\n"
    x, y = load_csv(_write(tmp_path, text))
    assert x.tolist() == [0.5, 1.0, 1.5, 2.0] and y.tolist() == [1.7, 2.4, 3.9, 4.1]


def test_csv_feeds_make_dataset(tmp_path):
    rows = [(float(i), 2.0 * i + 1) for i in range(20)]
    path = _write(tmp_path, "x,y\n" + _rows_text(rows))
    ds = make_dataset(DataConfig(csv_path=str(path)))
    assert ds.n_train == 16 and len(ds.x_test) == 4
    assert ds.clean_slope is None and ds.source == f"csv:{path}"
    assert ds.outlier_train.sum() == 0


def _expect_error(path, *fragments):
    with pytest.raises(DataError) as info:
        load_csv(path)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_missing_file(tmp_path):
    _expect_error(tmp_path / "nope.csv", "nope.csv", "no such file")


def test_folder_is_not_a_file(tmp_path):
    _expect_error(tmp_path, "not a file")


def test_empty_file(tmp_path):
    _expect_error(_write(tmp_path, ""), "empty")
    _expect_error(_write(tmp_path, "\n\n  \n", name="blank.csv"), "empty")
    _expect_error(_write(tmp_path, "x,y\n", name="header_only.csv"), "no data rows")


def test_non_numeric_cell_names_line_and_cell(tmp_path):
    text = "x,y\n" + _rows_text(ROWS[:3]) + "2.0,abc\n" + _rows_text(ROWS[3:])
    _expect_error(_write(tmp_path, text), "line 5", "'abc'", "not a number")
    text = _rows_text(ROWS[:2]) + "two,4.0\n" + _rows_text(ROWS[2:])
    _expect_error(_write(tmp_path, text, name="b.csv"), "line 3", "'two'")


def test_half_numeric_first_line_is_a_bad_cell_not_a_header(tmp_path):
    text = "0.5,abc\n" + _rows_text(ROWS)
    _expect_error(_write(tmp_path, text), "line 1", "'abc'")


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN", "Infinity"])
def test_nan_and_inf_refused_with_line(tmp_path, bad):
    text = _rows_text(ROWS[:4]) + f"3.5,{bad}\n" + _rows_text(ROWS[4:])
    _expect_error(_write(tmp_path, text), "line 5", "NaN or infinite")
    text = f"{bad},1.0\n" + _rows_text(ROWS)
    _expect_error(_write(tmp_path, text, name="first.csv"), "line 1", "NaN or infinite")


@pytest.mark.parametrize("bad_row, columns", [("1.0\n", 1), ("1.0,2.0,3.0\n", 3), ("1,2,\n", 3)])
def test_wrong_column_count(tmp_path, bad_row, columns):
    text = _rows_text(ROWS[:2]) + bad_row + _rows_text(ROWS[2:])
    _expect_error(_write(tmp_path, text), "line 3", f"{columns} columns", "expected 2")


def test_three_column_header_is_refused(tmp_path):
    _expect_error(_write(tmp_path, "x,y,z\n" + _rows_text(ROWS)), "line 1", "3 columns")


def test_too_few_rows(tmp_path):
    _expect_error(_write(tmp_path, "x,y\n" + _rows_text(ROWS[:3])), "3 data rows", "at least 4")
    x, _ = load_csv(_write(tmp_path, _rows_text(ROWS[:4]), name="four.csv"))
    assert len(x) == 4


def test_absurdly_large_file_refused_before_reading(tmp_path, monkeypatch):
    path = _write(tmp_path, "x,y\n" + _rows_text(ROWS * 20))
    monkeypatch.setattr(data_mod, "MAX_CSV_BYTES", 100)
    message = _expect_error(path, "at most")
    assert "MB" in message or "MiB" in message
    monkeypatch.setattr(data_mod, "MAX_CSV_BYTES", path.stat().st_size)
    x, _ = load_csv(path)  # exactly at the limit is fine
    assert len(x) == 120


def test_too_many_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "MAX_SAMPLES", 10)
    _expect_error(_write(tmp_path, _rows_text(ROWS * 3)), "more than 10 rows")


def test_binary_file_refused(tmp_path):
    _expect_error(_write(tmp_path, b"\xff\xfe\x00\x01\x80\x81,\x90\n" * 5, mode="wb"), "UTF-8")


def test_make_dataset_passes_data_errors_through(tmp_path):
    with pytest.raises(DataError):
        make_dataset(DataConfig(csv_path=str(tmp_path / "missing.csv")))


def test_dataset_is_frozen():
    ds = make_dataset(DataConfig())
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.source = "x"
