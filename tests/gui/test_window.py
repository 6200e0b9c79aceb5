"""The whole window driven as a user would: buttons, live changes, compare mode, export, closing."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.presets import load_preset
from regviz.gui.main_window import MainWindow

from window_helpers import find, run_steps, state


def distinct_colours(image: QtGui.QImage) -> int:
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ptr = image.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint32, count=image.width() * image.height())
    return len(np.unique(arr))


def test_stable_object_names(window):
    for cls, name in [
        (QtWidgets.QPushButton, "startButton"), (QtWidgets.QPushButton, "stepButton"),
        (QtWidgets.QPushButton, "resetButton"), (QtWidgets.QComboBox, "regularizerCombo"),
        (QtWidgets.QDoubleSpinBox, "lambdaSpin"), (QtWidgets.QDoubleSpinBox, "learningRateSpin"),
        (QtWidgets.QComboBox, "activationCombo"), (QtWidgets.QCheckBox, "compareCheck"),
        (QtWidgets.QWidget, "fitCanvas"), (QtWidgets.QWidget, "lossCanvas"),
        (QtWidgets.QWidget, "weightsCanvas"), (QtWidgets.QWidget, "activationCanvas"),
    ]:
        find(window, cls, name)


def test_every_panel_control_has_a_tooltip(window):
    panel = window.panel
    for widget in panel.findChildren(QtWidgets.QWidget):
        if isinstance(widget, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox, QtWidgets.QComboBox,
                               QtWidgets.QCheckBox, QtWidgets.QPushButton, QtWidgets.QLineEdit)):
            if widget.objectName() == "qt_spinbox_lineedit":
                continue
            assert widget.toolTip(), f"{widget.objectName() or widget} has no tooltip"


def test_start_pause_step_reset(qtbot, window):
    start = find(window, QtWidgets.QPushButton, "startButton")
    qtbot.mouseClick(start, QtCore.Qt.MouseButton.LeftButton)
    assert start.text() == "Pause"
    qtbot.waitUntil(lambda: state(window).step > 200, timeout=60000)
    with qtbot.waitSignal(window.controller.worker.sigStateChanged, timeout=30000,
                          check_params_cb=lambda p: p[1] == "paused"):
        qtbot.mouseClick(start, QtCore.Qt.MouseButton.LeftButton)
    assert start.text() == "Start"
    # after pausing, a Step moves exactly one step
    qtbot.waitUntil(lambda: state(window).step == len(state(window).steps), timeout=30000)
    paused_at = state(window).step
    qtbot.mouseClick(find(window, QtWidgets.QPushButton, "stepButton"), QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window).step == paused_at + 1, timeout=30000)
    assert np.array_equal(state(window).steps, np.arange(1, paused_at + 2))  # no gap in the curves
    qtbot.mouseClick(find(window, QtWidgets.QPushButton, "resetButton"), QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window).snapshot is not None and state(window).step == 0, timeout=30000)
    assert len(state(window).steps) == 0


def test_lambda_changed_mid_run_takes_effect_without_reset(qtbot, window):
    run_steps(qtbot, window, 50)
    generation = window.controller.generation
    spin = find(window, QtWidgets.QDoubleSpinBox, "lambdaSpin")
    spin.setValue(0.0)
    run_steps(qtbot, window, 50)
    s = state(window)
    assert window.controller.generation == generation  # no reset
    assert s.step == 100
    assert s.penalty[:50, 0].min() > 0
    assert np.all(s.penalty[55:, 0] == 0)
    assert s.members[0].lam == 0.0


def test_regularizer_changed_mid_run_takes_effect_without_reset(qtbot, window):
    run_steps(qtbot, window, 30)
    generation = window.controller.generation
    combo = find(window, QtWidgets.QComboBox, "regularizerCombo")
    combo.setCurrentIndex(combo.findData("l2"))
    run_steps(qtbot, window, 30)
    s = state(window)
    assert window.controller.generation == generation
    assert s.step == 60
    assert s.members[0].method == "l2"
    weights = [w[0] for w in s.snapshot.weights]
    l2 = 0.3 * sum((w * w).sum() for w in weights) / 2
    l1 = 0.3 * sum(np.abs(w).sum() for w in weights)
    # the last recorded penalty is L2's on the weights one step earlier: close to l2, far from l1
    assert s.penalty[-1, 0] == pytest.approx(l2, rel=0.15)
    assert s.penalty[-1, 0] < 0.5 * l1


def test_learning_rate_changes_live(qtbot, window):
    run_steps(qtbot, window, 10)
    find(window, QtWidgets.QDoubleSpinBox, "learningRateSpin").setValue(0.002)
    run_steps(qtbot, window, 10)
    assert state(window).members[0].learning_rate == pytest.approx(0.002)
    assert state(window).step == 20


def test_compare_mode_trains_models_from_identical_weights(qtbot, window):
    find(window, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    qtbot.waitUntil(lambda: state(window).snapshot is not None and state(window).setup.size == 2, timeout=30000)
    snap = state(window).snapshot
    assert [m.method for m in state(window).members] == ["l1", "l2"]
    for w in snap.weights:
        assert np.array_equal(w[0], w[1])  # same initial weights
    run_steps(qtbot, window, 400)
    snap = state(window).snapshot
    assert not np.array_equal(snap.weights[1][0], snap.weights[1][1])
    assert state(window).data_loss.shape == (400, 2)


def test_heatmaps_change_while_training(qtbot, window):
    view = window.weights_view
    window.controller.redraw()
    images_before = _heatmap_images(view)
    run_steps(qtbot, window, 200)
    qtbot.waitUntil(lambda: window.weights_view._rendered_version == state(window).version, timeout=30000)
    images_after = _heatmap_images(view)
    assert len(images_before) == 4
    assert any(not np.array_equal(a, b) for a, b in zip(images_before, images_after))


def _heatmap_images(view):
    import pyqtgraph as pg

    items = [item for item in view.graphics.scene().items() if isinstance(item, pg.ImageItem)]
    return [np.array(item.image, copy=True) for item in items if item.image is not None and item.image.ndim == 2]


def test_export_png_is_not_blank_and_svg_is_valid(qtbot, window, tmp_path):
    run_steps(qtbot, window, 100)
    for canvas in (c for c in window.canvases if not c.isHidden()):  # the weights' other mode: its own test
        png = tmp_path / f"{canvas.objectName()}.png"
        svg = tmp_path / f"{canvas.objectName()}.svg"
        assert window.export_canvas(canvas, str(png))
        assert window.export_canvas(canvas, str(svg))
        image = QtGui.QImage(str(png))
        assert not image.isNull() and image.width() > 100
        assert distinct_colours(image) > 20, f"{png.name} looks blank"
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")
        assert len(list(root.iter())) > 20
    assert window.export_window(str(tmp_path / "window.png"))
    assert distinct_colours(QtGui.QImage(str(tmp_path / "window.png"))) > 50


def test_export_all_writes_every_canvas(qtbot, window, tmp_path):
    written = window.export_all(str(tmp_path))
    names = sorted(p.name for p in written)
    assert len(written) == 9  # 4 canvases x (png, svg) + window
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    assert any("-fit-" in n for n in names) and all(n.startswith("regviz-seed-") for n in names)


def test_export_to_an_unwritable_place_says_so(qtbot, window, tmp_path):
    target = tmp_path / "missing-folder" / "fit.png"
    assert not window.export_canvas(window.fit_view, str(target))
    dialog = window.findChild(QtWidgets.QMessageBox, "errorDialog")
    assert dialog is not None and "does not exist" in dialog.text()
    dialog.close()
    assert not target.exists()
    assert not window.export_canvas(window.fit_view, str(tmp_path / "fit.bmp"))


def test_bad_csv_is_refused_and_nothing_changes(qtbot, window, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    config = window.controller.config
    assert not window.load_csv(str(bad))
    dialog = window.findChild(QtWidgets.QMessageBox, "errorDialog")
    assert "line 3" in dialog.text()
    dialog.close()
    assert window.controller.config == config


def test_good_csv_resets_onto_the_new_data(qtbot, window, tmp_path):
    good = tmp_path / "points.csv"
    good.write_text("x,y\n" + "\n".join(f"{x},{3 * x + 1}" for x in range(12)))
    assert window.load_csv(str(good))
    qtbot.waitUntil(lambda: state(window).setup.dataset.n_train + len(state(window).setup.dataset.x_test) == 12,
                    timeout=30000)
    assert window.panel.config.data.csv_path == str(good)


def test_architecture_change_resets_visibly(qtbot, window):
    run_steps(qtbot, window, 20)
    edit = find(window, QtWidgets.QLineEdit, "hiddenLayersEdit")
    edit.setText("4,3")
    edit.editingFinished.emit()
    qtbot.waitUntil(lambda: state(window).setup.layer_sizes == (1, 4, 3, 1), timeout=30000)
    assert state(window).step == 0
    assert "Reset" in window.message_label.text()


def test_activation_parameter_changes_live(qtbot, window):
    combo = find(window, QtWidgets.QComboBox, "activationCombo")
    combo.setCurrentIndex(combo.findData("leaky_relu"))
    qtbot.waitUntil(lambda: state(window).setup.activation.name == "leaky_relu", timeout=30000)
    run_steps(qtbot, window, 10)
    generation = window.controller.generation
    window.panel.activation_param_spins["slope"].setValue(0.2)
    run_steps(qtbot, window, 10)
    assert window.controller.generation == generation
    assert window.controller.config.model.activation_params == {"slope": 0.2}


def test_divergence_is_reported_and_plots_kept(qtbot, window):
    find(window, QtWidgets.QComboBox, "lossCombo").setCurrentIndex(1)  # squared
    find(window, QtWidgets.QDoubleSpinBox, "learningRateSpin").setValue(10.0)
    window.controller.start()
    qtbot.waitUntil(lambda: "diverged" in window.message_label.text().lower(), timeout=60000)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30000)
    assert state(window).snapshot is not None and state(window).diverged.all()
    assert find(window, QtWidgets.QPushButton, "startButton").text() == "Start"
    # still responsive: a reset works
    window.controller.reset()
    qtbot.waitUntil(lambda: state(window).snapshot is not None and not state(window).diverged.any(), timeout=30000)


def test_closing_mid_training_leaves_no_thread(qtbot):
    win = MainWindow(load_preset("seed"), "seed")
    win.show()
    win.controller.start()
    qtbot.waitUntil(lambda: win.controller.state.step > 100, timeout=60000)
    worker = win.controller.worker
    win.close()
    assert not worker.isRunning()


def test_signal_storm_does_not_crash(qtbot):
    """Guards the PySide6 6.12 regression (a crash after a few hundred emits)."""

    class Emitter(QtCore.QObject):
        sig = QtCore.Signal(object)

    emitter = Emitter()
    received = []
    emitter.sig.connect(lambda payload: received.append(payload))
    for i in range(5000):
        emitter.sig.emit({"i": i, "flag": True})
    assert len(received) == 5000 and received[-1]["i"] == 4999


def test_screenshot_command_writes_images(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "regviz", "screenshot", "--preset", "seed", "--steps", "300", "--out", str(tmp_path),
         "--svg"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pngs = sorted(tmp_path.glob("*.png"))
    svgs = sorted(tmp_path.glob("*.svg"))
    assert len(pngs) == 5 and len(svgs) == 4
    for png in pngs:
        assert distinct_colours(QtGui.QImage(str(png))) > 20, f"{png.name} looks blank"


def test_screenshot_command_refuses_a_file_as_folder(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = subprocess.run([sys.executable, "-m", "regviz", "screenshot", "--out", str(target)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "regviz: error:" in result.stderr


def test_a_vanished_csv_is_reported_not_crashed(qtbot, window, tmp_path):
    data = tmp_path / "points.csv"
    data.write_text("\n".join(f"{x},{2 * x}" for x in range(20)))
    assert window.load_csv(str(data))
    qtbot.waitUntil(lambda: state(window).setup.config.data.csv_path == str(data), timeout=30000)
    data.unlink()
    find(window, QtWidgets.QDoubleSpinBox, "data_test_fraction").setValue(0.3)  # needs a reset
    dialog = window.findChild(QtWidgets.QMessageBox, "errorDialog")
    assert dialog is not None and "no such file" in dialog.text()
    dialog.close()
    assert window.panel.config.data.test_fraction == pytest.approx(0.2)  # the panel shows what runs
    assert window.controller.config.data.test_fraction == pytest.approx(0.2)  # and nothing half-changed
    assert state(window).setup.config.data.csv_path == str(data)


def test_a_dead_trainer_process_is_reported(qtbot, window):
    window.controller.worker._process.kill()
    qtbot.waitUntil(lambda: "trainer process" in window.message_label.text(), timeout=30000)
    window.controller.start()  # commands to a dead process are refused with a message, not a crash
    assert state(window).snapshot is not None  # the plots are kept


def test_the_untrained_model_is_drawn_before_the_trainer_answers(qtbot):
    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    try:
        state = win.controller.state
        assert state.snapshot is not None and state.step == 0  # computed in the window, with numpy
        win.controller.redraw()
        x, y = win.fit_view.curves[0].getData()
        np.testing.assert_allclose(y, state.prediction[0])
        assert len(x) == len(state.setup.fit_grid)
        assert any(p.matrix is not None and np.abs(p.matrix).max() > 0 for p in win.weights_view.panels)
        # the trainer's own first frame brings the same initial weights
        qtbot.waitUntil(lambda: win.controller.state.version >= 2, timeout=60000)
        for a, b in zip(state.snapshot.weights, win.controller.state.snapshot.weights):
            np.testing.assert_array_equal(a, b)
    finally:
        win.close()


def test_tabs_with_controls_of_their_own_give_the_panel_room_and_live_brings_it_back(qtbot, window):
    dock = window.parameter_dock
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Live", "Experiments", "Penalty geometry", "Gradients", "Softmax"]
    window.tabs.setCurrentIndex(titles.index("Softmax"))
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=10000)
    window.tabs.setCurrentIndex(titles.index("Experiments"))  # runs on the panel's config: it shows
    qtbot.waitUntil(dock.isVisible, timeout=10000)
    window.tabs.setCurrentIndex(titles.index("Penalty geometry"))
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=10000)
    dock.toggleViewAction().trigger()  # the user may still ask for it there
    qtbot.waitUntil(dock.isVisible, timeout=10000)
    window.tabs.setCurrentIndex(0)
    assert dock.isVisible()
    dock.toggleViewAction().trigger()  # closed by hand on Live: no tab brings it back
    window.tabs.setCurrentIndex(titles.index("Gradients"))
    window.tabs.setCurrentIndex(0)
    assert not dock.isVisible()


def test_the_other_tabs_are_built_after_the_first_paint_or_when_clicked(qtbot):
    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    try:
        titles = [win.tabs.tabText(i) for i in range(win.tabs.count())]
        assert titles == ["Live", "Experiments", "Penalty geometry", "Gradients", "Softmax"]  # at once
        assert win.findChild(QtWidgets.QWidget, "softmaxTab") is None  # not built before it shows
        win.tabs.setCurrentIndex(titles.index("Softmax"))  # a click builds it at once
        assert win.findChild(QtWidgets.QWidget, "softmaxTab") is not None
        assert win.tabs.currentIndex() == titles.index("Softmax")
        win.show()
        qtbot.waitUntil(lambda: all(win.findChild(QtWidgets.QWidget, name) is not None
                                    for name in ("experimentsTab", "geometryTab", "gradientsTab")), timeout=30000)
        assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == titles
        assert win.tabs.currentIndex() == titles.index("Softmax")
        assert win.findChild(QtWidgets.QWidget, "unbuiltTab") is None or not win.findChild(QtWidgets.QWidget, "unbuiltTab").isVisible()
    finally:
        win.close()


def test_the_live_canvases_paint_before_any_other_tab_is_built(qtbot):
    """The other tabs cost ~0.1 s to build: they wait for the window's first paint (they used to be
    built at show, before it)."""
    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    unbuilt_at_first_paint: list[int] = []

    class FirstPaint(QtCore.QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
            if event.type() == QtCore.QEvent.Type.Paint and not unbuilt_at_first_paint:
                unbuilt_at_first_paint.append(len(win._unbuilt_tabs))
            return False

    watcher = FirstPaint()
    win.fit_view.graphics.viewport().installEventFilter(watcher)
    try:
        win.show()
        qtbot.waitUntil(lambda: bool(unbuilt_at_first_paint) and not win._unbuilt_tabs, timeout=30000)
        assert unbuilt_at_first_paint == [4]
    finally:
        win.fit_view.graphics.viewport().removeEventFilter(watcher)
        win.close()


def test_a_window_closed_before_it_painted_builds_no_other_tab(qtbot):
    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    win.show()
    win.close()  # before the event loop ran: no paint
    qtbot.waitUntil(lambda: win._tabs_pending._done, timeout=10000)  # the fallback has fired
    assert len(win._unbuilt_tabs) == 4 and not win.extra_tabs
