"""`regviz gui --session` and `regviz screenshot --session/--step/--size/--scale` from the command
line: bad input is one line and exit 2; a screenshot prints exactly the files it wrote, nothing on
stderr, at the requested pixel size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import QtGui

from regviz import cli
from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui.session import LiveState, build_run, initial_frame, make_frame
from regviz.gui.session_file import save_session, session_from_state


@pytest.fixture(scope="module")
def session_path(tmp_path_factory) -> Path:
    """A session of 600 steps of the seed preset, saved without a window."""
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, "l1", cfg.training.seed)])
    state = LiveState(setup)
    state.apply(initial_frame(setup, 1))
    for _ in range(60):
        state.apply(make_frame(engine, setup, 1, [engine.step(10)]))
    path = tmp_path_factory.mktemp("sessions") / "lesson.json"
    save_session(path, session_from_state(state, cfg, None))
    return path


def _regviz(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "regviz", *args], capture_output=True, text=True, timeout=timeout)


def _one_error_line(stderr: str, fragment: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("regviz: error: ") and fragment in lines[0], stderr[:2000]
    assert "Traceback" not in stderr


def test_gui_with_a_bad_session_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"schema": "regviz.session/1", "config": ')
    run = _regviz("gui", "--session", str(bad), timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    _one_error_line(run.stderr, "broken.json")
    newer = tmp_path / "newer.json"
    newer.write_text('{"schema": "regviz.session/7", "written_by": "regviz 9.0"}')
    run = _regviz("gui", "--session", str(newer), timeout=120)
    assert run.returncode == 2
    _one_error_line(run.stderr, "newer regviz")


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["gui", "--session", "{s}", "--preset", "seed"], "--preset"),
        (["gui", "--session", "{s}", "--compare"], "--compare"),
        (["gui", "--session", "{tmp}/missing.json"], "no such file"),
        (["gui", "--session="], "--session"),
        (["screenshot", "--session", "{s}", "--steps", "10", "--out", "{tmp}/o"], "--steps"),
        (["screenshot", "--session", "{s}", "--config", "{s}", "--out", "{tmp}/o"], "--config"),
        (["screenshot", "--step", "5", "--out", "{tmp}/o"], "--step: only with --session"),
        (["screenshot", "--session", "{s}", "--step", "-1", "--out", "{tmp}/o"], "--step"),
        (["screenshot", "--size", "319x600", "--out", "{tmp}/o"], "320 to 7680"),
        (["screenshot", "--size", "1600x7681", "--out", "{tmp}/o"], "320 to 7680"),
        (["screenshot", "--size", "1600", "--out", "{tmp}/o"], "WIDTHxHEIGHT"),
        (["screenshot", "--size", "axb", "--out", "{tmp}/o"], "WIDTHxHEIGHT"),
        (["screenshot", "--scale", "0.4", "--out", "{tmp}/o"], "0.5 to 4"),
        (["screenshot", "--scale", "4.5", "--out", "{tmp}/o"], "0.5 to 4"),
        (["screenshot", "--scale", "nan", "--out", "{tmp}/o"], "--scale"),
    ],
)
def test_bad_session_and_screenshot_arguments(capsys, tmp_path, session_path, argv, fragment):
    code = cli.main([a.replace("{s}", str(session_path)).replace("{tmp}", str(tmp_path)) for a in argv])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    _one_error_line(captured.err, fragment)
    assert not (tmp_path / "o").exists()  # nothing written, not even the folder


def _pixel_sizes(folder: Path) -> dict[str, tuple[int, int]]:
    sizes = {}
    for png in folder.glob("*.png"):
        image = QtGui.QImage(str(png))
        what = png.stem.split("-")[-3]  # regviz-NAME-WHAT-DATE-TIME
        sizes[what] = (image.width(), image.height())
    return sizes


def test_screenshot_of_a_session_at_a_step_size_and_scale(tmp_path, session_path):
    recorded = [s["step"] for s in json.loads(session_path.read_text())["snapshots"]]
    wanted = 250
    expected_step = max(s for s in recorded if s <= wanted)  # the newest recorded at or before it
    runs = {}
    for scale in ("1", "2"):
        out = tmp_path / f"x{scale}"
        run = _regviz("screenshot", "--session", str(session_path), "--step", str(wanted), "--size", "1280x720",
                      "--scale", scale, "--out", str(out))
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stderr == ""  # no Qt plugin noise
        printed = run.stdout.splitlines()
        assert sorted(printed) == sorted(str(p) for p in out.iterdir())  # exactly the files written
        assert len(printed) == 5 and all(f"lesson-step{expected_step}-" in Path(p).name for p in printed)
        runs[scale] = _pixel_sizes(out)
    # the window picture is the window (1280 x 720) with a caption band under it, at 1x and 2x
    (w1, h1), (w2, h2) = runs["1"]["window"], runs["2"]["window"]
    assert (w1, w2) == (1280, 2560) and 720 < h1 < 780 and abs(h2 - 2 * h1) <= 2
    for what in ("fit", "loss", "weights", "activations"):
        (w1, h1), (w2, h2) = runs["1"][what], runs["2"][what]
        assert w1 > 100 and abs(w2 - 2 * w1) <= 1 and abs(h2 - 2 * h1) <= 2, (what, runs)


def test_screenshot_trains_when_given_no_session(tmp_path):
    run = _regviz("screenshot", "--steps", "100", "--size", "1024x700", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == ""
    assert sorted(run.stdout.splitlines()) == sorted(str(p) for p in tmp_path.iterdir())
    width, height = _pixel_sizes(tmp_path)["window"]
    assert width == 1024 and 700 < height < 760  # the window and its caption band
