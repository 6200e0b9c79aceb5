"""Every tab's Export… button: the dialog starts in the folder of the last export with a name that
says the preset and the figure, the file is written at the window's export scale, and its folder is
remembered for the next dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from window_helpers import find

BUTTONS = [("experimentsTab", "exportExperimentPlotButton", "svg"), ("geometryTab", "geometryExportButton", "png"),
           ("gradientsTab", "gradientsExportButton", "svg"), ("softmaxTab", "softmaxExportButton", "png")]


@pytest.mark.parametrize("tab_name, button_name, fmt", BUTTONS)
def test_export_button_writes_the_figure_and_remembers_its_folder(qtbot, window, tmp_path, monkeypatch,
                                                                  tab_name, button_name, fmt):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    window.settings.set_export_folder(first)
    window.settings.set_export_scale(1.0)
    asked = []

    def save_dialog(parent, title, start, filters):
        asked.append(Path(start))
        return str(second / f"figure.{fmt}"), ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(save_dialog))
    page = find(window, QtWidgets.QWidget, tab_name)
    window.show_tab(page)
    button = find(page, QtWidgets.QPushButton, button_name)
    if button.isEnabled():
        qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    else:  # the experiments' plot exports once a run has filled it; its dialog is the same
        assert tab_name == "experimentsTab"
        page.export_dialog(page.repeats.plot)
    assert len(asked) == 1 and asked[0].parent == first
    assert asked[0].name.startswith("regviz-seed-")  # the preset names the file
    written = second / f"figure.{fmt}"
    assert written.stat().st_size > 0
    if fmt == "png":  # at the chosen scale: about the canvas's own size, not doubled
        image = QtGui.QImage(str(written))
        canvas = page.view if tab_name == "geometryTab" else page.canvas
        assert abs(image.width() - canvas.width()) <= 2
    assert Path(window.settings.export_folder()) == second
