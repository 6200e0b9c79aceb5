"""The window survives people and faults: a killed or failing trainer, stale events, rapid resets,
a stray mouse wheel, an exception in a slot, files that vanish."""

from __future__ import annotations

import os
import signal

import pytest

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.engine import MemberSpec
from regviz.gui.errors import ErrorReporter

from window_helpers import run_steps, state


def dialog_text(win) -> str:
    dialogs = [d for d in win.findChildren(QtWidgets.QMessageBox, "errorDialog") if d.isVisible()]
    return "\n".join(d.text() for d in dialogs)


def close_dialogs(win) -> None:
    for dialog in win.findChildren(QtWidgets.QMessageBox, "errorDialog"):
        dialog.close()


# ---------------------------------------------------------------- the trainer process
def test_a_killed_trainer_is_named_and_start_goes_on_with_a_new_one(qtbot, window):
    run_steps(qtbot, window, 60)
    old = window.controller.worker
    os.kill(old._process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: "killed (SIGKILL)" in window.message_label.text(), timeout=30000)
    qtbot.waitUntil(lambda: old.isFinished(), timeout=30000)
    assert "killed (SIGKILL)" in window.message_label.text()  # the reason stays; nothing overwrote it
    assert state(window).snapshot is not None and state(window).step == 60  # the plots are kept
    window.controller.start()
    qtbot.waitUntil(lambda: state(window).step > 200, timeout=60000)
    assert window.controller.worker is not old and window.controller.worker.alive
    window.controller.pause()
    steps = state(window).steps
    assert list(steps[:61]) == list(range(1, 62))  # the history carries on from step 60, no gap


def test_a_killed_trainer_and_reset_starts_over(qtbot, window):
    run_steps(qtbot, window, 20)
    os.kill(window.controller.worker._process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: "killed" in window.message_label.text(), timeout=30000)
    assert window.reset()
    qtbot.waitUntil(lambda: state(window).snapshot is not None, timeout=30000)
    run_steps(qtbot, window, 5)
    assert state(window).step == 5


def test_a_failure_inside_the_trainer_is_reported_and_reset_recovers(qtbot, window):
    worker = window.controller.worker
    worker.set_members([MemberSpec(lam=-1.0)])  # the engine refuses it inside the trainer
    qtbot.waitUntil(lambda: "regularization.lam" in window.message_label.text(), timeout=30000)
    assert worker.alive  # the process lives on
    assert window.reset()
    run_steps(qtbot, window, 10)
    assert window.controller.worker is worker and state(window).step == 10


# ---------------------------------------------------------------- stale events, resets, targets
def test_a_late_event_from_before_a_reset_is_dropped(qtbot, window):
    old = window.controller.generation
    window.reset()
    window.controller.start()
    assert window.controller.running
    window.controller._on_worker_state((old, "finished"))  # what a slow trainer might still send
    window.controller._on_error((old, "training stopped: stale"))
    assert window.controller.running and window.panel.start_button.text() == "Pause"
    assert "stale" not in window.message_label.text()
    window.controller._on_worker_state((window.controller.generation, "finished"))
    assert not window.controller.running


def test_rapid_resets_rebuild_the_canvases_once(qtbot, window, monkeypatch):
    built = []
    for view in window.canvases:
        real = view.set_setup
        monkeypatch.setattr(view, "set_setup", lambda setup, real=real, view=view: (built.append(view), real(setup)))
    cfg = window.controller.config
    for seed in range(1, 11):
        window.controller.reset(cfg.replace(**{"data.seed": seed}))
    qtbot.waitUntil(lambda: len(built) >= len(window.canvases), timeout=30000)
    qtbot.waitUntil(lambda: state(window).snapshot is not None, timeout=30000)
    QtWidgets.QApplication.processEvents()
    assert len(built) == len(window.canvases)  # once each, for the newest config
    assert state(window).setup.config.data.seed == 10


def test_continuing_a_finished_run_shows_the_new_target(qtbot, window):
    window.panel._widgets["training.epochs"].setValue(2)
    window.controller.start()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60000)
    qtbot.waitUntil(lambda: "epoch 2/2" in window.controller.status_text(), timeout=30000)
    window.controller.start()
    qtbot.waitUntil(lambda: state(window).epoch == 4 and not window.controller.running, timeout=60000)
    assert "epoch 4/4" in window.controller.status_text()


# ---------------------------------------------------------------- people
def _wheel(widget: QtWidgets.QWidget, steps: int = -3) -> None:
    pos = QtCore.QPointF(widget.rect().center())
    event = QtGui.QWheelEvent(pos, widget.mapToGlobal(pos), QtCore.QPoint(0, 0), QtCore.QPoint(0, 120 * steps),
                              QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                              QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_panel_instead_of_editing_unfocused_fields(qtbot, window):
    window.resize(1280, 560)  # a panel taller than the window: it scrolls
    QtWidgets.QApplication.processEvents()
    scroll = window.parameter_dock.widget().verticalScrollBar()
    assert scroll.maximum() > 0
    shift = window.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift")
    combo = window.findChild(QtWidgets.QComboBox, "regularizerCombo")
    slider = window.findChild(QtWidgets.QSlider, "lambdaSlider")
    generation = window.controller.generation
    values = (shift.value(), combo.currentIndex(), slider.value())
    for widget in (shift, combo, slider):
        before = scroll.value()
        _wheel(widget)
        assert scroll.value() > before or scroll.value() == scroll.maximum()
    assert (shift.value(), combo.currentIndex(), slider.value()) == values
    assert window.controller.generation == generation  # no reset was triggered
    assert shift.focusPolicy() == QtCore.Qt.FocusPolicy.StrongFocus
    # a field the user clicked into does take the wheel
    shift.setFocus()
    qtbot.waitUntil(shift.hasFocus, timeout=10000)
    _wheel(shift, steps=1)
    assert shift.value() != values[0]


def test_an_exception_escaping_a_slot_reaches_the_user_and_the_app_goes_on(qtbot, window, tmp_path):
    reporter = ErrorReporter(window.report_unexpected, log=tmp_path / "errors.log").install()
    try:
        def broken():
            raise RuntimeError("a bug in a slot")

        QtCore.QTimer.singleShot(0, broken)
        qtbot.waitUntil(lambda: "a bug in a slot" in dialog_text(window), timeout=10000)
    finally:
        reporter.uninstall()
    assert "a bug in a slot" in window.message_label.text()
    assert "Traceback" in (tmp_path / "errors.log").read_text()
    assert "Traceback" not in dialog_text(window)
    close_dialogs(window)
    run_steps(qtbot, window, 5)  # still alive


# ---------------------------------------------------------------- files
def test_open_config_with_a_bad_file_says_so(qtbot, window, tmp_path):
    for name, text in (("broken.json", "{not json"), ("list.json", "[1, 2]"),
                       ("params.json", '{"model": {"activation_params": [1, 2]}}')):
        path = tmp_path / name
        path.write_text(text)
        before = window.controller.config
        assert not window.load_config_file(str(path))
        assert dialog_text(window), name
        close_dialogs(window)
        assert window.controller.config == before


def test_a_vanished_csv_then_reset_or_compare_is_refused_cleanly(qtbot, window, tmp_path):
    data = tmp_path / "points.csv"
    data.write_text("\n".join(f"{x},{2 * x}" for x in range(20)))
    assert window.load_csv(str(data))
    qtbot.waitUntil(lambda: state(window).setup.config.data.csv_path == str(data), timeout=30000)
    data.unlink()
    assert not window.reset()
    assert "no such file" in dialog_text(window)
    close_dialogs(window)
    window.panel.compare_check.setChecked(True)
    assert "no such file" in dialog_text(window)
    close_dialogs(window)
    assert not window.panel.compare_check.isChecked()  # the panel shows what still runs
    assert window.controller.compare is None and window.controller.worker.alive
    run_steps(qtbot, window, 5)  # the old run still trains


def test_a_negative_outlier_shift_puts_the_outliers_below_the_line(qtbot, window):
    shift = window.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift")
    shift.setValue(-8.0)  # once accepted, then crashed the generator: the panel and the data disagreed
    qtbot.waitUntil(lambda: state(window).setup.config.data.outlier_shift == -8.0, timeout=30000)
    ds = state(window).setup.dataset
    line = 2.0 * ds.x_train[ds.outlier_train]
    assert (ds.y_train[ds.outlier_train] < line + 2.0).all()  # noise is U[0, 2): below its top edge
    assert (ds.y_train[ds.outlier_train] < line).any()
    window.findChild(QtWidgets.QDoubleSpinBox, "data_noise_scale").setValue(1.0)  # later edits still apply
    qtbot.waitUntil(lambda: state(window).setup.config.data.noise_scale == 1.0, timeout=30000)
    assert window.panel.config == window.controller.config


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_window_leaves_no_trainer_behind(tmp_path, sig):
    """SIGKILL or SIGTERM on the window runs no clean-up in it: the trainer must end by itself
    (it once trained on, orphaned, for an hour and grew to 6.7 GB)."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    probe = Path(__file__).resolve().parents[1] / "orphan_probe.py"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    window = subprocess.Popen([sys.executable, str(probe)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, env=env)
    try:
        trainer = int(window.stdout.readline())  # the window trains: its trainer runs
        os.kill(window.pid, sig)
        window.wait(timeout=60)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{trainer}").exists() and time.monotonic() < deadline:
            state = Path(f"/proc/{trainer}/stat").read_text().split()[2] if Path(f"/proc/{trainer}/stat").exists() else "X"
            if state == "Z":  # exited, not yet reaped by init
                break
            time.sleep(0.1)
        assert not Path(f"/proc/{trainer}").exists() or state == "Z", "the trainer outlived its window"
    finally:
        if window.poll() is None:
            window.kill()
