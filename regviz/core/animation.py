"""The weights animation's choices, without Qt: which steps become frames, and what is accepted.

Frame schedule. Training changes the weights fastest at the start (the first epochs move them
from their random start; later L1 only finishes switching neurons off), so frames are denser early:
frame i of n shows position ((i / (n - 1)) ** EARLY_POWER) of the way through the run, rounded to
a whole step (or a recorded snapshot), never two frames on the same one. With the power 2, half the
frames show the first quarter of the run; the first frame is the untrained start, the last the end.

Memory stays bounded: the command line records the weights at these steps only (at most
MAX_FRAMES snapshots, fewer for a large network: MEMORY_NUMBERS_BUDGET); the window animates the
snapshots its history already keeps (about 200, evenly spread over the run).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EARLY_POWER = 2.0
WHATS = ("weights", "fit", "window")
WHAT_LABELS = {"weights": "the weight heatmaps", "fit": "the fit", "window": "the whole window"}
FRAMES_RANGE = (2, 1000)
FPS_RANGE = (1, 50)  # GIF delays are hundredths of a second; viewers slow down anything under 2
SIZE_RANGE = (320, 3840)  # pixels, each of width and height
DEFAULT_FRAMES = 100
DEFAULT_FPS = 10
DEFAULT_SIZES = {"weights": (800, 500), "fit": (800, 500), "window": (1280, 720)}
MEMORY_NUMBERS_BUDGET = 8_000_000  # numbers over all recorded snapshots (64 MB), as the window's history


class AnimationError(ValueError):
    """A choice that cannot be used; the message is one short line naming the option."""


def frame_indices(available: int, count: int, power: float = EARLY_POWER) -> list[int]:
    """`min(count, available)` distinct positions among `available` (0 .. available - 1),
    increasing, the first and the last included, denser at the start (see the module's note)."""
    if available < 1 or count < 1:
        return []
    count = min(count, available)
    if count == 1:
        return [available - 1]
    last = available - 1
    picks: list[int] = []
    for i in range(count):
        ideal = round(last * (i / (count - 1)) ** power)
        low = picks[-1] + 1 if picks else 0
        high = last - (count - 1 - i)  # room for the frames still to come
        picks.append(min(max(ideal, low), high))
    return picks


def frame_steps(total_steps: int, count: int, power: float = EARLY_POWER) -> list[int]:
    """The steps to record for `count` frames of a run of `total_steps` steps (step 0: the start)."""
    return frame_indices(total_steps + 1, count, power)


@dataclass(frozen=True)
class AnimationOptions:
    what: str = "weights"
    frames: int = DEFAULT_FRAMES
    fps: int = DEFAULT_FPS
    size: tuple[int, int] = DEFAULT_SIZES["weights"]

    def checked(self) -> "AnimationOptions":
        """Itself, or AnimationError naming the first option out of range."""
        if self.what not in WHATS:
            raise AnimationError(f"--what: {self.what!r} is not one of {', '.join(WHATS)}")
        check_int("--frames", self.frames, *FRAMES_RANGE)
        check_int("--fps", self.fps, *FPS_RANGE)
        low, high = SIZE_RANGE
        width, height = self.size
        for value in self.size:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise AnimationError(f"--size: {width}x{height}: width and height must each be {low} to {high}")
        return self


def check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnimationError(f"{name}: {value!r} is not a whole number")
    if not low <= value <= high:
        raise AnimationError(f"{name}: {value}: must be from {low} to {high:,}")
    return value


def check_gif_name(path: str | Path) -> Path:
    """The output's name must end in .gif (whether it can be written is found by creating it)."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        shown = str(path) if len(str(path)) <= 60 else "..." + str(path)[-57:]
        raise AnimationError(f"--out: {shown!r} must end in .gif (an animated GIF is written)")
    return path


def max_frames_for(numbers_per_snapshot: int) -> int:
    """How many snapshots of this size fit the memory budget (at least 2)."""
    return max(2, MEMORY_NUMBERS_BUDGET // max(1, numbers_per_snapshot))
