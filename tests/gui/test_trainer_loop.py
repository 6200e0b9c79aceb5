"""The trainer loop on its own, synchronously and without Qt: a fake clock and a scripted GUI
stand in for time and for the other end of the pipes, so pacing is checked without wall-clock
timing."""

from __future__ import annotations

import dataclasses
from collections import deque

import pytest

from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui import session
from regviz.gui.trainer_loop import TrainerLoop, newest_load_only


class FakeGui:
    """The other end of the pipes. Time passes only while the loop waits for a command. Frames are
    acknowledged `ack_delay` receive calls later; the script runs commands at given clock times."""

    def __init__(self, script=(), ack_delay=0, end_at=30.0):
        self.t = 0.0
        self.script = sorted(script, key=lambda item: item[0])  # (time, name, payload)
        self.inbox: deque = deque()
        self.events: list = []
        self.ack_delay = ack_delay
        self.pending_acks: deque = deque()  # [calls left, sequence]
        self.unacked: int | None = None
        self.end_at = end_at
        self.quit_sent = False

    def clock(self) -> float:
        return self.t

    def receive(self, timeout: float):
        for ack in self.pending_acks:
            ack[0] -= 1
        if self.pending_acks and self.pending_acks[0][0] <= 0:
            sequence = self.pending_acks.popleft()[1]
            if self.unacked == sequence:
                self.unacked = None
            return ("ack", sequence)
        while self.script and self.script[0][0] <= self.t:
            _, name, payload = self.script.pop(0)
            self.inbox.append((name, payload))
        if self.inbox:
            return self.inbox.popleft()
        if self.t >= self.end_at and not self.quit_sent:
            self.quit_sent = True
            return ("quit", None)
        self.t += max(timeout, 1e-3)
        return None

    def send(self, kind: str, payload) -> None:
        if kind == "frame":
            assert self.unacked is None, f"frame {payload.sequence} sent while frame {self.unacked} is unacknowledged"
            self.unacked = payload.sequence
            self.pending_acks.append([self.ack_delay, payload.sequence])
        self.events.append((kind, payload))

    def frames(self, generation=None):
        return [p for k, p in self.events if k == "frame" and (generation is None or p.generation == generation)]

    def states(self):
        return [p for k, p in self.events if k == "state"]


def _load_payload(cfg=None, generation=1, methods=("l1",)):
    cfg = cfg or load_preset("seed")
    return (session.make_setup(cfg, [member(cfg, m, 0) for m in methods]), generation)


def run(gui: FakeGui, frame_interval: float = 1 / 60) -> TrainerLoop:
    loop = TrainerLoop(gui.receive, gui.send, frame_interval, clock=gui.clock)
    loop.run()
    return loop


@pytest.mark.parametrize("speed", [20.0, 200.0])
def test_slow_motion_trains_at_the_chosen_speed_while_frames_are_acknowledged(speed):
    """20 steps/s for 10 s (of the fake clock) is 200 +- 10% steps, although every frame is
    acknowledged at once (an acknowledgement used to end the wait: about twice the speed)."""
    gui = FakeGui([(0.0, "speed", speed), (0.0, "load", _load_payload()), (0.0, "start", None),
                   (10.0, "pause", None)], end_at=10.5)
    loop = run(gui)
    assert loop.engine.step_count == pytest.approx(10 * speed, rel=0.1)
    assert len(gui.frames()) > 50  # frames kept flowing meanwhile


def test_full_speed_chunks_grow_from_one_step_to_a_few_milliseconds(monkeypatch):
    """An engine whose call costs 50 us plus 10 us a step (on the fake clock): the chunks start at
    one step, grow at most fourfold, and settle where a call lasts CHUNK_SECONDS (8 ms: 795 steps)
    within a few calls, not after the half-second rate window the sizing used to wait for."""
    from regviz.gui import trainer_loop

    gui = FakeGui(end_at=1.0)
    counts: list[int] = []

    class TimedEngine:
        def __init__(self, engine):
            self._engine = engine

        def __getattr__(self, name):
            return getattr(self._engine, name)

        def step(self, n):
            counts.append(n)
            gui.t += 50e-6 + n * 10e-6
            return self._engine.step(n)

    build = session.engine_for
    monkeypatch.setattr(session, "engine_for", lambda *a, **k: TimedEngine(build(*a, **k)))
    cfg = load_preset("seed").replace(**{"training.epochs": 100})
    gui.script = [(0.0, "load", _load_payload(cfg)), (0.0, "start", None)]
    run(gui)
    assert counts[0] == 1
    assert all(b <= trainer_loop.CHUNK_GROWTH * a for a, b in zip(counts, counts[1:]))
    settled = [n for n in counts[8:-1]]  # the last chunk is what was left of the run
    assert settled and all(abs(50e-6 + n * 10e-6 - trainer_loop.CHUNK_SECONDS) < 0.2e-3 for n in settled), counts[:20]


def test_never_more_than_one_frame_in_flight():
    """The GUI acknowledges late (three receive calls later); forced frames (Step done, pause,
    finish) wait for the acknowledgement too. FakeGui.send asserts the invariant on every frame."""
    cfg = load_preset("seed").replace(**{"training.epochs": 3})
    script = [(0.0, "load", _load_payload(cfg)), (0.0, "step", 1), (0.1, "step", 7), (0.2, "start", None),
              (0.5, "pause", None), (0.6, "step", 3), (0.7, "start", None)]
    gui = FakeGui(script, ack_delay=3, end_at=3.0)
    loop = run(gui)
    # (training takes no time on the fake clock: the first Start runs all 3 epochs at once, the
    # Step adds 3, and the second Start goes on to 6 epochs)
    assert loop.engine.epoch == 6
    assert gui.frames()[-1].finished and gui.frames()[-1].snapshot.step == 240
    steps = [s for f in gui.frames() for s in range(f.first_step, f.first_step + len(f.data_loss))]
    assert steps == list(range(1, 241))  # every step arrived once, in order


def test_every_event_names_its_run_generation():
    cfg = load_preset("squared-loss").replace(**{"training.learning_rate": 10.0})
    gui = FakeGui([(0.0, "load", _load_payload(cfg, generation=7, methods=("l1", "l2"))), (0.0, "start", None)],
                  end_at=2.0)
    run(gui)
    kinds = {k for k, _ in gui.events}
    assert {"frame", "state", "diverged"} <= kinds
    for kind, payload in gui.events:
        generation = payload.generation if kind == "frame" else payload[0]
        assert generation == 7, (kind, payload)
    assert (7, "all-diverged") in gui.states()


def test_rapid_loads_build_only_the_newest(monkeypatch):
    built = []
    real = session.engine_for

    def counting(setup, *args, **kwargs):
        built.append(setup.config.data.seed)
        return real(setup, *args, **kwargs)

    monkeypatch.setattr(session, "engine_for", counting)
    cfg = load_preset("seed")
    script = [(0.0, "load", _load_payload(cfg.replace(**{"data.seed": s}), generation=s)) for s in range(1, 6)]
    script += [(0.0, "step", 5)]
    gui = FakeGui(script, end_at=1.0)
    loop = run(gui)
    assert built == [5]
    assert {f.generation for f in gui.frames()} == {5}
    assert loop.engine.step_count == 5  # the command after the newest load still applies


def test_newest_load_only_keeps_speed_ack_and_quit():
    commands = [("speed", 20.0), ("load", "a"), ("start", None), ("ack", 1), ("load", "b"), ("step", 2), ("quit", None)]
    assert newest_load_only(commands) == [("speed", 20.0), ("ack", 1), ("load", "b"), ("step", 2), ("quit", None)]
    assert newest_load_only([("start", None), ("pause", None)]) == [("start", None), ("pause", None)]


def test_a_failure_in_training_is_reported_and_the_loop_waits_for_a_new_run():
    cfg = load_preset("seed")
    bad = (member(cfg, "l1", 0).__class__(lam=-1.0),)  # refused by the engine: ConfigError
    script = [(0.0, "load", _load_payload(cfg, generation=1)), (0.0, "start", None), (0.2, "members", bad),
              (0.5, "load", _load_payload(cfg, generation=2)), (0.5, "step", 10)]
    gui = FakeGui(script, end_at=1.0)
    loop = run(gui)
    errors = [p for k, p in gui.events if k == "error"]
    assert len(errors) == 1 and errors[0][0] == 1 and "regularization.lam" in errors[0][1]
    assert (1, "failed") in gui.states()
    assert loop.generation == 2 and loop.engine.step_count == 10  # the next run trains


def test_a_set_up_that_cannot_be_built_is_reported():
    cfg = load_preset("seed")
    setup, _ = _load_payload(cfg)
    broken = dataclasses.replace(setup, layer_sizes=(2, 3, 1), config=cfg.replace(**{"model.hidden_layers": (3,)}))
    broken = dataclasses.replace(broken, members=())  # an engine needs at least one model
    gui = FakeGui([(0.0, "load", (broken, 3)), (0.0, "start", None)], end_at=0.5)
    loop = run(gui)
    errors = [p for k, p in gui.events if k == "error"]
    assert errors and errors[0][0] == 3 and "members" in errors[0][1]
    assert loop.engine is None and (3, "failed") in gui.states()


def test_continuing_a_finished_run_reports_the_new_target():
    cfg = load_preset("seed").replace(**{"training.epochs": 2})
    script = [(0.0, "load", _load_payload(cfg)), (0.0, "start", None), (1.0, "start", None)]
    gui = FakeGui(script, end_at=2.0)
    loop = run(gui)
    assert loop.engine.epoch == 4
    finished = [f for f in gui.frames() if f.finished]
    assert [(f.snapshot.epoch, f.target_epochs) for f in finished] == [(2, 2), (4, 4)]


def test_resume_continues_from_a_snapshot():
    cfg = load_preset("seed")
    first = FakeGui([(0.0, "load", _load_payload(cfg)), (0.0, "step", 50)], end_at=0.5)
    run(first)
    snap = first.frames()[-1].snapshot
    assert snap.step == 50
    second = FakeGui([(0.0, "load", (*_load_payload(cfg), snap, 300)), (0.0, "step", 10)], end_at=0.5)
    loop = run(second)
    frames = second.frames()
    assert frames[0].snapshot.step == 50 and frames[0].target_epochs == 300
    assert frames[-1].snapshot.step == 60 and frames[-1].first_step <= 60
    assert loop.engine.epoch == 1


def test_an_acknowledgement_queued_behind_a_load_is_not_lost():
    """The GUI's ack of frame 1 arrives in the same batch as a reset's load: the load's frame must
    not wait for an ack that sits, unread, later in that batch (this once froze the trainer)."""
    cfg = load_preset("seed")
    gui = FakeGui(end_at=1.0)
    gui.ack_delay = 10 ** 9  # no automatic acks: the script sends them
    gui.script = [(0.0, "load", _load_payload(cfg, generation=1))]
    batch = [("load", _load_payload(cfg, generation=2)), ("ack", 1), ("step", 3)]
    receive = gui.receive

    def scripted(timeout):
        if batch and (gui.unacked == 1 or len(batch) < 3):  # the batch, once frame 1 is out
            command = batch.pop(0)
            if command[0] == "ack":
                gui.unacked = None
            return command
        if gui.unacked is not None and gui.unacked > 1:  # acknowledge later frames at once
            sequence, gui.unacked = gui.unacked, None
            return ("ack", sequence)
        return receive(timeout)

    loop = TrainerLoop(scripted, gui.send, 1 / 60, clock=gui.clock)
    loop.run()
    assert loop.generation == 2 and loop.engine.step_count == 3


def test_a_failure_of_the_loop_itself_is_its_last_word(monkeypatch):
    calls = []
    real = TrainerLoop._drain

    def failing(self, timeout):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("a bug in the loop")
        real(self, timeout)

    monkeypatch.setattr(TrainerLoop, "_drain", failing)
    gui = FakeGui([(0.0, "load", _load_payload())], end_at=5.0)
    run(gui)  # returns: the process would end now
    assert gui.events[-1] == ("fatal", "stopped by RuntimeError: a bug in the loop")


def test_death_reasons_in_words():
    from regviz.gui.worker import death_reason

    assert death_reason(-9) == "was killed (SIGKILL)"
    assert death_reason(-15) == "was killed (SIGTERM)"
    assert death_reason(3) == "exited with status 3"
    assert death_reason(0) == "ended unexpectedly"
