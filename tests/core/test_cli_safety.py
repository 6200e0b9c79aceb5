"""The command line's safety: arguments refused before any work, the --json file checked before
training and written atomically with the user's umask, and no temporary file left by an error,
Ctrl+C or SIGTERM (in process, and in a real process for the signals)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regviz import cli

REPO = Path(__file__).resolve().parents[2]
SHIPPED_PRESETS = sorted(p.stem for p in (REPO / "resources" / "presets").glob("*.json"))


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["screenshot", "--steps", "0", "--out", "{tmp}/shots"], "--steps"),
        (["screenshot", "--steps", "1000001", "--out", "{tmp}/shots"], "1,000,000"),
        (["screenshot", "--steps", "-5", "--out", "{tmp}/shots"], "--steps"),
        (["screenshot", "--out="], "--out"),
        (["screenshot", "--preset", "../x", "--out", "{tmp}/shots"], "--preset"),
        (["gui", "--preset", "../x"], "--preset"),
        (["gui", "--config="], "--config"),
    ],
)
def test_window_commands_refuse_bad_arguments(capsys, tmp_path, argv, fragment):
    code = cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("regviz: error: ") and fragment in err, err
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_presets_and_the_step_bound(capsys):
    for command in ("experiment", "gui", "screenshot"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        for name in SHIPPED_PRESETS:
            assert name in out, (command, name)
        if command == "screenshot":
            assert "1,000,000" in out


def test_json_problems_are_found_before_training(capsys, tmp_path, monkeypatch):
    from regviz.core import experiments

    def must_not_train(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(experiments, "run_repeats", must_not_train)
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "folder.json").mkdir()
    for target, fragment in [
        (tmp_path / ("x" * 300 + ".json"), "too long"),
        (tmp_path / "pipe.json", "FIFO"),
        (tmp_path / "folder.json", "folder"),
        ("/dev/null", "device"),
        (tmp_path / "missing" / "out.json", "does not exist"),
    ]:
        code = cli.main(["experiment", "--json", str(target)])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("regviz: error: --json") and fragment in err, err
        assert len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.json", "pipe.json"]


def test_the_temporary_file_exists_while_training_and_is_replaced_at_the_end(capsys, tmp_path, monkeypatch):
    from regviz.core import experiments

    seen = []
    real = experiments.run_repeats

    def spy(*args, **kwargs):
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        return real(*args, **kwargs)

    monkeypatch.setattr(experiments, "run_repeats", spy)
    code = cli.main(["experiment", "--epochs", "1", "--repeats", "1", "--json", str(tmp_path / "out.json")])
    assert code == 0, capsys.readouterr().err
    (during,) = seen
    assert len(during) == 1 and during[0].startswith(".out.json.") and during[0].endswith(".tmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert json.loads((tmp_path / "out.json").read_text())["kind"] == "experiment"


@pytest.mark.parametrize("exc, status", [(KeyboardInterrupt, 130), (cli.Terminated(143), 143)])
def test_an_interrupted_run_leaves_no_file(capsys, tmp_path, monkeypatch, exc, status):
    from regviz.core import experiments

    def interrupted(*args, **kwargs):
        assert len(list(tmp_path.iterdir())) == 1  # the temporary file
        raise exc

    monkeypatch.setattr(experiments, "run_repeats", interrupted)
    code = cli.main(["experiment", "--json", str(tmp_path / "out.json")])
    assert code == status
    assert len(capsys.readouterr().err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig, exc", [(signal.SIGTERM, cli.Terminated), (signal.SIGINT, KeyboardInterrupt)])
def test_a_swallowed_signal_is_raised_again_by_the_epoch_check(sig, exc):
    stopper = cli._StopOnSignal()
    assert stopper.check() is False
    try:
        stopper._handle(sig, None)
    except exc:
        pass  # as if it had landed in a finalizer, which swallows exceptions
    with pytest.raises(exc):
        stopper.check()
    stopper._handle(sig, None)  # a repeated signal is ignored: the cleanup runs undisturbed


def test_the_signal_handlers_are_restored_after_a_run(capsys, tmp_path, monkeypatch):
    from regviz.core import experiments

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    seen = []

    def interrupted(*args, **kwargs):
        seen.append(signal.getsignal(signal.SIGTERM))
        raise KeyboardInterrupt

    monkeypatch.setattr(experiments, "run_repeats", interrupted)
    assert cli.main(["experiment", "--json", str(tmp_path / "o.json")]) == 130
    assert seen and seen[0] not in before  # installed while training
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    capsys.readouterr()


def _proc_state(pid: int) -> str:
    """What a process that ignores a signal is doing, for the failure message."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        wchans = [Path(t, "wchan").read_text() for t in Path(f"/proc/{pid}/task").iterdir()]
    except OSError as exc:
        return str(exc)
    lines = [line for line in status.splitlines() if line.startswith(("State", "Sig", "Shd", "Threads"))]
    return "; ".join(lines) + f"; wchan {wchans}"


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_removes_the_temporary_file(tmp_path, sig, status):
    """A real process: a long sweep is signalled once its temporary file exists; the handler must
    run (SIGTERM -> exit 143, not death by signal -15) and leave the folder empty."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    argv = [sys.executable, "-m", "regviz", "sweep", "--epochs", "100000", "--lambdas", "1e-3:1:20",
            "--quiet", "--json", "out.json"]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # generous: torch's import alone takes seconds
        while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.05)
        proc.send_signal(sig)
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            state = _proc_state(proc.pid)
            proc.kill()
            pytest.fail(f"no exit after the signal; {state}; stderr: {proc.communicate()[1][-2000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == status, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []


def test_write_json_atomic_follows_the_umask(tmp_path):
    for mask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(mask)
        try:
            target = tmp_path / f"{mask:o}.json"
            cli.write_json_atomic(target, {"a": 1})
        finally:
            os.umask(old)
        assert stat.S_IMODE(target.stat().st_mode) == mode


# ---------------------------------------------------------------- results of the subprocess batch (conftest.py)
def test_no_display_is_named_before_qt_is_loaded(cli_runs):
    line = cli_runs["gui_no_display"].stderr.strip()
    assert "display" in line and "regviz screenshot" in line
    run = cli_runs["gui_no_display_imports"]
    assert run.returncode == 2, run.stderr
    assert "QT-MODULES: []" in run.stdout  # refused before PySide6 was even imported
    assert len(run.stderr.splitlines()) == 1 and "display" in run.stderr


def test_gui_with_a_missing_csv_refuses_before_qt(cli_runs):
    run = cli_runs["gui_missing_csv"]
    assert "QThread" not in run.stderr and "Abort" not in run.stderr
    assert "no such file" in run.stderr


def _ok(run):
    assert run.returncode == 0, f"{run.argv}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert "Traceback" not in run.stderr
    return run


def test_negative_outlier_shift_runs(cli_runs):
    run = _ok(cli_runs["negative_shift"])
    payload = run.load_json()
    data = payload["config"]["data"]
    assert data["outlier_shift"] == -10.0 and data["outlier_shift_mode"] == "each"
    assert [r["method"] for r in payload["runs"]] == ["l1", "l2"]
    assert all(not r["diverged"] and r["test_total_abs_error"] > 0 for r in payload["runs"])


def test_json_output_gets_the_umask_permissions(cli_runs):
    """conftest.py starts every CLI subprocess with umask 022: a new file is then rw-r--r--."""
    for name in ("experiment", "prune", "sweep_range", "negative_shift"):
        run = _ok(cli_runs[name])
        assert stat.S_IMODE(run.json_path.stat().st_mode) == 0o644, name


# ---------------------------------------------------------------- in process
@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["experiment", "--layers="], "--layers"),
        (["experiment", "--data="], "--data"),
        (["experiment", "--config="], "--config"),
        (["experiment", "--methods="], "--methods"),
        (["experiment", "--preset="], "--preset"),
        (["experiment", "--json="], "--json"),
        (["sweep", "--lambdas="], "--lambdas"),
        (["experiment", "--preset", "../resources/presets/seed"], "--preset"),
        (["experiment", "--preset", "/etc/passwd"], "--preset"),
        (["experiment", "--preset", "seed.json"], "--preset"),
        (["experiment", "--epochs", "1" * 5000], "--epochs"),
        (["experiment", "--seed", str(2**32)], "training.seed"),
        (["experiment", "--layers", "10," * 9 + "10"], "model.hidden_layers"),
        (["experiment", "--layers", "10,513"], "model.hidden_layers"),
    ],
)
def test_empty_values_paths_and_huge_numbers_are_refused(capsys, tmp_path, argv, fragment):
    out = tmp_path / "out.json"
    code = cli.main([*argv, "--json", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("regviz: error: ") and fragment in err, err
    assert len(err) < 300
    assert list(tmp_path.iterdir()) == []

