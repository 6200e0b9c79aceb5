"""The data recipe and the CSV loader."""

from __future__ import annotations

import dataclasses
import os

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


# ---------------------------------------------------------------- negative outlier shift
@pytest.mark.parametrize("mode", ["shared", "each"])
def test_negative_shift_puts_outliers_below_the_line(mode):
    """Oracle: the same recipe without outliers gives the same noise (shifts are drawn after it), so
    the difference is the shift; a shift of -s is the shift of +s negated, draw for draw."""
    base = make_dataset(DataConfig(outliers=0))
    up = make_dataset(DataConfig(outlier_shift=10.0, outlier_shift_mode=mode))
    down = make_dataset(DataConfig(outlier_shift=-10.0, outlier_shift_mode=mode))
    np.testing.assert_array_equal(down.outlier_train, up.outlier_train)
    shift_up = (up.y_train - base.y_train)[up.outlier_train]
    shift_down = (down.y_train - base.y_train)[down.outlier_train]
    assert len(shift_down) == 10
    assert (shift_down <= 0).all() and (shift_down > -10).all()
    np.testing.assert_allclose(shift_down, -shift_up, rtol=0, atol=1e-12)
    assert np.all((down.y_train - base.y_train)[~down.outlier_train] == 0)
    if mode == "shared":
        assert np.ptp(shift_down) < 1e-12
    else:
        assert len(np.unique(np.round(shift_down, 12))) == 10


def test_extreme_recipes_give_finite_data():
    big = 1e6
    for cfg in (
        DataConfig(x_min=-big, x_max=big, slope=big, intercept=big, noise="gaussian", noise_scale=big,
                   outlier_shift=-big, outlier_shift_mode="each"),
        DataConfig(x_min=-big, x_max=big, slope=-big, intercept=-big, noise="uniform", noise_scale=big,
                   outlier_shift=big, n_samples=100_000, outliers=100_000),
    ):
        ds = make_dataset(cfg)
        for array in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
            assert np.isfinite(array).all()


# ---------------------------------------------------------------- files that are not regular files
def test_fifo_csv_is_refused_without_blocking(tmp_path):
    import threading

    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    result = {}

    def load():
        try:
            load_csv(fifo)
        except DataError as exc:
            result["error"] = exc

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "reading a FIFO blocked"
    assert "FIFO" in str(result["error"])


def test_device_csv_is_refused():
    _expect_error("/dev/null", "device")


def test_a_long_bad_cell_is_quoted_shortened(tmp_path):
    cell = "z" * 100_000
    message = _expect_error(_write(tmp_path, "x,y\n1,2\n2," + cell + "\n3,4\n4,5\n"), "line 3", "not a number")
    assert len(message) < 250 and "..." in message


def test_a_long_path_is_shortened_but_keeps_the_file_name(tmp_path):
    folder = tmp_path / ("f" * 150)
    message = _expect_error(folder / "missing.csv", "missing.csv", "no such file")
    assert len(message) < 150

