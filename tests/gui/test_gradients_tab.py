"""The Gradients tab, through its objectNames: registered after Live, trains four deep nets in a job
process (frames arrive, Pause/Start/Reset, depth), draws 8 points per activation, follows the
themes, exports, fits at 1280x720 and leaves no process behind (conftest checks)."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from layout_check import text_problems, widget_problems
from regviz.gui.style import DARK, HIGH_CONTRAST, LIGHT

LONG = 30000  # ms: the job process spawns and imports numpy on a shared 2-core machine


def job_processes() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "regviz-job"]


def idle(tab) -> bool:
    """No job of the tab's is running and none is left ending."""
    return tab.job is None and not tab._ending and not job_processes()


def find(root, cls, name):
    widget = root.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


@pytest.fixture
def tab(qtbot):
    from regviz.gui.gradients_tab import GradientsTab

    widget = GradientsTab(None)  # on the seed preset's data
    qtbot.addWidget(widget)
    widget.resize(1280, 640)  # what a 1280x720 window leaves it (menu, tab bar, status bar)
    widget.show()
    yield widget
    widget.shutdown()


def curve_points(curve) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(curve.xData, dtype=float), np.asarray(curve.yData, dtype=float)


def test_in_the_window_at_1280x720_with_every_theme(qtbot, window):
    """Registered after Live; no text cut off or overlapping at 1280x720 (panel shown) in every
    theme, which View > Theme passes on; training stops when the window closes."""
    tabs = find(window, QtWidgets.QTabWidget, "mainTabs")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles[0] == "Live" and "Gradients" in titles
    order = [t for t in ("Experiments", "Penalty geometry", "Gradients", "Softmax") if t in titles]
    assert [t for t in titles if t in order] == order
    page = find(window, QtWidgets.QWidget, "gradientsTab")
    assert window.tab_index(page) == titles.index("Gradients")
    assert find(page, QtWidgets.QWidget, "gradientCanvas") is page.canvas
    # the Live tab's data: the seed preset's 40 training points
    assert len(page.data[0]) == window.controller.config.data.n_samples - 10
    window.resize(1280, 720)
    window.show_tab(page)
    for theme in (HIGH_CONTRAST, DARK, LIGHT):  # the presentation themes have 1.5x fonts
        window.presentation.choose_theme(theme)
        assert page.canvas.theme is theme
        assert page.canvas.graphics.backgroundBrush().color().name() == theme.background
        assert len(page.canvas.now_curves) == 4 and len(curve_points(page.canvas.now_curves[0])[0]) == 8
        qtbot.waitUntil(lambda: 0 < page.canvas.width() <= 1280, timeout=10000)  # laid out in the 1280-px window
        QtWidgets.QApplication.processEvents()
        assert text_problems(page.canvas) == [], theme.name
        assert widget_problems(page) == [], theme.name
    qtbot.mouseClick(find(page, QtWidgets.QPushButton, "gradientsStartButton"), QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.frame.step > 0, timeout=LONG)
    window.close()  # closing the window ends the job process (conftest checks none is left)
    assert idle(page)


def test_start_pause_resume_reset(qtbot, tab):
    start = find(tab, QtWidgets.QPushButton, "gradientsStartButton")
    reset = find(tab, QtWidgets.QPushButton, "gradientsResetButton")
    assert tab.frame.step == 0 and start.text() == "Start"
    qtbot.mouseClick(start, QtCore.Qt.MouseButton.LeftButton)
    assert start.text() == "Pause"
    qtbot.waitUntil(lambda: tab.frame.step > 0, timeout=LONG)
    qtbot.mouseClick(start, QtCore.Qt.MouseButton.LeftButton)  # Pause: the process ends
    assert start.text() == "Start"
    qtbot.waitUntil(lambda: idle(tab), timeout=LONG)
    paused = tab.frame.step
    assert "Paused at step" in tab.status_label.text()
    qtbot.mouseClick(start, QtCore.Qt.MouseButton.LeftButton)  # Start goes on from there
    qtbot.waitUntil(lambda: tab.frame.step > paused, timeout=LONG)
    qtbot.mouseClick(reset, QtCore.Qt.MouseButton.LeftButton)  # Reset: step 0, still running
    assert tab.frame.step == 0 and start.text() == "Pause"
    qtbot.waitUntil(lambda: tab.frame.step > 0, timeout=LONG)
    tab.shutdown()
    assert idle(tab)


def test_eight_points_per_activation_and_the_sigmoid_vanishes(tab):
    """At step 0 (computed in the GUI): per activation one point per hidden layer; the sigmoid
    net's layer 1 gets far less gradient than its layer 8, which the caption says; its f'(z)
    markers stay under the 1/4 line."""
    canvas = tab.canvas
    assert tab.frame.activations == ("sigmoid", "tanh", "relu", "elu")
    for now, bar, mean in zip(canvas.now_curves, canvas.bars, canvas.means):
        x, y = curve_points(now)
        assert list(x) == list(range(1, 9)) and len(y) == 8 and np.all(np.isfinite(y))
        assert len(mean.data) == 8 and len(bar.xData) == 16  # a bar (two ends) per layer
    layers = curve_points(canvas.now_curves[0])[1]
    assert layers[0] < 1e-2 * layers[7]
    assert "Sigmoid: layer 1 gets" in canvas.caption_text
    sigmoid_means = np.array([p.pos().y() for p in canvas.means[0].points()])
    assert np.all(sigmoid_means <= 0.25) and np.all(sigmoid_means > 0)
    levels = sorted(item.value() for item in canvas.fprime_plot.items if hasattr(item, "value"))
    assert levels == [0.25, 1.0]


def test_depth_and_width_start_over(qtbot, tab):
    depth = find(tab, QtWidgets.QSpinBox, "gradientsDepthSpin")
    width = find(tab, QtWidgets.QSpinBox, "gradientsWidthSpin")
    assert (depth.value(), width.value()) == (8, 10)
    depth.setValue(3)
    width.setValue(4)
    assert tab.spec.depth == 3 and tab.spec.width == 4
    assert tab.frame.state.weights[1].shape == (4, 4, 4)  # 4 nets, 4 -> 4 units
    for now in tab.canvas.now_curves:
        assert list(curve_points(now)[0]) == [1.0, 2.0, 3.0]
    assert "layer 3" in tab.canvas.caption_text
    depth.setValue(1)  # nothing to vanish through: still a true caption
    assert list(curve_points(tab.canvas.now_curves[0])[0]) == [1.0]
    assert "One hidden layer" in tab.canvas.caption_text


def test_export_png_and_svg_and_a_bad_path(tmp_path, tab):
    png, svg = tmp_path / "gradients.png", tmp_path / "gradients.svg"
    assert tab.export(png) and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert tab.export(svg) and b"<svg" in svg.read_bytes()[:2000]
    assert "8 hidden layers × 10 units" in tab.caption()
    assert not tab.export(tmp_path / "missing" / "folder" / "g.png")
    assert "Export failed" in tab.status_label.text()


# ---------------------------------------------------------------- the tab's Qt-free maths and words
def test_log_ranges_history_and_caption_by_hand():
    from regviz.core.deep_gradients import GradientFrame
    from regviz.gui.gradient_math import HISTORY_POINTS, GradientHistory, log_range, positive_or_nan, sci, what_is_seen

    assert np.isnan(positive_or_nan([0.0, -1.0, np.inf, np.nan])).all()
    assert log_range(np.array([1e-6, 1e-2])) == (-6.25, -1.75)  # padded by a quarter decade
    assert log_range(np.array([3e-3, 4e-3])) == (-3.25, -1.5)  # a decade around -2.46, padded, on quarters
    assert log_range(np.array([0.0, np.nan])) is None
    assert (sci(6.5e-5), sci(0.56), sci(12.3), sci(0.0)) == ("6.5e-05", "0.56", "12", "0")
    history = GradientHistory()
    for step in range(HISTORY_POINTS + 1):
        history.add(step, np.array([step, 1.0]))
    steps, values = history.arrays()
    assert len(steps) <= HISTORY_POINTS // 2 + 2 and steps[0] == 0 and steps[-1] == HISTORY_POINTS
    assert values.shape == (2, len(steps)) and np.all(np.diff(steps) > 0)
    # 3 hidden layers; sigmoid's layer 1 gets 1e-4 of layer 3's: x(1e-4)^(1/2) = x0.01 per layer
    grad = np.array([[1e-6, 1e-4, 1e-2, 0.5], [0.1, 0.2, 0.3, 0.4]])
    frame = GradientFrame(42, ("sigmoid", "relu"), np.array([3.0, 2.0]), grad, np.array([[0.2, 0.22, 0.24], [0.5] * 3]),
                          np.zeros((2, 3, 3)), np.array([False, False]), None)
    text = what_is_seen(frame)
    assert "sigmoid 1.0e-06 and 0.01, ReLU 0.1 and 0.3" in text
    assert "layer 1 gets 1.0e-04 of layer 3's gradient, ×0.01 per layer" in text
    assert "(mean here 0.21)" in text and "Step 42;" in text
