"""Connects the panel, the worker and the canvases; holds no widgets of its own.

Edits from the panel become either live changes sent to the worker or a reset (a new engine).
Frames from the worker are folded into the LiveState; the canvases redraw from it on a timer,
never in the frame slot, so a fast trainer cannot flood the event loop.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from typing import Sequence

from PySide6 import QtCore

from regviz.core import analysis
from regviz.core.activations import get_activation
from regviz.core.config import ExperimentConfig
from regviz.core.records import MemberSpec
from regviz.core.experiments import member
from regviz.gui.replay import ReplayState
from regviz.gui.session import LiveState, RunSetup, TrainingFrame, initial_frame, make_setup, member_label
from regviz.gui.views.base import CanvasView
from regviz.gui.worker import TrainingWorker

# Full redraws a second at most (the timer ticks twice as often, half the canvases a tick). Above
# the 30 frames/s target so that a late tick or a busy machine still leaves it met; below a 60 Hz
# display's rate, so no canvas is drawn twice in a display frame.
REDRAW_HZ = 40


def members_for(config: ExperimentConfig, compare: Sequence[str] | None) -> list[MemberSpec]:
    """One model, or one per compared method; compared models share the seed, hence the init."""
    seed = config.training.seed
    if not compare:
        return [member(config, config.regularization.method, seed)]
    return [member(config, method, seed) for method in compare]


class LabController(QtCore.QObject):
    sigSetupChanged = QtCore.Signal(object)  # RunSetup, after a reset
    sigRunningChanged = QtCore.Signal(bool)
    sigMessage = QtCore.Signal(str)  # news for the status bar (finished)
    sigProblem = QtCore.Signal(str)  # trouble for the status bar (divergence, a failed trainer)
    sigRendered = QtCore.Signal()  # after each redraw that drew something
    sigReplayChanged = QtCore.Signal(object)  # the step replayed on the canvases, or None: live

    def __init__(self, config: ExperimentConfig, views: Sequence[CanvasView], redraw_hz: float = REDRAW_HZ,
                 parent: QtCore.QObject | None = None, engine: str | None = None):
        super().__init__(parent)
        self.config = config
        self.compare: tuple[str, ...] | None = None
        self.views = list(views)
        self.generation = 0
        self.running = False
        self.setup: RunSetup | None = None
        self.state: LiveState | None = None
        self.replay: ReplayState | None = None  # a recorded step the canvases show instead of the live one
        self.frames_drawn = 0
        self._collected_once = False  # no gc.collect at the first setup (see _apply_pending_setup)
        self.frames_per_second = 0.0
        self.speed: float | None = None
        self._fps_since = time.perf_counter()
        self._fps_count = 0
        self._half_drew = False
        self._pending_setup: RunSetup | None = None  # views are rebuilt once for a burst of resets
        self._setup_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._setup_timer.timeout.connect(self._apply_pending_setup)
        self.engine = engine  # core.engines.ENGINES, None: the trainer's default (REGVIZ_ENGINE or auto)
        self.worker = self._new_worker()
        # The timer ticks twice per frame and each tick redraws half the canvases, so the event
        # loop never waits on all four paints at once (input stays responsive).
        self._tick = 0
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(1, int(1000 / (2 * redraw_hz))))
        self.timer.timeout.connect(self._on_tick)
        self.timer.start()

    def _new_worker(self) -> TrainingWorker:
        worker = TrainingWorker(engine=self.engine)
        worker.sigNotice.connect(self.sigMessage)
        worker.sigFrame.connect(self._on_frame)
        worker.sigDiverged.connect(self._on_diverged)
        worker.sigStateChanged.connect(self._on_worker_state)
        worker.sigError.connect(self._on_error)
        worker.sigDied.connect(self._on_died)
        worker.start()
        if self.speed is not None:
            worker.set_speed(self.speed)
        return worker

    def _replace_dead_worker(self) -> bool:
        """A new worker in place of one whose process died; True when it had to be replaced."""
        if self.worker.alive:
            return False
        self.worker.stop(1000)
        self.worker = self._new_worker()
        return True

    def set_engine(self, engine: str) -> None:
        """Train with another engine from now on: a new trainer process takes over the run where it
        stands (paused; the plots and the step count carry on)."""
        if engine == self.engine:
            return
        self.pause()
        self.engine = engine
        self.worker.stop(1000)  # no longer alive: replaced below, with the run loaded into the new one
        self._resumed_worker()

    def _resumed_worker(self) -> TrainingWorker:
        """The worker, or a new one that continues the run from its last frame: the plots and the
        step count carry on where the dead one stopped."""
        if self._replace_dead_worker() and self.setup is not None:
            setup = dataclasses.replace(self.setup, config=self.config,
                                        members=tuple(members_for(self.config, self.compare)))
            snapshot = self.state.snapshot if self.state is not None else None
            self.worker.load(setup, self.generation, snapshot, self.state.target_epochs if snapshot else None)
        return self.worker

    # ---------------------------------------------------------------- commands
    def reset(self, config: ExperimentConfig | None = None) -> None:
        """New engine from the config (new initial weights); the canvases start over.

        Raises ConfigError/DataError (e.g. a CSV that vanished) before changing anything. The
        canvases are rebuilt on the next turn of the event loop, once for a burst of resets, and
        the trainer builds only the newest of the engines it is asked for."""
        config = config if config is not None else self.config
        members = members_for(config, self.compare)
        setup = make_setup(config, members)
        self.config = config
        state = LiveState(setup)
        state.apply(initial_frame(setup, self.generation + 1))  # on screen now, not after the trainer
        self._switch_run(state)

    def open_session(self, session) -> None:
        """Show a saved session (session_file.Session, already checked) and load the trainer with its
        newest snapshot, so Start continues from the saved step; a new run generation."""
        from regviz.gui.session_file import restore_live_state

        state = restore_live_state(session)  # first: nothing changes if this fails
        self.config, self.compare = session.config, session.compare
        self._switch_run(state, resume=True)

    def _switch_run(self, state: LiveState, resume: bool = False) -> None:
        """A new run on screen (a reset, an opened session): new generation, canvases rebuilt once
        for a burst, the live (not a replayed) state, the trainer loaded (from the state's snapshot
        when resuming), paused."""
        self.end_replay()
        self.generation += 1
        self.setup, self.state = state.setup, state
        self._pending_setup = state.setup
        self._setup_timer.start()
        self._replace_dead_worker()
        if resume:
            self.worker.load(state.setup, self.generation, state.snapshot, state.target_epochs)
        else:
            self.worker.load(state.setup, self.generation)
        self._set_running(False)
        self.sigSetupChanged.emit(state.setup)

    def _apply_pending_setup(self) -> None:
        setup, self._pending_setup = self._pending_setup, None
        if setup is None:
            return
        for view in self.views:
            view.set_setup(setup)
            view.invalidate()
        # Collect now, while nothing animates, and freeze what survives (the canvases' items): a
        # full collection over them during training paused the event loop for 40-125 ms. At launch
        # there is no old run to free: freezing alone spares the first paint a 0.1-0.3 s collection.
        if self._collected_once:
            gc.collect()
        self._collected_once = True
        gc.freeze()

    def set_compare(self, methods: Sequence[str] | None) -> None:
        """Compare mode on (these methods) or off; refused (ConfigError/DataError) like reset()."""
        previous, self.compare = self.compare, tuple(methods) if methods else None
        try:
            self.reset()
        except Exception:
            self.compare = previous
            raise

    def start(self) -> None:
        self._resumed_worker().start_training()
        self._set_running(True)

    def pause(self) -> None:
        self.worker.pause()
        self._set_running(False)

    def toggle(self) -> None:
        self.pause() if self.running else self.start()

    def step(self, count: int = 1) -> None:
        self._resumed_worker().step(count)
        self._set_running(False)

    def set_speed(self, max_steps_per_second: float | None) -> None:
        self.speed = max_steps_per_second
        self.worker.set_speed(max_steps_per_second)

    def apply_config(self, config: ExperimentConfig, needs_reset: bool) -> None:
        """A panel edit: a reset, or live changes to the running models."""
        if needs_reset:
            self.reset(config)
            return
        old, self.config = self.config, config
        self.worker.set_members(members_for(config, self.compare))
        if config.training.epochs != old.training.epochs:
            self.worker.set_target_epochs(config.training.epochs)
        if config.model.activation_params != old.model.activation_params:
            activation = get_activation(config.model.activation, config.model.activation_params)
            self.worker.set_activation(activation)
            for view in self.views:
                if hasattr(view, "set_activation"):
                    view.set_activation(activation)

    def shutdown(self) -> None:
        """Stop the timers and the worker thread; safe to call twice."""
        self.timer.stop()
        self._setup_timer.stop()
        if self.worker.isRunning():
            self.worker.stop()

    # ---------------------------------------------------------------- worker -> GUI
    def _current(self, generation: int) -> bool:
        """Whether an event speaks of the run on screen (not of one before a reset)."""
        return generation == self.generation and self.state is not None

    def _on_frame(self, frame: TrainingFrame) -> None:
        worker = self.sender()
        if isinstance(worker, TrainingWorker):
            worker.acknowledge(frame.sequence)
        if self._current(frame.generation):
            self.state.apply(frame)

    def _on_diverged(self, payload: tuple[int, tuple[int, ...]]) -> None:
        generation, indices = payload
        if not self._current(generation):
            return
        names = ", ".join(member_label(self.state.members[i]) for i in indices if i < len(self.state.members))
        self.sigProblem.emit(
            f"Diverged (NaN/Inf): {names}. Frozen with its last weights; lower the learning rate and press Reset.")

    def _on_worker_state(self, payload: tuple[int, str]) -> None:
        generation, state = payload
        if not self._current(generation):
            return  # a late word from before a reset
        if state == "finished":
            self._set_running(False)
            self.sigMessage.emit(f"Finished {self.state.epoch} epochs. Start goes on for as many again; "
                                 "Reset starts over.")
        elif state == "all-diverged":
            self._set_running(False)
            self.sigProblem.emit("Training diverged: every model is frozen. Lower the learning rate and press Reset.")
        elif state == "failed":
            self._set_running(False)
        # "paused" and "running" echo commands this controller sent itself; acting on a late echo
        # would undo a newer command, so they are ignored.

    def _on_error(self, payload: tuple[int, str]) -> None:
        generation, text = payload
        if self._current(generation):
            self._set_running(False)
            self.sigProblem.emit(f"{text[:300]}. Change a setting or press Reset.")

    def _on_died(self, reason: str) -> None:
        self._set_running(False)
        step = self.state.step if self.state is not None else 0
        self.sigProblem.emit(f"The trainer process {reason}. The plots are kept: Start or Step goes on from "
                             f"step {step:,} with a new one, Reset starts over.")

    def _set_running(self, running: bool) -> None:
        if running != self.running:
            self.running = running
            self.sigRunningChanged.emit(running)

    # ---------------------------------------------------------------- replay (the history scrubber)
    def replay_step(self, step: float, nearest: bool = True) -> int | None:
        """Show the recorded snapshot nearest `step` (or the latest at or before it) on the canvases
        instead of the live state; training goes on. Returns the step shown (None: nothing recorded)."""
        if self.state is None:
            return None
        recorder = self.state.recorder
        recorded = recorder.nearest(step) if nearest else recorder.at_or_before(int(step))
        if recorded is None:
            return None
        replay = self.replay
        if replay is None or replay.recorded is not recorded or replay.live is not self.state:
            config = self.config
            activation = get_activation(config.model.activation, config.model.activation_params)
            self.replay = ReplayState(self.state, recorded, activation)
            self.sigReplayChanged.emit(recorded.step)
        return recorded.step

    def end_replay(self) -> None:
        """Back to the live state."""
        if self.replay is not None:
            self.replay = None
            self.sigReplayChanged.emit(None)

    @property
    def shown_state(self) -> LiveState | ReplayState | None:
        """What the canvases draw: the replayed snapshot while scrubbing, else the live state."""
        return self.replay if self.replay is not None else self.state

    # ---------------------------------------------------------------- drawing
    def redraw(self) -> None:
        """Bring every canvas up to date now (before an export, for instance)."""
        self._render(self.views, count_frame=True)

    def _on_tick(self) -> None:
        half = self._tick % 2
        self._tick += 1
        self._render(self.views[half::2], count_frame=half == 1)

    def _render(self, views: Sequence[CanvasView], count_frame: bool) -> None:
        state = self.shown_state
        if state is None:
            return
        self._apply_pending_setup()
        drew = False
        for view in views:
            drew |= view.render_if_changed(state)
        if drew:
            self.sigRendered.emit()
        if count_frame and (drew or self._half_drew):
            self.frames_drawn += 1
            self._fps_count += 1
        self._half_drew = drew and not count_frame
        now = time.perf_counter()
        if now - self._fps_since >= 1.0:
            self.frames_per_second = self._fps_count / (now - self._fps_since)
            self._fps_since, self._fps_count = now, 0

    def status_text(self) -> str:
        state = self.state
        if state is None:
            return ""
        parts = [f"step {state.step:,}", f"epoch {state.epoch}/{state.target_epochs}",
                 f"{state.steps_per_second:,.0f} steps/s" if self.running else "paused"]
        if self.running:
            parts.append(f"{self.frames_per_second:.0f} frames/s")
        if state.snapshot is not None:
            for k, spec in enumerate(state.members):
                weights = [w[k] for w in state.snapshot.weights]
                flag = " (diverged)" if state.diverged[k] else ""
                parts.append(f"{member_label(spec)}: {analysis.sparsity(weights):.0%} |w|<0.01{flag}")
        return "   ·   ".join(parts)
