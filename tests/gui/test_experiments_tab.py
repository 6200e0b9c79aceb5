"""The Experiments tab driven as a teacher would, by objectName: repeats (the table equals
`regviz experiment --json`), cancel, prune with the article's 10,10,1, a sweep with its band, and
each result back in the Live tab. Tiny configs (a few epochs): each job takes a second or two."""

from __future__ import annotations

import json
import math
import multiprocessing
from statistics import median

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from layout_check import text_problems, widget_problems
from regviz import cli
from regviz.core.presets import load_preset
from regviz.gui.style import HIGH_CONTRAST

EPOCHS = 4
JOB_TIMEOUT = 120_000  # ms: the machine may be busy; nothing here measures time


def _tab(qtbot, window, **changes):
    """The window at 1280x720 on the seed preset with a few epochs, on the Experiments tab."""
    window.resize(1280, 720)
    cfg = load_preset("seed").replace(**{"training.epochs": EPOCHS, **changes})
    assert window.load_into_live(cfg)
    tab = window.findChild(QtWidgets.QWidget, "experimentsTab")
    tabs = window.findChild(QtWidgets.QTabWidget, "mainTabs")
    assert tabs.tabText(1) == "Experiments" and window.tab_index(tab) == 1
    window.show_tab(tab)
    qtbot.waitUntil(lambda: f"{cfg.training.epochs:,} epochs" in tab.findChild(QtWidgets.QLabel, "experimentConfigLabel").text(),
                    timeout=10000)
    return tab


def _child(tab, cls, name):
    widget = tab.findChild(cls, name)
    assert widget is not None, name
    return widget


def _wait_idle(qtbot, tab, done):
    qtbot.waitUntil(lambda: not tab.job_bar.busy and done(), timeout=JOB_TIMEOUT)
    assert "failed" not in tab.job_bar.status.text(), tab.job_bar.status.text()


def _double_click(qtbot, table, row):
    rect = table.visualItemRect(table.item(row, 1))
    # an item view takes a double-click only after a press on the same cell, as a real double-click has
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())


def _no_job_process():
    return not [p for p in multiprocessing.active_children() if p.name == "regviz-job" and p.is_alive()]


def _layout_ok(tab, canvas):
    QtWidgets.QApplication.processEvents()
    assert text_problems(canvas) == []
    assert widget_problems(tab) == []


def test_repeats_equal_the_cli_json_and_a_run_goes_to_live(qtbot, window, tmp_path):
    tab = _tab(qtbot, window)
    _child(tab, QtWidgets.QSpinBox, "repeatsSpin").setValue(3)
    _child(tab, QtWidgets.QPushButton, "runExperimentButton").click()
    table = _child(tab, QtWidgets.QTableWidget, "experimentTable")
    _wait_idle(qtbot, tab, lambda: tab.repeats.result is not None)
    bar = _child(tab, QtWidgets.QProgressBar, "experimentProgress")
    done, total = tab.job_bar.last_progress
    assert done == total == bar.value() == bar.maximum() and total % EPOCHS == 0  # every step counted, none more

    out = tmp_path / "runs.json"
    assert cli.main(["experiment", "--preset", "seed", "--epochs", str(EPOCHS), "--repeats", "3", "--quiet",
                     "--json", str(out)]) == 0
    runs = json.loads(out.read_text())["runs"]
    assert [(r["method"], r["seed"]) for r in runs] == [(m, s) for m in ("l1", "l2") for s in (12, 13, 14)]
    expected = []
    for method, label in (("l1", "L1"), ("l2", "L2")):
        mine = [r for r in runs if r["method"] == method]
        for r in mine:
            expected.append([label, str(r["seed"]), f"{r['test_total_abs_error']:.3f}", f"{r['train_loss']:.4f}",
                             f"{100 * r['sparsity']:.1f} %", str(r["disconnected_neurons"]),
                             "yes" if r["diverged"] else "no"])
        ok = [r for r in mine if not r["diverged"]]
        expected.append([label, "median", f"{median(r['test_total_abs_error'] for r in ok):.3f}",
                         f"{median(r['train_loss'] for r in ok):.4f}", f"{100 * median(r['sparsity'] for r in mine):.1f} %",
                         f"{median(r['disconnected_neurons'] for r in mine):g}",
                         f"{len(mine) - len(ok)} of {len(mine)}"])
    assert [table.row_texts(r) for r in range(table.rowCount())] == expected
    assert _child(tab, QtWidgets.QWidget, "experimentPlot").median_lines  # the strip plot has its medians

    _child(tab, QtWidgets.QPushButton, "copyTableButton").click()
    lines = QtWidgets.QApplication.clipboard().text().splitlines()
    assert len(lines) == 1 + len(expected) and lines[1].split("\t") == expected[0]
    _layout_ok(tab, tab.repeats.plot)

    _double_click(qtbot, table, 4)  # L2, seed 12
    qtbot.waitUntil(lambda: window.tabs.currentIndex() == 0, timeout=10000)
    cfg = window.controller.config
    assert (cfg.regularization.method, cfg.training.seed, cfg.training.epochs) == ("l2", 12, EPOCHS)
    assert window.controller.compare is None


def test_cancel_leaves_no_process_and_the_window_works_on(qtbot, window):
    tab = _tab(qtbot, window, **{"training.epochs": 100_000})
    _child(tab, QtWidgets.QPushButton, "runExperimentButton").click()
    bar = _child(tab, QtWidgets.QProgressBar, "experimentProgress")
    qtbot.waitUntil(lambda: bar.maximum() > 1 and bar.value() > 0, timeout=JOB_TIMEOUT)  # it is training
    assert not _child(tab, QtWidgets.QPushButton, "runExperimentButton").isEnabled()  # one job at a time
    _child(tab, QtWidgets.QPushButton, "cancelButton").click()
    qtbot.waitUntil(lambda: not tab.job_bar.busy, timeout=JOB_TIMEOUT)
    assert "cancelled" in tab.job_bar.status.text()
    qtbot.waitUntil(_no_job_process, timeout=20000)
    assert tab.repeats.result is None and _child(tab, QtWidgets.QPushButton, "runExperimentButton").isEnabled()


def test_prune_with_the_articles_10_10_1(qtbot, window):
    tab = _tab(qtbot, window)
    tab.sub_tabs.setCurrentWidget(tab.prune)
    _child(tab, QtWidgets.QSpinBox, "pruneRepeatsSpin").setValue(2)
    _child(tab, QtWidgets.QPushButton, "pruneButton").click()
    _wait_idle(qtbot, tab, lambda: tab.prune.before is not None)

    before = tab.prune.before["runs"]
    connected = [[10 - len(r["disconnected_by_layer"][h]) for r in before] for h in range(3)]
    proposal = ",".join(str(max(1, math.ceil(median(c)))) for c in connected)  # the median still connected
    edit = _child(tab, QtWidgets.QLineEdit, "proposedLayersEdit")
    assert edit.text() == proposal
    view = tab.prune.view
    dead = before[0]["disconnected_by_layer"]  # hidden layer h feeds from W[h] and into W[h+1]
    for layer, hatch in enumerate(view.hatches["before"]):  # a matrix touching a disconnected neuron is hatched
        touches = (layer < 3 and bool(dead[layer])) or (layer > 0 and bool(dead[layer - 1]))
        assert (hatch.path().elementCount() > 0) == touches

    retrain = _child(tab, QtWidgets.QPushButton, "retrainButton")
    problem = _child(tab, QtWidgets.QLabel, "proposedLayersError")
    edit.setText("10,0,1")
    assert problem.isVisible() and "0 neurons" in problem.text() and not retrain.isEnabled()
    edit.setText("10,10,1")
    assert not problem.isVisible() and retrain.isEnabled()
    retrain.click()
    _wait_idle(qtbot, tab, lambda: tab.prune.after is not None)

    after = tab.prune.after["runs"]
    assert [r["layer_sizes"] for r in after] == [[1, 10, 10, 1, 1]] * 2
    assert [r["seed"] for r in after] == [r["seed"] for r in before]  # the same seeds, retrained
    shapes = [np.array(w, dtype=float).shape for w in after[0]["weights"]]
    assert shapes == [(1, 10), (10, 10), (10, 1), (1, 1)]  # the article's [(1,10),(10,10),(10,1),(1,1)]
    assert [p.image.image.shape for p in view.panels["after"]] == shapes  # side by side with the original
    assert len(view.panels["before"]) == 4
    table = _child(tab, QtWidgets.QTableWidget, "pruneTable")
    assert "test error 1-10-10-1-1" in table.header_texts()
    errors = [f"{r['test_total_abs_error']:.3f}" for r in after]
    assert [table.row_texts(r)[2] for r in range(2)] == errors
    assert table.row_texts(2)[:3] == ["median", f"{median(r['test_total_abs_error'] for r in before):.3f}",
                                      f"{median(r['test_total_abs_error'] for r in after):.3f}"]
    _layout_ok(tab, view)

    _double_click(qtbot, table, 1)  # the retrained net of the second seed goes to Live
    qtbot.waitUntil(lambda: window.tabs.currentIndex() == 0, timeout=10000)
    cfg = window.controller.config
    assert (cfg.model.hidden_layers, cfg.training.seed, cfg.regularization.method) == ((10, 10, 1), 13, "l1")


def test_sweep_band_a_click_loads_that_lambda_and_themes(qtbot, window, tmp_path):
    tab = _tab(qtbot, window)
    tab.sub_tabs.setCurrentWidget(tab.sweep)
    note = _child(tab, QtWidgets.QLabel, "sweepNote")
    assert "chatter" in note.text() and "collapses to a constant" in note.text()  # the subgradient default
    _child(tab, QtWidgets.QLineEdit, "sweepLowEdit").setText("0")
    _child(tab, QtWidgets.QPushButton, "sweepButton").click()
    problem = _child(tab, QtWidgets.QLabel, "sweepProblemLabel")
    assert problem.isVisible() and "above 0" in problem.text() and not tab.job_bar.busy

    _child(tab, QtWidgets.QLineEdit, "sweepLowEdit").setText("1e-3")
    _child(tab, QtWidgets.QLineEdit, "sweepHighEdit").setText("1")
    _child(tab, QtWidgets.QSpinBox, "sweepCountSpin").setValue(4)
    _child(tab, QtWidgets.QSpinBox, "sweepSeedsSpin").setValue(2)
    rule = _child(tab, QtWidgets.QComboBox, "sweepRuleCombo")
    rule.setCurrentIndex(rule.findData("clip"))
    assert "exactly 0" in note.text() and "chatter" not in note.text()
    _child(tab, QtWidgets.QPushButton, "sweepButton").click()
    _wait_idle(qtbot, tab, lambda: tab.sweep.result is not None)

    result = tab.sweep.result
    assert result["lambdas"] == pytest.approx([1e-3, 1e-2, 1e-1, 1.0], rel=1e-12)
    view = _child(tab, QtWidgets.QWidget, "sweepPlot")
    for method in ("l1", "l2"):
        band = view.bands[(method, "sparsity")].band
        for i, lam in enumerate(result["lambdas"]):
            values = [100 * r["sparsity"] for r in result["runs"] if r["method"] == method and r["lambda"] == lam]
            assert len(values) == 2 and all(r["l1_rule"] in ("clip", None) for r in result["runs"])
            assert (band.low[i], band.median[i], band.high[i]) == pytest.approx((min(values), median(values), max(values)))
        assert not view.bands[(method, "test_total_abs_error")].path().isEmpty()
    _layout_ok(tab, view)
    assert tab.export_canvas(view, str(tmp_path / "path.svg"), 1.0)
    svg = (tmp_path / "path.svg").read_text()
    assert "regularization path" in svg and "init seed 12" in svg  # the caption says what ran

    pos = view.graphics.mapFromScene(view.scene_pos_of(2))
    qtbot.mouseClick(view.graphics.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.tabs.currentIndex() == 0, timeout=10000)
    cfg = window.controller.config
    assert cfg.regularization.lam == pytest.approx(0.1) and cfg.regularization.l1_rule == "clip"
    assert window.controller.compare == ("l1", "l2") and cfg.training.seed == 12

    window.show_tab(tab)
    window.presentation.apply(HIGH_CONTRAST)  # the 1.5x-font theme reaches every canvas of the tab
    for canvas in (tab.repeats.plot, tab.prune.view, view):
        assert canvas.theme is HIGH_CONTRAST
    assert view.bands  # redrawn, not emptied
    _layout_ok(tab, view)
