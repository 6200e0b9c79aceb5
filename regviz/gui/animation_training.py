"""Training for `regviz animate`, without Qt: the run of a config (one model, or the compared
methods side by side from the same initial weights), recorded at the animation's frame steps only
(core.animation.frame_steps, denser early), as a session the renderer draws like a saved one.

Memory stays bounded: one snapshot per frame (at most the frame count, capped for a large network
by core.animation.max_frames_for), and the loss histories merge old rows as in the window.
"""

from __future__ import annotations

from typing import Callable, Sequence

from regviz.core.animation import frame_steps
from regviz.core.config import ExperimentConfig
from regviz.gui.snapshots import RecordedSnapshot


def train_for_animation(config: ExperimentConfig, compare: Sequence[str] | None, frames: int,
                        progress: Callable[[int, int], None] | None = None,
                        should_stop: Callable[[], bool] | None = None):
    """Train for the config's epochs and return a session_file.Session whose snapshots are the
    frames' steps (the first: the untrained models, the last: the end of the run)."""
    from regviz.core.experiments import member
    from regviz.gui.session import LiveState, engine_for, initial_frame, make_frame, make_setup
    from regviz.gui.session_file import Session, decimate

    seed = config.training.seed  # compared models share it, hence their initial weights (as in the window)
    methods = list(compare) if compare else [config.regularization.method]
    setup = make_setup(config, [member(config, method, seed) for method in methods])
    engine = engine_for(setup)  # imports torch: this runs in the command's process, never the window's
    total = config.training.epochs * engine.steps_per_epoch
    state = LiveState(setup)
    first = initial_frame(setup, 1)
    state.apply(first)
    recorded = [RecordedSnapshot(first.snapshot, first.members)]
    for step in frame_steps(total, frames)[1:]:
        if should_stop is not None and should_stop():
            return None
        frame = make_frame(engine, setup, 1, [engine.step(step - engine.step_count)])
        state.apply(frame)
        recorded.append(RecordedSnapshot(frame.snapshot, frame.members))
        if progress is not None:
            progress(step, total)
    return Session(config=config, compare=tuple(compare) if compare else None, members=tuple(state.members),
                   dataset=setup.dataset, target_epochs=config.training.epochs, history=decimate(state.history),
                   epoch_history=decimate(state.epoch_history), snapshots=tuple(recorded), snapshot_interval=1)
