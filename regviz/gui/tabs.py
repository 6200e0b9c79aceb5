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


def _geometry_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    from regviz.gui.geometry_tab import make_geometry_tab  # late: a tab's modules load with the window

    return make_geometry_tab(window)


def tab_factories() -> list[TabFactory]:
    """In the order the tabs appear after Live."""
    factories: list[TabFactory] = []
    factories.append(_geometry_tab)  # after Experiments, before Gradients
    return factories
