"""The Softmax tab, through its objectNames: typed logits and the temperature redraw the bars at
once, the article's three cases are one click each, bad logits get a red message and keep the last
bars, spin box and log slider follow each other, themes, export, and a clean layout at 1280x720.
Oracles: the article's printed numbers and hand computations with math.exp."""

from __future__ import annotations

import math

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from layout_check import text_problems, widget_problems
from regviz.gui.style import DARK, HIGH_CONTRAST, LIGHT

ARTICLE = [["0.846", "0.085", "0.069"], ["0.316", "0.258", "0.426"], ["0.130"] + ["0.097"] * 9]


def find(root, cls, name):
    widget = root.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def by_hand(logits, temperature=1.0) -> list[str]:
    """softmax to 3 decimals, computed directly (logits small enough for plain exp)."""
    e = [math.exp(z / temperature) for z in logits]
    return [f"{v / sum(e):.3f}" for v in e]


def bars(tab) -> list[str]:
    return find(tab, QtWidgets.QWidget, "softmaxCanvas").shown_values()


def type_logits(qtbot, tab, text: str) -> None:
    edit = find(tab, QtWidgets.QLineEdit, "logitsEdit")
    edit.selectAll()
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


@pytest.fixture
def tab(qtbot):
    from regviz.gui.softmax_tab import SoftmaxTab

    widget = SoftmaxTab(None)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    qtbot.waitExposed(widget, timeout=10000)
    return widget


def test_opens_on_the_articles_first_case(tab):
    assert tab.objectName() == "softmaxTab"
    assert find(tab, QtWidgets.QLineEdit, "logitsEdit").text() == "3, 0.7, 0.5"
    assert bars(tab) == ARTICLE[0]


def test_each_article_case_is_one_click(qtbot, tab):
    spin = find(tab, QtWidgets.QDoubleSpinBox, "temperatureSpin")
    spin.setValue(3.0)  # the article's numbers hold at T = 1: a case click goes back there
    for number, expected in enumerate(ARTICLE, start=1):
        qtbot.mouseClick(find(tab, QtWidgets.QPushButton, f"softmaxCase{number}"), QtCore.Qt.MouseButton.LeftButton)
        assert spin.value() == 1.0
        assert bars(tab) == expected, number
    assert "Case 3" in tab.canvas.headline.item.toPlainText()  # says which case it shows


def test_typing_updates_the_bars_and_the_entropy(qtbot, tab):
    type_logits(qtbot, tab, "-1, 2, 3")
    assert bars(tab) == by_hand([-1, 2, 3])
    type_logits(qtbot, tab, "1 1 1 1")  # spaces work too; uniform: entropy ln 4 = 1.386 nats = 2 bits
    assert bars(tab) == ["0.250"] * 4
    entropy = tab.canvas.entropy_label.item.toPlainText()
    assert "1.386 nats" in entropy and "2.000 bits" in entropy and "ln 4" in entropy
    type_logits(qtbot, tab, "1000, 0")  # stable: e^1000 would overflow
    assert bars(tab) == ["1.000", "0.000"]


def test_bad_logits_get_a_red_message_and_keep_the_bars(qtbot, tab):
    edit = find(tab, QtWidgets.QLineEdit, "logitsEdit")
    error = find(tab, QtWidgets.QLabel, "logitsError")
    assert error.text() == ""
    for bad, words in [("3, 0.7, x", "'x' is not a number"), ("5", "1 logit"), ("1, inf", "finite"),
                       (", ".join(["1"] * 21), "21 logits"), ("", "2 to 20")]:
        edit.setText(bad)  # pasted at once
        assert words in error.text()
        assert error.isVisible()
        assert error.palette().color(QtGui.QPalette.ColorRole.WindowText).name() == "#b00020"  # red
        assert edit.palette().color(QtGui.QPalette.ColorRole.Base).name() == "#fde7e9"  # a pink field
        assert bars(tab) == ARTICLE[0]  # the last good state
    type_logits(qtbot, tab, "0, 0")
    assert error.text() == "" and bars(tab) == ["0.500", "0.500"]
    assert edit.palette().color(QtGui.QPalette.ColorRole.Base) == tab.palette().color(QtGui.QPalette.ColorRole.Base)
    type_logits(qtbot, tab, "3, 0.7, x")  # typed: the bars stay at the last good prefix, "3, 0.7, "
    assert "'x'" in error.text() and bars(tab) == by_hand([3, 0.7])


def test_spin_and_log_slider_follow_each_other_live(qtbot, tab):
    spin = find(tab, QtWidgets.QDoubleSpinBox, "temperatureSpin")
    slider = find(tab, QtWidgets.QSlider, "temperatureSlider")
    assert (spin.minimum(), spin.maximum()) == (0.1, 10.0)
    assert slider.value() == (slider.minimum() + slider.maximum()) // 2  # T = 1 sits in the log middle
    slider.setValue(slider.maximum())
    assert spin.value() == 10.0
    assert bars(tab) == by_hand([3, 0.7, 0.5], 10.0)  # flatter: towards 1/3 each
    slider.setValue(slider.minimum())
    assert spin.value() == pytest.approx(0.1)
    assert bars(tab) == ["1.000", "0.000", "0.000"]  # sharper: towards argmax
    spin.setValue(2.0)
    # log scale: T = 2 is log10(2 / 0.1) / 2 of the way from 0.1 to 10
    share = math.log10(20.0) / 2.0
    assert slider.value() == round(share * (slider.maximum() - slider.minimum()))
    assert bars(tab) == by_hand([3, 0.7, 0.5], 2.0)
    assert "flatter" in tab.canvas.headline.item.toPlainText()


def test_themes_redraw_and_keep_the_values(qtbot, tab):
    type_logits(qtbot, tab, "1.2, 1, 1.5")
    for theme in (DARK, HIGH_CONTRAST, LIGHT):
        tab.apply_theme(theme)
        assert tab.canvas.graphics.backgroundBrush().color().name() == theme.background
        assert bars(tab) == ARTICLE[1]
    type_logits(qtbot, tab, "x, 1")
    tab.apply_theme(DARK)  # a message stays readable on the dark background
    assert find(tab, QtWidgets.QLabel, "logitsError").text() != ""


def test_export_png_and_svg_with_a_caption(tab, tmp_path):
    png, svg = tmp_path / "softmax.png", tmp_path / "softmax.svg"
    assert tab.export_figure(str(png), 1.0)
    assert tab.export_figure(str(svg), 1.0)
    assert QtGui.QImage(str(png)).width() > 100
    text = svg.read_text(encoding="utf-8")
    assert "0.846" in text and "logits 3, 0.7, 0.5" in text  # the values and the caption line
    assert find(tab, QtWidgets.QPushButton, "softmaxExportButton").isEnabled()


def test_in_the_window_at_1280x720_with_every_theme(qtbot, window):
    """Registered last, in order, under 'Softmax'; no text cut off or overlapping at 1280x720 in any
    theme (View > Theme reaches the tab), with the ten-class case showing."""
    tabs = find(window, QtWidgets.QTabWidget, "mainTabs")
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    order = [t for t in ("Experiments", "Penalty geometry", "Gradients", "Softmax") if t in titles]
    assert titles[0] == "Live" and [t for t in titles if t in order] == order and titles[-1] == "Softmax"
    page = find(window, QtWidgets.QWidget, "softmaxTab")
    assert window.tab_index(page) == titles.index("Softmax")
    window.resize(1280, 720)
    window.show_tab(page)
    qtbot.mouseClick(find(page, QtWidgets.QPushButton, "softmaxCase3"), QtCore.Qt.MouseButton.LeftButton)
    for theme in (HIGH_CONTRAST, DARK, LIGHT):  # the presentation themes have 1.5x fonts
        window.presentation.choose_theme(theme)
        assert page.canvas.theme is theme
        qtbot.waitUntil(lambda: 0 < page.canvas.width() <= 1280, timeout=10000)  # laid out in the 1280-px window
        QtWidgets.QApplication.processEvents()
        assert bars(page) == ARTICLE[2]
        for name in ("logitsEdit", "logitsError"):  # the fields follow the theme's font (1.5x)
            field = find(page, QtWidgets.QWidget, name)
            assert field.font().pointSizeF() == pytest.approx(window.font().pointSizeF()), (name, theme.name)
        assert text_problems(page.canvas) == [], theme.name
        assert widget_problems(page) == [], theme.name
