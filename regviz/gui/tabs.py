"""The main area's tabs beyond Live (objectName mainTabs): each lesson of the article that is not
the live run gets a tab of its own, built by a factory from the main window.

A factory takes the main window and returns (widget, title); the widget's objectName is the tab's
(experimentsTab, geometryTab, gradientsTab, softmaxTab). A tab that owns background work gives
the widget a shutdown() method, called when the window closes.
"""

from __future__ import annotations

from typing import Callable

from PySide6 import QtWidgets

TabFactory = Callable[[QtWidgets.QMainWindow], tuple[QtWidgets.QWidget, str]]


def _experiments_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    from regviz.gui.experiments_tab import make_experiments_tab  # late: a tab's modules load with the window

    return make_experiments_tab(window)


def _geometry_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    from regviz.gui.geometry_tab import make_geometry_tab  # late: a tab's modules load with the window

    return make_geometry_tab(window)


def _gradients_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    from regviz.gui.gradients_tab import gradients_tab  # late: a tab's modules load with the window

    return gradients_tab(window)


def _softmax_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    from regviz.gui.softmax_tab import softmax_tab  # late: a tab's modules load with the window

    return softmax_tab(window)


def tab_factories() -> list[tuple[str, TabFactory]]:
    """(title, factory) in the order the tabs appear after Live. The window shows the titles at
    once and builds the pages just after its first paint, or at once when a tab is clicked."""
    return [
        ("Experiments", _experiments_tab),
        ("Penalty geometry", _geometry_tab),
        ("Gradients", _gradients_tab),
        ("Softmax", _softmax_tab),  # the article's last section
    ]
