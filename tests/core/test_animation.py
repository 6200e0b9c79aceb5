"""The weights animation without Qt: which steps become frames, what is accepted, and the GIF
(read back with Pillow's decoder: frame count, delays, exact colours, size)."""

import io

import numpy as np
import pytest

from gif_frames import gif_frames

from regviz.core import animation
from regviz.core.animation import AnimationError, AnimationOptions, frame_indices, frame_steps
from regviz.core.gif import GifWriter


# ---------------------------------------------------------------- frame schedule
def test_frame_indices_are_the_squares_by_hand():
    # position (i/10)^2 of the way through 0..100: the squares 0, 1, 4, ..., 100
    assert frame_indices(101, 11) == [0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100]


@pytest.mark.parametrize("available,count", [(1, 5), (2, 2), (5, 5), (7, 3), (200, 100), (200, 200), (4001, 100),
                                             (3, 1000)])
def test_frame_indices_bounds(available, count):
    picks = frame_indices(available, count)
    assert len(picks) == min(count, available)
    assert picks[0] == (0 if len(picks) > 1 else available - 1)
    assert picks[-1] == available - 1  # the end of the run is always shown
    assert all(b > a for a, b in zip(picks, picks[1:]))  # distinct, increasing
    assert all(0 <= p < available for p in picks)


def test_frame_indices_are_denser_early():
    picks = frame_indices(1001, 101)
    in_first_quarter = sum(p <= 250 for p in picks)
    assert in_first_quarter == 51  # i/100 <= 1/2: half the frames (and the middle one) show the first quarter


def test_frame_indices_nothing():
    assert frame_indices(0, 10) == [] and frame_indices(10, 0) == []


def test_frame_steps_cover_the_run():
    steps = frame_steps(4000, 100)  # the seed run: 100 epochs x 40 steps
    assert len(steps) == 100 and steps[0] == 0 and steps[-1] == 4000
    # (1/99)^2 of 4000 is 0.41, rounded to the start already taken: the next step; (2/99)^2 -> 1.63 -> 2
    assert steps[1:3] == [1, 2]
    assert steps[50] == round(4000 * (50 / 99) ** 2)  # 1020: half the frames before a quarter of the run


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("options,word", [
    (AnimationOptions(what="heat"), "--what"),
    (AnimationOptions(frames=1), "--frames"),
    (AnimationOptions(frames=1001), "--frames"),
    (AnimationOptions(frames=True), "--frames"),
    (AnimationOptions(fps=0), "--fps"),
    (AnimationOptions(fps=51), "--fps"),
    (AnimationOptions(fps=2.5), "--fps"),
    (AnimationOptions(size=(319, 500)), "--size"),
    (AnimationOptions(size=(800, 3841)), "--size"),
])
def test_options_refused_with_one_short_line(options, word):
    with pytest.raises(AnimationError) as caught:
        options.checked()
    message = str(caught.value)
    assert message.startswith(word) and "\n" not in message and len(message) < 120


def test_options_accepted_at_the_bounds():
    for options in (AnimationOptions("fit", 2, 1, (320, 320)), AnimationOptions("window", 1000, 50, (3840, 3840))):
        assert options.checked() is options


@pytest.mark.parametrize("name", ["weights.png", "weights", "gif", "a/b.gif.tmp"])
def test_gif_name_needs_the_suffix(name):
    with pytest.raises(AnimationError, match="--out"):
        animation.check_gif_name(name)


def test_gif_name_any_case():
    assert animation.check_gif_name("Weights.GIF").name == "Weights.GIF"


def test_memory_budget_gives_fewer_frames_for_a_large_network():
    assert animation.max_frames_for(1000) == 8000
    assert animation.max_frames_for(10 ** 9) == 2


# ---------------------------------------------------------------- the GIF
def _write(frames, fps):
    buffer = io.BytesIO()
    writer = GifWriter(buffer, (frames[0].shape[1], frames[0].shape[0]), fps)
    for rgb in frames:
        writer.add(rgb)
    writer.close()
    return buffer.getvalue()


def _read(data):
    return gif_frames(io.BytesIO(data))


def _flat(height, width, color):
    return np.broadcast_to(np.array(color, dtype=np.uint8), (height, width, 3)).copy()


def test_frames_delays_and_exact_colours():
    red, blue, white = (178, 24, 43), (33, 102, 172), (255, 255, 255)
    frames = []
    for i in range(5):
        rgb = _flat(40, 60, white)
        rgb[10:20, 10 + 5 * i:20 + 5 * i] = red  # a cell moving right
        rgb[30:, :] = blue
        frames.append(rgb)
    decoded, delays = _read(_write(frames, fps=10))
    assert len(decoded) == 5
    assert delays == [100] * 5  # 1000 / fps ms
    for original, back in zip(frames, decoded):
        assert np.array_equal(original, back)


def test_delays_keep_the_total_exact():
    frames = [_flat(8, 8, (i, i, i)) for i in range(3)]
    _, delays = _read(_write(frames, fps=3))
    assert delays == [330, 340, 330]  # hundredths of a second; 1 s in all


def test_an_unchanged_frame_is_still_a_frame():
    frame = _flat(10, 10, (0, 114, 178))
    decoded, _ = _read(_write([frame, frame.copy(), frame.copy()], fps=5))
    assert len(decoded) == 3 and all(np.array_equal(frame, back) for back in decoded)


def test_more_than_256_colours_keeps_the_large_areas_exact():
    rng = np.random.default_rng(0)
    rgb = _flat(64, 64, (250, 250, 250))
    rgb[:32, :32] = (213, 94, 0)  # a big heatmap cell
    rgb[40:] = rng.integers(0, 256, size=(24, 64, 3), dtype=np.uint8)  # 1536 rare colours
    (back,), _ = _read(_write([rgb], fps=10))
    assert (back[:32, :32] == (213, 94, 0)).all()
    assert (back[32:40] == (250, 250, 250)).all()
    # the rare colours become near ones, not garbage
    assert np.abs(back[40:].astype(int) - rgb[40:].astype(int)).mean() < 40


def test_wrong_frame_size_is_refused():
    writer = GifWriter(io.BytesIO(), (10, 10), 10)
    with pytest.raises(ValueError):
        writer.add(np.zeros((10, 11, 3), dtype=np.uint8))


def test_hundred_frames_at_800_px_stay_under_10_mb():
    """A synthetic weights picture: a 2x4 grid of 10x10 heatmaps from a diverging colormap, a grey
    axis frame and a step label that changes on every frame (as the real caption does)."""
    height, width = 500, 800
    ramp = np.linspace(0, 1, 21)[:, None]
    colormap = (np.hstack([ramp, 0.5 * ramp + 0.25, 1 - ramp]) * 255).astype(np.uint8)  # 21 colours
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(8, 10, 10))
    buffer = io.BytesIO()
    writer = GifWriter(buffer, (width, height), 10)
    for frame in range(100):
        rgb = _flat(height, width, (255, 255, 255))
        shrunk = weights * (1 - frame / 120)
        cells = colormap[np.clip(((shrunk + 2) / 4 * 20).round().astype(int), 0, 20)]
        for k in range(8):
            top, left = 40 + (k // 4) * 220, 30 + (k % 4) * 190
            rgb[top:top + 180, left:left + 150] = np.repeat(np.repeat(cells[k], 18, axis=0), 15, axis=1)
            rgb[top - 1, left:left + 150] = rgb[top + 180, left:left + 150] = (128, 128, 128)
        digits = np.unpackbits(np.array([frame], dtype=np.uint8))  # the "step label": 8 glyphs
        for d, bit in enumerate(digits):
            rgb[480:492, 20 + 10 * d:28 + 10 * d] = (80, 80, 80) if bit else (200, 200, 200)
        writer.add(rgb)
    writer.close()
    size = len(buffer.getvalue())
    assert writer.frames == 100
    assert size < 10 * 2 ** 20, f"{size / 2**20:.1f} MB"
