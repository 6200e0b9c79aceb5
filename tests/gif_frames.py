"""Reading GIFs back in tests (importable: pytest's pythonpath has tests/)."""

from __future__ import annotations

import numpy as np
from PIL import Image


def gif_frames(source) -> tuple[list[np.ndarray], list[int]]:
    """Every frame of a GIF (a path or a file object) as Pillow composes it (later frames drawn
    over the previous one), as RGB arrays, and each frame's delay in ms."""
    image = Image.open(source)
    frames, delays = [], []
    for i in range(image.n_frames):
        image.seek(i)
        frames.append(np.asarray(image.convert("RGB")))
        delays.append(image.info["duration"])
    return frames, delays
