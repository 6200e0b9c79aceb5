"""GUI fixtures: every test fails if it leaves a QThread running (napari's _dangling_qthreads)."""

import gc

import pytest
from PySide6 import QtCore


@pytest.fixture(autouse=True)
def _no_dangling_qthreads(qapp):
    yield
    gc.collect()
    running = [t for t in _live_qthreads() if t.isRunning()]
    for thread in running:  # stop them so one failure does not cascade into the next test
        thread.requestInterruption()
        thread.quit()
        thread.wait(2000)
    assert not running, f"test left {len(running)} QThread(s) running: {running}"


def _live_qthreads():
    import shiboken6

    return [
        obj for obj in gc.get_objects()
        if isinstance(obj, QtCore.QThread) and shiboken6.isValid(obj) and obj is not QtCore.QThread.currentThread()
    ]
