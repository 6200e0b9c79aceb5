"""Animated GIFs written frame by frame, without Qt: memory holds one frame, whatever the count.

Colours. A GIF frame has at most 256 colours. Every frame gets its own palette (a local colour
table, 768 bytes): the colours covering many pixels, most used first, kept exactly (up to 224),
the remaining slots spread over the rarer colours by median cut, each rarer colour drawn as its
nearest palette colour. The large areas (heatmap cells, the background, model lines, text) are
therefore exact, the same RGB as the still PNG; only what covers few pixels each (anti-aliased
text edges, the colour bar's fine gradient) may move to a neighbouring colour. No dithering: it
would speckle the flat cells and cost size.

Size. After the first frame only the rectangle that changed is written (drawn over the previous
frame: disposal 1), so a fixed layout costs little beyond what moves. Pillow's LZW encoder
compresses each frame; the GIF container (header, loop, delays) is written here.

Delays are stored in hundredths of a second: 1000/fps ms is rounded per frame so that the total
stays exact (3 fps: 330, 340, 330 ms).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

import numpy as np

MAX_COLORS = 256
DISPOSE_NONE = 1  # leave the frame in place: the next one draws its changed rectangle over it
EXACT_MIN_PIXELS = 24  # a colour on this many pixels is kept exactly (a heatmap cell has hundreds)
SPREAD_SLOTS = 32  # palette slots kept for the rarer colours (gradients, anti-aliased edges)
_NEAREST_CHUNK = 4096  # rare colours matched to the palette this many at a time (bounded memory)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """[h, w, 3] uint8 -> [h, w] uint32 0xRRGGBB (one number per colour, for counting)."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    return (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]


def unpack_rgb(packed: np.ndarray) -> np.ndarray:
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(np.uint8)


def quantize(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Palette indices [h, w] (uint8) and the palette [n, 3] (uint8, n <= 256) of a packed frame.

    Colours covering many pixels (EXACT_MIN_PIXELS or more: cells, background, lines, text) are kept
    exactly, most used first, in up to MAX_COLORS - SPREAD_SLOTS slots; the other slots are spread
    over the rarer pixels by median cut (the colour bar's fine gradient stays a gradient, not a
    few bands); every rare colour is drawn as its nearest palette colour."""
    colors, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    if len(colors) <= MAX_COLORS:
        return inverse.reshape(packed.shape).astype(np.uint8), unpack_rgb(colors)
    order = np.argsort(-counts, kind="stable")
    exact = order[:MAX_COLORS - SPREAD_SLOTS]
    exact = exact[counts[exact] >= EXACT_MIN_PIXELS]
    rest = np.setdiff1d(np.arange(len(colors)), exact, assume_unique=True)
    spread = _median_cut(unpack_rgb(np.repeat(colors[rest], counts[rest])), MAX_COLORS - len(exact))
    palette = np.concatenate([unpack_rgb(colors[exact]), spread]).astype(np.int32)
    index_of = np.empty(len(colors), dtype=np.uint8)
    index_of[exact] = np.arange(len(exact), dtype=np.uint8)
    rare_rgb = unpack_rgb(colors[rest]).astype(np.int32)
    for start in range(0, len(rest), _NEAREST_CHUNK):
        chunk = rare_rgb[start:start + _NEAREST_CHUNK]
        distance = ((chunk[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        index_of[rest[start:start + _NEAREST_CHUNK]] = distance.argmin(axis=1).astype(np.uint8)
    return index_of[inverse].reshape(packed.shape), palette.astype(np.uint8)


def _median_cut(rgb: np.ndarray, count: int) -> np.ndarray:
    """At most `count` colours standing for the pixels `rgb` [n, 3] (Pillow's median cut: a colour
    on more pixels weighs more)."""
    from PIL import Image

    strip = Image.frombytes("RGB", (len(rgb), 1), np.ascontiguousarray(rgb, dtype=np.uint8).tobytes())
    reduced = strip.quantize(colors=max(1, count), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    used = len(reduced.getcolors(MAX_COLORS) or [])
    return np.frombuffer(bytes(reduced.getpalette()[:3 * max(1, used)]), dtype=np.uint8).reshape(-1, 3)


def delay_cs(fps: float, index: int) -> int:
    """Frame `index`'s delay in hundredths of a second, rounded so the running total stays exact."""
    per_frame = 100.0 / fps
    return max(1, round(per_frame * (index + 1)) - round(per_frame * index))


def frame_delays_cs(fps: float, count: int) -> list[int]:
    return [delay_cs(fps, i) for i in range(count)]


def changed_box(previous: np.ndarray, current: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels that differ, or None when none does."""
    diff = previous != current
    rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


class GifWriter:
    """Writes an animated GIF to a binary file as frames arrive: add(rgb) per frame, then close().

    Every frame must have the size given; its delay comes from `fps` (frame_delays_cs). `loop` 0
    repeats for ever."""

    def __init__(self, fp: BinaryIO, size: tuple[int, int], fps: float, loop: int = 0):
        width, height = size
        if not (1 <= width <= 65535 and 1 <= height <= 65535):
            raise ValueError(f"a GIF is 1 to 65535 pixels each way, not {width}x{height}")
        self.fp, self.size, self.fps = fp, (int(width), int(height)), float(fps)
        self.frames = 0
        self._previous: np.ndarray | None = None
        # Logical screen without a global colour table (every frame brings its own), 8-bit colour
        # resolution; then the NETSCAPE2.0 extension that makes the animation loop.
        fp.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x70, 0, 0))
        fp.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\x00")

    def add(self, rgb: np.ndarray) -> None:
        """One frame, [height, width, 3] uint8 RGB."""
        from PIL import GifImagePlugin, Image

        rgb = np.asarray(rgb)
        if rgb.shape != (self.size[1], self.size[0], 3):
            raise ValueError(f"frame of shape {rgb.shape}; this GIF is {self.size[0]}x{self.size[1]} RGB")
        packed = pack_rgb(rgb)
        if self._previous is None:
            box = (0, 0, *self.size)
        else:
            # an unchanged frame is still a frame (the n-th frame shows the n-th step): one pixel
            box = changed_box(self._previous, packed) or (0, 0, 1, 1)
        self._previous = packed
        left, top, right, bottom = box
        indices, palette = quantize(packed[top:bottom, left:right])
        image = Image.frombytes("P", (right - left, bottom - top), np.ascontiguousarray(indices).tobytes())
        image.putpalette(palette.tobytes(), "RGB")
        delay = delay_cs(self.fps, self.frames)
        # Pillow's public frame encoder (graphic control block, local colour table, LZW data)
        for chunk in GifImagePlugin.getdata(image, (left, top), duration=delay * 10, disposal=DISPOSE_NONE,
                                            include_color_table=True):
            self.fp.write(chunk)
        self.frames += 1

    def close(self) -> None:
        if self.frames == 0:
            raise ValueError("a GIF needs at least one frame")
        self.fp.write(b";")  # the trailer
