"""The window at the sizes a class meets: 1280x720 and 1366x768 projectors, 1920x1080, and a
3840x2160 screen at a device pixel ratio of 2. On each, in single and compare mode, with several
activations and both presentation themes, no text of any canvas is cut off or overlaps another,
and every heatmap cell is at least about 8 px (layout_probe.py, run in a process per screen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regviz.gui.weights_math import MIN_CELL_PX

PROBE = Path(__file__).resolve().parents[1] / "layout_probe.py"
SCREENS = {"1280x720": 1, "1366x768": 1, "1920x1080": 1, "3840x2160": 2}  # size: device pixel ratio


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every screen's probe, started together (they mostly wait), then collected."""
    runs = {}
    for size, scale in SCREENS.items():
        folder = tmp_path_factory.mktemp(f"screen-{size}")
        width, height = (int(v) for v in size.split("x"))
        config = folder / "screen.json"  # the offscreen platform's screen, in physical pixels
        config.write_text(json.dumps({"screens": [{"name": size, "x": 0, "y": 0, "width": width, "height": height,
                                                   "logicalDpi": 96, "logicalBaseDpi": 96}]}))
        env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_SCALE_FACTOR=str(scale),
                   XDG_CONFIG_HOME=str(folder / "config"))  # a settings folder of its own
        runs[size] = subprocess.Popen([sys.executable, str(PROBE)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
    out = {}
    for size, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{size}: {stderr[-3000:]}"
        out[size] = json.loads(stdout)
    return out


@pytest.mark.parametrize("size", list(SCREENS))
def test_no_text_is_cut_off_or_overlaps_at_every_size(reports, size):
    problems = [f"{r['state']}: {canvas}: {p}" for r in reports[size] for canvas, ps in r["problems"].items() for p in ps]
    assert problems == []


@pytest.mark.parametrize("size", list(SCREENS))
def test_heatmap_cells_stay_readable_at_every_size(reports, size):
    for report in reports[size]:
        assert report["min_cell"] >= MIN_CELL_PX - 0.05, report
    if size in ("1920x1080", "3840x2160"):  # room for L1 and L2 side by side
        assert all(r["shown"] >= 2 for r in reports[size] if r["state"][0] >= 2)


def test_the_window_fits_its_screen(reports):
    for size, scale in SCREENS.items():
        width, height = (int(v) // scale for v in size.split("x"))
        for report in reports[size]:
            assert report["window"][0] <= width and report["window"][1] <= height, (size, report)
