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


def tab_factories() -> list[TabFactory]:
    """In the order the tabs appear after Live."""
    factories: list[TabFactory] = []
    factories.append(_experiments_tab)  # the first after Live
    factories.append(_geometry_tab)  # after Experiments, before Gradients
    factories.append(_gradients_tab)  # after Experiments and Penalty geometry, before Softmax
    factories.append(_softmax_tab)  # the last: the article's last section
    return factories
