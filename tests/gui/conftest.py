"""GUI fixtures: every test fails if it leaves a training thread running, and none touches the
user's real settings."""

import pytest


@pytest.fixture(autouse=True)
def settings_folder(tmp_path_factory, monkeypatch):
    """A fresh, empty folder for QSettings' INI files, for this process and any regviz it starts."""
    from PySide6 import QtCore

    folder = tmp_path_factory.mktemp("settings")
    ini = QtCore.QSettings.Format.IniFormat
    for scope in (QtCore.QSettings.Scope.UserScope, QtCore.QSettings.Scope.SystemScope):
        QtCore.QSettings.setPath(ini, scope, str(folder))
    QtCore.QSettings.setDefaultFormat(ini)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))  # Qt's user scope in a child process
    return folder


@pytest.fixture(autouse=True)
def _no_dangling_workers(qapp):
    from regviz.gui.worker import LIVE_WORKERS

    before = {id(w) for w in LIVE_WORKERS if w.isRunning()}
    yield
    left = [w for w in list(LIVE_WORKERS) if w.isRunning() and id(w) not in before]
    for worker in left:  # stop them so one failure does not cascade into the next test
        worker.stop()
    assert not left, f"test left {len(left)} training thread(s) running"


@pytest.fixture(autouse=True)
def _no_dangling_trainer_processes():
    import multiprocessing

    yield
    left = [p for p in multiprocessing.active_children() if p.name in ("regviz-trainer", "regviz-job")]
    for process in left:
        process.kill()
        process.join(2)
    assert not left, f"test left {len(left)} trainer process(es) running"


@pytest.fixture
def window(qtbot):
    """The main window on the seed preset, shown, with the trainer's first frame in."""
    from regviz.core.presets import load_preset
    from regviz.gui.main_window import MainWindow

    win = MainWindow(load_preset("seed"), "seed")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.controller.state is not None and win.controller.state.snapshot is not None,
                    timeout=30000)
    qtbot.waitUntil(lambda: not win._unbuilt_tabs, timeout=30000)  # the other tabs, built after the first paint
    yield win
    win.close()
