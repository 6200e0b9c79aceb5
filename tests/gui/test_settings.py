"""What the window remembers between launches (QSettings, redirected to a fresh folder per test by
conftest.settings_folder): geometry, splitters, speed, collapsed sections, last preset, export folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.presets import load_preset
from regviz.gui.export_actions import ExportOptionsDialog
from regviz.gui.main_window import MainWindow
from regviz.gui.settings import COLLAPSED, EXPORT_FOLDER, GEOMETRY, LAST_PRESET, SPEED, SPLITTER, Settings

SPLITTERS = ("canvasGridSplitter", "topCanvasSplitter", "bottomCanvasSplitter")


def open_window(qtbot) -> MainWindow:
    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def splitter(win: MainWindow, name: str) -> QtWidgets.QSplitter:
    found = win.findChild(QtWidgets.QSplitter, name)
    assert found is not None, name
    return found


def raw_settings() -> QtCore.QSettings:
    """The same INI file, written around the Settings class (as a hand edit would)."""
    return QtCore.QSettings(Settings().file_name(), QtCore.QSettings.Format.IniFormat)


def test_settings_live_in_the_test_folder(settings_folder):
    assert Path(Settings().file_name()).resolve().is_relative_to(settings_folder.resolve())


def test_missing_and_corrupt_values_fall_back_to_defaults(tmp_path):
    fresh = Settings()
    assert (fresh.geometry(), fresh.splitter_sizes("canvasGridSplitter"), fresh.last_preset()) == (None, None, None)
    assert (fresh.speed(), fresh.collapsed_sections(), fresh.export_folder()) == (200.0, set(), "")
    raw = raw_settings()
    for key, value in ((GEOMETRY, "not a geometry"), (SPLITTER + "canvasGridSplitter", "12,x"),
                       (LAST_PRESET, "../resources/presets/seed"), (SPEED, "fast"), (COLLAPSED, 17),
                       (EXPORT_FOLDER, str(tmp_path / "gone"))):
        raw.setValue(key, value)
    raw.sync()
    corrupt = Settings()
    assert corrupt.geometry() is None and corrupt.splitter_sizes("canvasGridSplitter") is None
    assert corrupt.last_preset() is None and corrupt.speed() == 200.0
    assert corrupt.collapsed_sections() == set() and corrupt.export_folder() == ""
    assert corrupt.export_path("fit.png") == "fit.png"


def test_a_window_opens_on_corrupt_settings(qtbot):
    raw = raw_settings()
    raw.setValue(GEOMETRY, QtCore.QByteArray(b"\x01\x02garbage"))
    raw.setValue(SPLITTER + "canvasGridSplitter", "-5,99999999")
    raw.sync()
    win = open_window(qtbot)
    try:
        assert win.isVisible() and min(splitter(win, "canvasGridSplitter").sizes()) > 0
    finally:
        win.close()


def test_geometry_and_splitter_sizes_survive_closing_and_reopening(qtbot):
    win = open_window(qtbot)
    win.resize(720, 640)
    win.move(30, 40)
    splitter(win, "canvasGridSplitter").setSizes([150, 350])
    splitter(win, "topCanvasSplitter").setSizes([300, 100])
    splitter(win, "bottomCanvasSplitter").setSizes([120, 280])
    QtWidgets.QApplication.processEvents()
    geometry = win.geometry()
    sizes = {name: splitter(win, name).sizes() for name in SPLITTERS}
    assert sizes["canvasGridSplitter"][0] < sizes["canvasGridSplitter"][1]
    assert sizes["topCanvasSplitter"][0] > sizes["topCanvasSplitter"][1]
    win.close()

    again = open_window(qtbot)
    try:
        qtbot.waitUntil(lambda: again.geometry() == geometry, timeout=10000)
        for name, expected in sizes.items():
            assert splitter(again, name).sizes() == pytest.approx(expected, abs=2), name
    finally:
        again.close()


def test_a_saved_geometry_larger_than_the_screen_is_clamped(qtbot):
    area = QtGui.QGuiApplication.primaryScreen().availableGeometry()
    big = QtWidgets.QMainWindow()  # as if saved on a larger screen
    qtbot.addWidget(big)
    big.resize(area.width() + 1100, area.height() + 500)
    big.show()
    QtWidgets.QApplication.processEvents()
    assert big.width() > area.width() and big.height() > area.height()
    Settings().set_geometry(big.saveGeometry())
    big.close()

    again = open_window(qtbot)
    try:
        qtbot.waitUntil(lambda: area.contains(again.frameGeometry()), timeout=10000)
        assert again.width() <= area.width() and again.height() <= area.height()
    finally:
        again.close()


def test_without_saved_geometry_the_window_still_fits_a_small_screen(qtbot):
    win = open_window(qtbot)  # the offscreen screen (800 x 800) is smaller than the usual first size
    try:
        area = win.screen().availableGeometry()
        qtbot.waitUntil(lambda: area.contains(win.frameGeometry()), timeout=10000)
    finally:
        win.close()


def test_fit_on_screen_shrinks_and_moves_a_window_into_its_screen(qtbot):
    from regviz.gui.settings import fit_on_screen

    win = QtWidgets.QMainWindow()
    qtbot.addWidget(win)
    area = QtGui.QGuiApplication.primaryScreen().availableGeometry()
    win.resize(area.width() + 300, area.height() // 2)
    win.move(area.left() - 50, area.top() + area.height() // 2 + 100)  # off to the left and the bottom
    win.show()
    QtWidgets.QApplication.processEvents()
    assert not area.contains(win.frameGeometry())
    fit_on_screen(win)
    QtWidgets.QApplication.processEvents()
    assert area.contains(win.frameGeometry())
    assert win.height() == area.height() // 2  # only what did not fit changed


def test_a_new_window_trains_at_200_steps_per_second_and_a_chosen_speed_is_remembered(qtbot):
    win = open_window(qtbot)
    combo = win.findChild(QtWidgets.QComboBox, "speedCombo")
    assert "200 steps/s" in combo.currentText()
    assert win.controller.speed == 200.0
    combo.setCurrentIndex(combo.findText("Max speed"))
    assert win.controller.speed is None
    win.close()

    again = open_window(qtbot)
    try:
        assert again.findChild(QtWidgets.QComboBox, "speedCombo").currentText() == "Max speed"
        assert again.controller.speed is None
    finally:
        again.close()


def test_collapsed_sections_survive_a_new_window(qtbot):
    win = open_window(qtbot)
    win.findChild(QtWidgets.QToolButton, "dataSectionHeader").click()
    assert not win.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift").isVisible()
    win.close()

    again = open_window(qtbot)
    try:
        assert not again.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift").isVisible()
        assert again.findChild(QtWidgets.QDoubleSpinBox, "lambdaSpin").isVisible()
        again.findChild(QtWidgets.QToolButton, "dataSectionHeader").click()
        assert again.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift").isVisible()
    finally:
        again.close()


def test_export_dialogs_start_in_the_folder_of_the_last_export(qtbot, tmp_path, monkeypatch):
    asked = []

    def save_dialog(_parent, _caption, start, _filters):
        asked.append(start)
        return answers.pop(0), ""

    def folder_dialog(_parent, _caption, start):
        asked.append(start)
        return str(tmp_path / "all")

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(save_dialog))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", staticmethod(folder_dialog))
    monkeypatch.setattr(ExportOptionsDialog, "exec", lambda self: QtWidgets.QDialog.DialogCode.Accepted)
    for name in ("first", "all"):
        (tmp_path / name).mkdir()
    answers = [str(tmp_path / "first" / "fit.png"), str(tmp_path / "missing" / "w.png"), str(tmp_path / "w.png")]
    win = open_window(qtbot)
    try:
        win.export_current_dialog()
        assert Path(asked[0]).parent == Path(".")  # nothing remembered yet: a bare file name
        assert (tmp_path / "first" / "fit.png").exists()
        win.export_window_dialog()  # fails: the folder does not exist, so it is not remembered
        win.findChild(QtWidgets.QMessageBox, "errorDialog").close()
        assert Path(asked[1]).parent == tmp_path / "first"
        win.export_all_dialog()
        assert asked[2] == str(tmp_path / "first")
        win.export_window_dialog()
        assert Path(asked[3]).parent == tmp_path / "all"
        assert Settings().export_folder() == str(tmp_path)
    finally:
        win.close()


def test_plain_regviz_opens_the_preset_last_picked_and_an_explicit_one_wins(monkeypatch, tmp_path):
    from regviz import cli
    from regviz.core.config import ExperimentConfig

    opened = []
    monkeypatch.setattr("regviz.display.display_problem", lambda: None)
    monkeypatch.setattr("regviz.gui.app.run_app",
                        lambda cfg, preset, compare, start: opened.append((preset, cfg)) or 0)
    presets = Path(__file__).resolve().parents[2] / "resources" / "presets"

    assert cli.main([]) == 0  # nothing remembered: the default
    Settings().set_last_preset("tanh-net")
    assert cli.main([]) == 0
    assert cli.main(["gui", "--compare"]) == 0
    assert cli.main(["gui", "--preset", "relu-net"]) == 0
    config_file = tmp_path / "mine.json"
    config_file.write_text(ExperimentConfig().to_json())
    assert cli.main(["gui", "--config", str(config_file)]) == 0
    assert [name for name, _ in opened] == ["seed", "tanh-net", "tanh-net", "relu-net", "mine"]
    assert opened[1][1] == ExperimentConfig.load(presets / "tanh-net.json")
    assert opened[4][1] == ExperimentConfig()
