"""`regviz animate`: the weights animation as an animated GIF, headless.

Trains the preset (with --compare: L1 and L2 side by side, from the same initial weights) for its
epochs, recording the weights only at the frames' steps (denser early: core.animation), then draws
each frame offscreen as the still exports draw it (gui.animation_render) and writes the GIF
atomically. With --session FILE nothing is trained: the session's recorded steps are the frames.
Prints the path it wrote; a progress bar goes to stderr on a terminal. Bad arguments: one line,
exit 2, no file.
"""

from __future__ import annotations

import argparse
import sys

from regviz.core import animation
from regviz.core.animation import AnimationError, AnimationOptions


def add_parser(sub, presets: str) -> None:
    """The `animate` subcommand (called by cli_args.build_parser)."""
    from regviz import cli_args

    low, high = animation.SIZE_RANGE
    sizes = ", ".join(f"{what} {w}x{h}" for what, (w, h) in animation.DEFAULT_SIZES.items())
    p = sub.add_parser("animate", help="train headless and write an animated GIF of the weights (or the fit, or "
                                       "the window) over training",
                       description="Prints the path it wrote and nothing else.")
    cli_args._add_source_options(p, presets)
    p.add_argument("--compare", action="store_true", help="train L1 and L2 side by side (the article's 2x2 grids)")
    p.add_argument("--session", type=cli_args._nonempty, default=None, metavar="FILE",
                   help="animate a saved session's recorded steps instead of training (not with --preset, "
                        "--config or --compare)")
    p.add_argument("--what", choices=animation.WHATS, default="weights",
                   help="the weight heatmaps (default), the fit, or the whole window")
    frames_low, frames_high = animation.FRAMES_RANGE
    p.add_argument("--frames", type=cli_args._int_between(frames_low, frames_high), default=animation.DEFAULT_FRAMES,
                   help=f"{frames_low} to {frames_high}, default {animation.DEFAULT_FRAMES}; denser at the start, "
                        "where the weights change fastest")
    fps_low, fps_high = animation.FPS_RANGE
    p.add_argument("--fps", type=cli_args._int_between(fps_low, fps_high), default=animation.DEFAULT_FPS,
                   help=f"frames per second, {fps_low} to {fps_high} (default {animation.DEFAULT_FPS})")
    p.add_argument("--out", type=cli_args._nonempty, required=True, metavar="FILE.gif", help="the GIF to write")
    p.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help=f"the picture (a canvas, caption included) or the window, each {low} to {high} pixels; "
                        f"default {sizes}")
    from regviz.gui.style import THEMES

    p.add_argument("--theme", choices=tuple(THEMES), default="light",
                   help="the canvases' theme, as View > Theme (default light)")


def _size(text: str) -> tuple[int, int]:
    low, high = animation.SIZE_RANGE
    parts = text.lower().replace("×", "x").split("x")
    shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
    try:
        width, height = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown} is not WIDTHxHEIGHT (e.g. 800x500)") from None
    if not (low <= width <= high and low <= height <= high):
        raise argparse.ArgumentTypeError(f"{shown}: width and height must each be {low} to {high}")
    return width, height


def run(args: argparse.Namespace, should_stop=None) -> int:
    from regviz import cli
    from regviz.cli_args import UsageError
    from regviz.core.io import AtomicFile, WriteProblem

    opened = cli._read_session_argument(args, ("preset", "config", "compare"))
    try:
        path = animation.check_gif_name(args.out)
        options = AnimationOptions(args.what, args.frames, args.fps,
                                   args.size or animation.DEFAULT_SIZES[args.what]).checked()
    except AnimationError as exc:
        raise UsageError(str(exc)) from None
    if opened is not None:
        session, name = opened
        if len(session.snapshots) < 2:
            raise UsageError(f"--session: {args.session} holds one recorded step; an animation needs two or more")
        cfg = None
    else:
        cfg, name, session = cli.load_config(args), cli._source_name(args), None
        cli._check_dataset(cfg)
        _check_memory(cfg, args.compare, options.frames)
    try:
        target = AtomicFile(path)  # now: an unwritable target fails before training
    except WriteProblem as exc:
        raise UsageError(f"--out: {exc}") from None
    from regviz import report  # late: it imports torch; bad arguments are refused without it
    from regviz.gui.animation_render import write_animation

    with target:  # any exception (Ctrl+C, SIGTERM, an error) removes the temporary file
        if session is None:
            from regviz.gui.animation_training import train_for_animation

            bar = report.ProgressBar(sys.stderr)
            try:
                session = train_for_animation(cfg, ("l1", "l2") if args.compare else None, options.frames,
                                              bar, should_stop)
            finally:
                bar.close()
        bar = report.ProgressBar(sys.stderr)
        try:
            write_animation(session, target, options, name, args.theme, bar, should_stop)
        finally:
            bar.close()
    print(path)
    return 0


def _check_memory(cfg, compare: bool, frames: int) -> None:
    """One snapshot per frame is kept: a large network gets fewer frames, not gigabytes."""
    from regviz.cli_args import UsageError
    from regviz.gui.snapshots import snapshot_numbers

    prelu = cfg.model.activation == "prelu"
    numbers = snapshot_numbers(cfg.model.layer_sizes, 2 if compare else 1, prelu)
    allowed = animation.max_frames_for(numbers)
    if frames > allowed:
        raise UsageError(f"--frames: {frames} frames of this network ({numbers:,} weights each) would exceed "
                         f"the memory budget; at most {allowed}")

