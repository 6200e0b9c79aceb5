"""The training worker on its own: commands, coalesced frames, divergence, stopping."""

import dataclasses

import numpy as np
import pytest

from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui.session import LiveState, make_setup
from regviz.gui.worker import TrainingWorker


@pytest.fixture
def worker(qtbot):
    w = TrainingWorker(frame_interval=1 / 60)
    frames = []

    def on_frame(frame):
        frames.append(frame)
        w.acknowledge(frame.sequence)

    w.sigFrame.connect(on_frame)
    w.frames = frames
    w.start()
    yield w
    assert w.stop(), "worker did not stop within the timeout"


def load(worker, cfg=None, methods=("l1",), generation=1):
    cfg = cfg or load_preset("seed")
    setup = make_setup(cfg, [member(cfg, m, 0) for m in methods])
    worker.load(setup, generation)
    return setup


def test_load_sends_the_initial_state(qtbot, worker):
    with qtbot.waitSignal(worker.sigFrame, timeout=30000) as blocker:
        load(worker)
    frame = blocker.args[0]
    assert frame.generation == 1
    assert len(frame.data_loss) == 0
    assert frame.snapshot.step == 0
    assert frame.prediction.shape == (1, 200)


def test_step_runs_exactly_that_many_steps(qtbot, worker):
    setup = load(worker)
    qtbot.waitUntil(lambda: len(worker.frames) >= 1, timeout=30000)
    worker.step(25)
    qtbot.waitUntil(lambda: worker.frames[-1].snapshot.step == 25, timeout=30000)
    state = LiveState(setup)
    for frame in worker.frames:
        state.apply(frame)
    assert list(state.steps) == list(range(1, 26))  # every step arrived, no gap, no duplicate


def test_start_pause_and_no_gaps_in_metrics(qtbot, worker):
    setup = load(worker, methods=("l1", "l2"))
    qtbot.waitUntil(lambda: len(worker.frames) >= 1, timeout=30000)
    worker.start_training()
    qtbot.waitUntil(lambda: worker.frames[-1].snapshot.step > 500, timeout=60000)
    with qtbot.waitSignal(worker.sigStateChanged, timeout=30000, check_params_cb=lambda p: p[1] == "paused"):
        worker.pause()
    qtbot.waitUntil(lambda: worker.frames[-1].snapshot.step == sum(len(f.data_loss) for f in worker.frames),
                    timeout=30000)
    state = LiveState(setup)
    for frame in worker.frames:
        state.apply(frame)
    n = state.step
    assert np.array_equal(state.steps, np.arange(1, n + 1))
    assert state.data_loss.shape == (n, 2)
    # coalesced: many steps share one frame
    assert len(worker.frames) < n
    # paused means paused: a later Step of 5 lands exactly 5 steps further
    worker.step(5)
    qtbot.waitUntil(lambda: worker.frames[-1].snapshot.step >= n + 5, timeout=30000)
    assert worker.frames[-1].snapshot.step == n + 5


def test_finishes_after_the_configured_epochs(qtbot, worker):
    cfg = load_preset("seed").replace(**{"training.epochs": 3})
    load(worker, cfg)
    with qtbot.waitSignal(worker.sigStateChanged, timeout=30000, check_params_cb=lambda p: p[1] == "finished"):
        worker.start_training()
    qtbot.waitUntil(lambda: worker.frames[-1].finished, timeout=30000)
    assert worker.frames[-1].snapshot.epoch == 3
    assert worker.frames[-1].snapshot.step == 3 * 40


def test_live_member_change_takes_effect_without_reset(qtbot, worker):
    load(worker)
    qtbot.waitUntil(lambda: len(worker.frames) >= 1, timeout=30000)
    worker.step(10)
    qtbot.waitUntil(lambda: worker.frames[-1].snapshot.step == 10, timeout=30000)
    cfg = load_preset("seed")
    worker.set_members([dataclasses.replace(member(cfg, "l1", 0), lam=0.0)])
    worker.step(10)
    qtbot.waitUntil(lambda: worker.frames[-1].snapshot.step == 20, timeout=30000)
    penalties = np.concatenate([f.penalty for f in worker.frames if len(f.penalty)])
    assert penalties[:10].min() > 0  # L1 at lambda 0.3
    assert np.all(penalties[10:] == 0)  # lambda 0 from step 11 on, same weights carried over
    assert worker.frames[-1].members[0].lam == 0.0


def test_divergence_is_reported_and_frozen(qtbot, worker):
    cfg = load_preset("seed").replace(**{"training.learning_rate": 10.0, "training.loss": "squared"})
    load(worker, cfg, methods=("l1", "l2"))
    qtbot.waitUntil(lambda: len(worker.frames) >= 1, timeout=30000)
    with qtbot.waitSignal(worker.sigStateChanged, timeout=30000, check_params_cb=lambda p: p[1] == "all-diverged"):
        worker.start_training()
    qtbot.waitUntil(lambda: worker.frames[-1].finished, timeout=30000)
    assert worker.frames[-1].snapshot.diverged.all()


def test_stop_while_training_ends_the_process_cooperatively(qtbot):
    w = TrainingWorker()
    steps = []

    def on_frame(frame):
        steps.append(frame.snapshot.step)
        w.acknowledge(frame.sequence)

    w.sigFrame.connect(on_frame)
    w.start()
    load(w)
    w.start_training()
    qtbot.waitUntil(lambda: bool(steps) and steps[-1] > 100, timeout=30000)
    assert w.stop(10000)
    assert not w.isRunning()
    assert w._process.exitcode == 0  # it quit on its own when asked, it was not killed


def test_an_event_that_cannot_be_read_ends_the_process_and_says_why(qtbot, monkeypatch):
    """A pipe out of step (a bad header, a buffer of the wrong size) is not a silent end of the
    relay thread: the process is ended and sigDied names the reason, so the window recovers."""
    from multiprocessing import BufferTooShort

    from regviz.gui import worker as worker_module

    real = worker_module.recv_event
    calls = []

    def garbled(connection):
        event = real(connection)
        calls.append(event[0])
        if len(calls) == 2:  # the first frame comes through, the next event is unreadable
            raise BufferTooShort("a buffer of the wrong size")
        return event

    monkeypatch.setattr(worker_module, "recv_event", garbled)
    w = TrainingWorker(frame_interval=1 / 60)
    w.sigFrame.connect(lambda frame: w.acknowledge(frame.sequence))
    w.start()
    try:
        with qtbot.waitSignal(w.sigDied, timeout=30000) as died:
            load(w)
        assert "could not be read" in died.args[0] and "BufferTooShort" in died.args[0]
        qtbot.waitUntil(lambda: not w.isRunning() and not w._process.is_alive(), timeout=10000)
        assert w.died and not w.alive
    finally:
        w.stop()
