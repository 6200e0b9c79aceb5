"""The Penalty geometry tab, driven through its objectNames. Oracles are hand computations for the
default problem (c = 0.5, w* = (2, 0.5)): L1 zeroes w2 from λ = 0.75 on, then w1 = 2.25 − λ."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest

from layout_check import text_problems, widget_problems
from regviz.gui import geometry_tab
from regviz.gui.style import DARK, HIGH_CONTRAST, LIGHT

TIMEOUT = 15000


@pytest.fixture
def tab(qtbot):
    widget = geometry_tab.GeometryTab()
    qtbot.addWidget(widget)
    widget.resize(1280, 680)  # a 1280x720 screen less the tab bar
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def child(tab, cls, name):
    widget = tab.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def marker(tab, method) -> np.ndarray:
    x, y = tab.view.items[method].marker.getData()
    return np.array([x[0], y[0]])


def path(tab, method) -> np.ndarray:
    x, y = tab.view.items[method].path.getData()
    return np.column_stack([x, y])


def test_lambda_up_puts_the_l1_optimum_on_the_axis_and_the_caption_says_so(qtbot, tab):
    spin = child(tab, QtWidgets.QDoubleSpinBox, "geometryLambdaSpin")
    spin.setValue(0.5)  # below 0.75: both weights still non-zero
    assert np.all(marker(tab, "l1") != 0)
    assert "no zero weight yet" in tab.view.caption_text() and "0.75" in tab.view.caption_text()
    spin.setValue(1.5)
    assert marker(tab, "l1")[1] == 0.0 and marker(tab, "l1")[0] == pytest.approx(0.75)
    assert np.all(marker(tab, "l2") != 0)  # L2 only shrinks
    caption = tab.view.caption_text()
    assert "sits on the w₂ = 0 axis: w₂ is exactly 0" in caption
    assert "L2's optimum" in caption and "only pulled toward the origin" in caption
    assert "λ(ρ|w|₁ + (1−ρ)|w|²/2)" in caption  # the app's elastic-net formula
    assert "L1: (0.75, 0)" in child(tab, QtWidgets.QLabel, "geometryOptimaLabel").text()
    assert path(tab, "l1")[-1][1] == 0.0  # the proximal descent ends on the axis


def test_the_log_slider_drives_lambda(tab):
    child(tab, QtWidgets.QSlider, "geometryLambdaSlider").setValue(0)  # log10 λ = 0
    assert tab.lam.value() == pytest.approx(1.0) and tab.scene.lam == pytest.approx(1.0)
    assert marker(tab, "l2") == pytest.approx([1.0, 0.5])  # ridge by hand: (Σ + I)w = Σw*


def test_rho_correlation_and_rule_change_the_picture(tab):
    child(tab, QtWidgets.QDoubleSpinBox, "geometryLambdaSpin").setValue(1.5)
    child(tab, QtWidgets.QDoubleSpinBox, "geometryRhoSpin").setValue(1.0)  # elastic net = L1
    assert marker(tab, "elasticnet") == pytest.approx(marker(tab, "l1"))
    child(tab, QtWidgets.QSlider, "geometryCorrelationSlider").setValue(0)
    assert child(tab, QtWidgets.QDoubleSpinBox, "geometryCorrelationSpin").value() == 0.0
    assert marker(tab, "l1") == pytest.approx([0.5, 0.0])  # c = 0: soft-thresholding, 2 − 1.5 and 0
    rule = child(tab, QtWidgets.QComboBox, "geometryL1RuleCombo")
    rule.setCurrentIndex(rule.findData("subgradient"))
    assert path(tab, "l1")[-1][1] != 0.0  # chatters around the axis
    assert "subgradient descent does not land on 0" in tab.view.caption_text()
    rule.setCurrentIndex(rule.findData("proximal"))
    assert path(tab, "l1")[-1][1] == 0.0 and "proximal descent lands on exactly 0" in tab.view.caption_text()


def test_dragging_the_start_point_reruns_the_descents(qtbot, tab):
    before = path(tab, "l2")
    tab.view.start_item.setPos(0.5, -1.0)  # the item's API, as a drag does
    after = path(tab, "l2")
    assert tuple(after[0]) == (0.5, -1.0) and tab.start == (0.5, -1.0)
    assert after[-1] == pytest.approx(before[-1], abs=1e-9)  # same optimum, another road
    # and once with the mouse: press on the target, move, release
    graphics = tab.view.graphics
    vb = tab.view.plot.vb

    def pixel(x, y):
        return graphics.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))

    viewport = graphics.viewport()
    start, end = pixel(0.5, -1.0), pixel(1.5, 1.0)
    QTest.mousePress(viewport, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 11):
        at = QtCore.QPointF(start + (end - start) * (k / 10))
        move = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, at, viewport.mapToGlobal(at),
                                 QtCore.Qt.MouseButton.NoButton, QtCore.Qt.MouseButton.LeftButton,
                                 QtCore.Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(viewport, move)
    QTest.mouseRelease(viewport, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, end)
    qtbot.waitUntil(lambda: abs(tab.start[0] - 1.5) < 0.1 and abs(tab.start[1] - 1.0) < 0.1, timeout=TIMEOUT)
    assert path(tab, "l2")[0] == pytest.approx(tab.start)


def test_a_start_outside_the_view_is_kept_in_it(tab):
    tab.set_start((50.0, -50.0))
    assert tab.start == (3.0, -1.5) and tab.view.start() == (3.0, -1.5)
    child(tab, QtWidgets.QPushButton, "geometryResetStartButton").click()
    assert tab.start == geometry_tab.DEFAULT_START


def test_replay_grows_the_paths_and_ends_at_the_optimum(qtbot, tab, monkeypatch):
    monkeypatch.setattr(geometry_tab, "REPLAY_SECONDS", 0.5)  # a class gets 6 s; a test needs less
    full = len(path(tab, "l1"))
    child(tab, QtWidgets.QPushButton, "geometryReplayButton").click()
    assert tab.replaying() and len(path(tab, "l1")) == 1  # from the start point only
    qtbot.waitUntil(lambda: tab.frame > 0, timeout=TIMEOUT)
    if tab.replaying():
        assert 1 < len(path(tab, "l1")) < full and "(replay)" in tab.step_label.text()
    qtbot.waitUntil(lambda: not tab.replaying(), timeout=TIMEOUT)
    assert len(path(tab, "l1")) == full
    for method in ("none", "l1", "l2", "elasticnet"):
        assert path(tab, method)[-1] == pytest.approx(marker(tab, method), abs=1e-9)
    child(tab, QtWidgets.QPushButton, "geometryReplayButton").click()
    child(tab, QtWidgets.QDoubleSpinBox, "geometryLambdaSpin").setValue(2.0)  # a change stops it
    assert not tab.replaying() and len(path(tab, "l1")) == len(tab.scene.methods["l1"].path)


def test_show_checks_hide_a_method(tab):
    box = child(tab, QtWidgets.QCheckBox, "geometryShowL1Check")
    box.setChecked(False)
    assert not tab.view.items["l1"].path.isVisible() and not tab.view.items["l1"].marker.isVisible()
    assert tab.view.items["l2"].path.isVisible()
    box.setChecked(True)
    assert tab.view.items["l1"].path.isVisible()


@pytest.mark.parametrize("theme", [LIGHT, HIGH_CONTRAST, DARK])
def test_themes_colours_and_nothing_cut_at_1280x720(qtbot, tab, theme):
    child(tab, QtWidgets.QDoubleSpinBox, "geometryLambdaSpin").setValue(1.5)
    tab.apply_theme(theme)
    qtbot.waitUntil(lambda: tab.view.graphics.width() > 400, timeout=TIMEOUT)
    QtWidgets.QApplication.processEvents()
    assert tab.view.theme is theme
    for method in ("l1", "l2", "elasticnet", "none"):
        assert tab.view.items[method].path.opts["pen"].color().name() == QtGui.QColor(theme.method_color(method)).name()
    styles = {tab.view.items[m].path.opts["pen"].style() for m in ("l1", "l2", "elasticnet", "none")}
    assert len(styles) >= 3  # told apart without colour
    assert tab.view.graphics.backgroundBrush().color().name() == QtGui.QColor(theme.background).name()
    assert text_problems(tab.view) == []
    assert widget_problems(tab) == []
    assert "sits on the w₂ = 0 axis" in tab.view.caption_text()  # the rebuilt canvas kept its scene
    vb = tab.view.plot.vb
    (x0, x1), (y0, y1) = vb.viewRange()
    pixels = vb.mapViewToDevice(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)).boundingRect()
    assert pixels.width() / (x1 - x0) == pytest.approx(pixels.height() / (y1 - y0), rel=0.02)  # equal aspect


def test_export_png_and_svg(qtbot, tab, tmp_path):
    child(tab, QtWidgets.QDoubleSpinBox, "geometryLambdaSpin").setValue(1.5)
    assert tab.export_figure(tmp_path / "geometry.png", scale=1.0)
    image = QtGui.QImage(str(tmp_path / "geometry.png"))
    assert not image.isNull() and image.width() > 400
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # not blank
    assert tab.export_figure(tmp_path / "geometry.svg")
    svg = (tmp_path / "geometry.svg").read_text()
    assert "<svg" in svg and "λ = 1.5" in svg  # the caption line


def test_export_to_an_unwritable_place_says_so(qtbot, tab, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not tab.export_figure(blocker / "geometry.png")
    qtbot.waitUntil(lambda: tab.findChild(QtWidgets.QMessageBox, "errorDialog") is not None, timeout=TIMEOUT)
    tab.findChild(QtWidgets.QMessageBox, "errorDialog").close()


def test_registered_in_the_window_after_live_and_themed_by_it(qtbot, window):
    tabs = window.findChild(QtWidgets.QTabWidget, "mainTabs")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    lesson_order = ["Live", "Experiments", "Penalty geometry", "Gradients", "Softmax"]
    present = [t for t in lesson_order if t in titles]
    assert [t for t in titles if t in lesson_order] == present and "Penalty geometry" in present
    widget = window.findChild(QtWidgets.QWidget, "geometryTab")
    window.show_tab(widget)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: widget.view.graphics.width() > 400, timeout=TIMEOUT)
    window.findChild(QtGui.QAction, "theme_dark").trigger()
    assert widget.view.theme is DARK
    QtWidgets.QApplication.processEvents()
    assert text_problems(widget.view) == [] and widget_problems(widget) == []
    window.findChild(QtGui.QAction, "theme_light").trigger()
    assert widget.view.theme is LIGHT
