"""Long work in a process of its own: progress, a result, cancel, failure, and nothing left over."""

from __future__ import annotations

import pytest

from regviz.core.presets import load_preset
from regviz.gui.jobs import LIVE_JOBS, run_job


@pytest.fixture
def jobs():
    started = []
    yield started
    for job in started:
        job.stop()
    assert not any(job.isRunning() for job in LIVE_JOBS if job in started)


def test_a_job_reports_progress_and_its_result(qtbot, jobs):
    cfg = load_preset("seed").replace(**{"training.epochs": 3})
    progress = []
    job = run_job("regviz.core.experiments:run_repeats", cfg, ["l1", "l2"], 2)
    jobs.append(job)
    job.sigProgress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(job.sigDone, timeout=120000) as blocker:
        pass
    result = blocker.args[0]
    assert [(r.method, r.seed) for r in result.runs] == [(m, s) for m in ("l1", "l2") for s in (12, 13)]
    assert progress and progress[-1] == (120, 120)
    qtbot.waitUntil(lambda: not job.isRunning(), timeout=10000)
    assert not job._process.is_alive()


def test_cancel_stops_a_long_job_and_leaves_no_process(qtbot, jobs):
    cfg = load_preset("seed").replace(**{"training.epochs": 100000})
    job = run_job("regviz.core.experiments:run_repeats", cfg, ["l1"], 3)
    jobs.append(job)
    with qtbot.waitSignal(job.sigProgress, timeout=120000):
        pass  # it is training
    with qtbot.waitSignal(job.sigCancelled, timeout=30000):
        job.cancel()
    qtbot.waitUntil(lambda: not job._process.is_alive() and not job.isRunning(), timeout=10000)


def test_a_failing_job_says_why(qtbot, jobs):
    job = run_job("regviz.core.experiments:run_repeats", load_preset("seed"), ["l9"], 1)
    jobs.append(job)
    with qtbot.waitSignal(job.sigFailed, timeout=120000) as blocker:
        pass
    assert "l9" in blocker.args[0] or "method" in blocker.args[0]
