"""Presentation mode and themes: F5 goes full screen with the panel hidden (P shows it), big text
and thick lines in a high-contrast or dark theme; Esc leaves and puts everything back. Models are
told apart by dash pattern as well as by colour (Okabe-Ito), and outliers by a colour no model has."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.style import DARK, HIGH_CONTRAST, LIGHT, METHOD_COLORS, OUTLIER_COLOR
from regviz.gui.views.base import method_pen

from window_helpers import run_steps


def _press(qtbot, window, key) -> None:
    qtbot.keyClick(window, key)
    QtWidgets.QApplication.processEvents()


def test_f5_presents_and_esc_leaves(qtbot, window):
    run_steps(qtbot, window, 20)
    base_font = window.font().pointSizeF()
    axis_font = window.fit_view.plot.getAxis("left").style["tickFont"].pointSizeF()
    window.activateWindow()
    _press(qtbot, window, QtCore.Qt.Key.Key_F5)
    assert window.presentation.presenting and window.isFullScreen()
    assert not window.parameter_dock.isVisible() and not window.menuBar().isVisible()
    assert window.font().pointSizeF() == base_font * 1.5
    assert window.fit_view.theme is HIGH_CONTRAST
    assert window.fit_view.plot.getAxis("left").style["tickFont"].pointSizeF() == axis_font * 1.5
    assert window.fit_view.curves[0].opts["pen"].widthF() > 2.5 * 1.5 - 0.01  # thicker lines
    _press(qtbot, window, QtCore.Qt.Key.Key_P)
    assert window.parameter_dock.isVisible()  # P shows the panel while presenting...
    _press(qtbot, window, QtCore.Qt.Key.Key_P)
    assert not window.parameter_dock.isVisible()  # ...and hides it again
    _press(qtbot, window, QtCore.Qt.Key.Key_Escape)
    assert not window.presentation.presenting and not window.isFullScreen()
    assert window.parameter_dock.isVisible() and window.menuBar().isVisible()
    assert window.font().pointSizeF() == base_font and window.fit_view.theme is LIGHT
    assert window.controller.state.snapshot is not None  # the plots were kept throughout


def test_the_dark_theme_for_dim_rooms(qtbot, window):
    window.findChild(QtGui.QAction, "theme_dark").trigger()
    assert all(canvas.theme is DARK for canvas in window.canvases)
    background = window.fit_view.graphics.backgroundBrush().color()
    assert background.lightness() < 40
    assert window.palette().color(QtGui.QPalette.ColorRole.Window).lightness() < 40
    window.enter_presentation()  # F5 now presents in the dark theme
    assert window.fit_view.theme is DARK
    window.presentation.leave()
    assert window.fit_view.theme is DARK  # the theme chosen from the menu stays
    window.findChild(QtGui.QAction, "theme_light").trigger()
    assert window.fit_view.theme is LIGHT


def test_models_differ_in_dash_pattern_and_outliers_in_a_colour_of_their_own():
    styles = {m: method_pen(LIGHT, m).style() for m in METHOD_COLORS}
    assert len(set(styles.values())) == len(styles)  # recognisable without colour
    assert OUTLIER_COLOR not in METHOD_COLORS.values()
    outlier = pg.mkColor(OUTLIER_COLOR)
    for color in METHOD_COLORS.values():  # far from every model colour (RGB distance)
        c = pg.mkColor(color)
        assert abs(c.red() - outlier.red()) + abs(c.green() - outlier.green()) + abs(c.blue() - outlier.blue()) > 120
