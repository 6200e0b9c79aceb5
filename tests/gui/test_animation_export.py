"""The weights animation end to end: `regviz animate` in a process of its own (frames, delays, the
step on every frame, the still exports' colours; bad arguments), and File ▸ Export animation in
the window (a job with progress; cancel and closing the window leave no file and no process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtWidgets

from gif_frames import gif_frames
from layout_check import widget_problems
from window_helpers import run_steps

from regviz.core.animation import AnimationOptions, frame_steps

ROOT = Path(__file__).resolve().parents[2]
SIZE = (800, 500)  # the article's 2x2 grids of L1 and L2 side by side fit at this size


def _regviz(*args, cwd):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "regviz", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _big_saturated_colours(rgb, min_pixels=150):
    """Colours covering many pixels that are no grey: heatmap cells and colour-bar ends."""
    flat = rgb.reshape(-1, 3).astype(int)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    keep = (counts >= min_pixels) & (colours.max(axis=1) - colours.min(axis=1) > 60)
    return {tuple(c) for c in colours[keep]}


def _still_exports(qtbot, session, tmp_path):
    """The first and last snapshots through the still export (File ▸ Export current canvas)."""
    from regviz.gui.figure_export import export_canvas
    from regviz.gui.replay import ReplayState
    from regviz.gui.session_file import restore_live_state
    from regviz.gui.views.weights_view import WeightsView

    live = restore_live_state(session)
    view = WeightsView()
    qtbot.addWidget(view)
    view.set_setup(live.setup)
    view.resize(*SIZE)
    view.show()
    stills = []
    for k, recorded in ((0, session.snapshots[0]), (1, session.snapshots[-1])):
        view.render(ReplayState(live, recorded, live.setup.activation))
        qtbot.waitUntil(lambda: not view._relayout.isActive(), timeout=10000)  # cells re-arranged
        path = tmp_path / f"still{k}.png"
        export_canvas(view, path, "caption", scale=1.0)
        stills.append(np.asarray(Image.open(path).convert("RGB")))
    return stills


def test_cli_animate_compare_frames_steps_and_still_colours(qtbot, tmp_path):
    from regviz.core.presets import load_preset
    from regviz.gui.animation_training import train_for_animation

    tiny = load_preset("seed").replace(**{"training.epochs": 10})  # 400 steps
    (tmp_path / "tiny.json").write_text(json.dumps(tiny.to_dict()), encoding="utf-8")
    out = tmp_path / "weights.gif"
    done = _regviz("animate", "--config", "tiny.json", "--compare", "--frames", "3", "--fps", "4", "--out", str(out),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out) and done.stderr == ""
    frames, delays = gif_frames(out)
    assert len(frames) == 3 and delays == [250, 250, 250]  # 1000 / fps ms
    assert frames[0].shape == (SIZE[1], SIZE[0], 3)
    # every frame shows its step: the caption line (the bottom rows) differs from frame to frame
    caption = slice(SIZE[1] - 24, SIZE[1])
    for a, b in zip(frames, frames[1:]):
        assert (a[caption] != b[caption]).any()
    # the same run (it is deterministic) drawn as still exports: the heatmap colours are the same RGB
    session = train_for_animation(tiny, ("l1", "l2"), 3)
    assert [s.step for s in session.snapshots] == frame_steps(400, 3) == [0, 100, 400]  # (1/2)^2 of the run
    stills = _still_exports(qtbot, session, tmp_path)
    for still, frame in ((stills[0], frames[0]), (stills[1], frames[-1])):
        expected = _big_saturated_colours(still)
        assert len(expected) >= 3  # dark red, dark blue cells and the colour bar's ends at least
        assert expected <= {tuple(c) for c in np.unique(frame.reshape(-1, 3), axis=0)}


def test_cli_bad_argument_one_line_exit_2_no_file(tmp_path):
    out = tmp_path / "weights.png"
    done = _regviz("animate", "--frames", "3", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("regviz: error: --out:") and done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args,word", [
    (["--frames", "1"], "--frames"), (["--frames", "1001"], "--frames"), (["--fps", "0"], "--fps"),
    (["--fps", "51"], "--fps"), (["--size", "100x100"], "--size"), (["--size", "800"], "--size"),
    (["--what", "heat"], "--what"), (["--out", "{missing}/w.gif"], "--out"),
    (["--session", "{missing}/s.json"], "--session"), (["--compare", "--session", "s.json"], "--session"),
])
def test_cli_bad_arguments_in_process(capsys, tmp_path, args, word):
    from regviz.cli import main

    args = [a.replace("{missing}", str(tmp_path / "missing")) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "w.gif")]
    assert main(["animate", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regviz: error:") and word in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the window
def _trained(qtbot, window):
    run_steps(qtbot, window, 60)
    qtbot.waitUntil(lambda: len(window.controller.state.recorder) >= 3, timeout=30000)


def test_window_dialog_checks_then_exports_with_progress(qtbot, window, tmp_path):
    _trained(qtbot, window)
    window.findChild(type(window.animation_export.action), "exportAnimationAction").trigger()
    dialog = window.animation_export.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=10000)
    assert widget_problems(dialog) == []
    assert dialog.frames_spin.maximum() == len(window.controller.state.recorder)
    dialog.path_edit.setText(str(tmp_path / "weights.png"))
    dialog.accept()
    assert dialog.isVisible() and ".gif" in dialog.error_label.text()  # red line, the dialog stays
    out = tmp_path / "weights.gif"
    dialog.path_edit.setText(str(out))
    dialog.frames_spin.setValue(3)
    dialog.width_spin.setValue(480)
    dialog.height_spin.setValue(320)
    progress = []
    with qtbot.waitSignal(window.animation_export.sigFinished, timeout=120000) as finished:
        dialog.accept()
        assert window.animation_export.busy
        window.animation_export.job.sigProgress.connect(lambda done, total: progress.append((done, total)))
    assert finished.args == ["done"], window.findChild(object, "errorDialog")
    assert progress and progress[-1] == (3, 3)
    frames, delays = gif_frames(out)
    assert len(frames) == 3 and frames[0].shape == (320, 480, 3) and delays == [100] * 3
    qtbot.waitUntil(lambda: window.findChild(object, "animationDoneDialog") is not None, timeout=10000)
    assert "MB" in window.findChild(object, "animationDoneDialog").text()


def test_window_bad_target_cancel_and_close_leave_no_file_and_no_process(qtbot, window, tmp_path):
    _trained(qtbot, window)
    exporter = window.animation_export
    # a folder that does not exist: a dialog, no job
    assert not exporter.start(tmp_path / "missing" / "w.gif", AnimationOptions())
    assert not exporter.busy
    qtbot.waitUntil(lambda: window.findChild(object, "errorDialog") is not None, timeout=10000)
    assert "does not exist" in window.findChild(object, "errorDialog").text()
    # Cancel (the progress dialog's button) at once: the job stops at its first check
    out = tmp_path / "weights.gif"
    assert exporter.start(out, AnimationOptions("weights", 3, 10, (480, 320)))
    process = exporter.job._process
    with qtbot.waitSignal(exporter.sigFinished, timeout=60000) as finished:
        exporter.progress_dialog.findChild(QtWidgets.QPushButton).click()
    assert finished.args == ["cancelled"] and not exporter.busy
    qtbot.waitUntil(lambda: not process.is_alive(), timeout=20000)
    assert list(tmp_path.iterdir()) == []  # not the GIF, not a temporary part of it
    # closing the window stops a running job
    assert exporter.start(out, AnimationOptions("fit", 3, 10, (480, 320)))
    process = exporter.job._process
    window.close()
    assert not process.is_alive() and not exporter.busy
    assert list(tmp_path.iterdir()) == []
