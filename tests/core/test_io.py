"""regviz.core.io: the capped reader of regular files and the atomic writer."""

from __future__ import annotations

import json
import os
import stat
import threading
import types

import pytest

from regviz.core import io as rio
from regviz.core.io import AtomicFile, ReadProblem, WriteProblem, read_regular_file


def _no_hang(fn, *args, timeout=30.0):
    """Run fn in a daemon thread: a regression that blocks fails the test instead of hanging the run."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{fn.__name__} blocked"
    return box


# ---------------------------------------------------------------- reading
def test_reads_a_regular_file_up_to_the_limit(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, 100) == b"x" * 100
    assert read_regular_file(str(path), 1000) == b"x" * 100
    with pytest.raises(ReadProblem) as info:
        read_regular_file(path, 99)
    assert info.value.too_large and "at most 99 bytes" in str(info.value)
    (tmp_path / "empty").write_bytes(b"")
    assert read_regular_file(tmp_path / "empty", 0) == b""


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    box = _no_hang(read_regular_file, fifo, 100)
    assert isinstance(box.get("error"), ReadProblem), box
    assert "FIFO" in str(box["error"])


@pytest.mark.parametrize("path, fragment", [("/dev/null", "device"), ("/dev/zero", "device")])
def test_devices_are_refused(path, fragment):
    if not os.path.exists(path):
        pytest.skip(f"no {path}")
    box = _no_hang(read_regular_file, path, 100)
    assert isinstance(box.get("error"), ReadProblem) and fragment in str(box["error"])


def test_folder_missing_and_bad_names(tmp_path):
    with pytest.raises(ReadProblem) as info:
        read_regular_file(tmp_path, 100)
    assert info.value.reason.startswith("a folder")
    with pytest.raises(ReadProblem) as info:
        read_regular_file(tmp_path / "nope", 100)
    assert info.value.reason == "no such file"
    with pytest.raises(ReadProblem) as info:
        read_regular_file(str(tmp_path) + "/a\0b", 100)
    assert "file name" in info.value.reason


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "secret"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(ReadProblem) as info:
        read_regular_file(path, 100)
    assert "permission" in info.value.reason


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "real").write_bytes(b"abc")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert read_regular_file(tmp_path / "link", 10) == b"abc"


def test_problem_messages_are_one_short_line(tmp_path):
    long_name = tmp_path / ("d" * 200) / "x.json"
    with pytest.raises(ReadProblem) as info:
        read_regular_file(long_name, 10)
    message = str(info.value)
    assert "\n" not in message and len(message) < 120
    assert message.endswith("x.json: no such file")  # the file name survives the shortening
    assert info.value.path == str(long_name)


# ---------------------------------------------------------------- writing
def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_atomic_file_creates_its_temporary_file_at_once(tmp_path):
    target = tmp_path / "out.json"
    out = AtomicFile(target)
    names = _names(tmp_path)
    assert len(names) == 1 and names[0].startswith(".out.json.") and names[0].endswith(".tmp")
    assert not target.exists()
    out.write(b"hello")
    assert not target.exists()  # nothing at the target before the commit
    out.commit()
    assert target.read_bytes() == b"hello" and _names(tmp_path) == ["out.json"]


def test_an_exception_in_the_block_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.json"
    target.write_bytes(b"old")
    for exc in (RuntimeError("boom"), KeyboardInterrupt(), SystemExit(143)):
        with pytest.raises(type(exc)):
            with AtomicFile(target) as out:
                out.write(b"half of the new")
                raise exc
        assert target.read_bytes() == b"old" and _names(tmp_path) == ["out.json"]


def test_discard_and_a_forgotten_file_leave_nothing(tmp_path):
    out = AtomicFile(tmp_path / "a.bin")
    out.write(b"x")
    out.discard()
    assert _names(tmp_path) == []
    forgotten = AtomicFile(tmp_path / "b.bin")
    del forgotten
    assert _names(tmp_path) == []


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640), (0o000, 0o666)])
def test_new_files_follow_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        rio.write_bytes_atomic(tmp_path / "f", b"1")
        rio.write_with_atomic(tmp_path / "g", lambda name: open(name, "wb").write(b"2"))
    finally:
        os.umask(old)
    for name in ("f", "g"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode


def test_bad_targets_are_refused_before_anything_is_created(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    cases = [
        (tmp_path / "pipe", "FIFO"),
        (tmp_path / "folder", "folder"),
        ("/dev/null", "device"),
        (tmp_path / "missing" / "x.json", "does not exist"),
        (tmp_path / "file" / "x.json", "not a folder"),
        (tmp_path / ("n" * 300), "too long"),
        (str(tmp_path / "a\0b"), "file name"),
    ]
    for target, fragment in cases:
        with pytest.raises(WriteProblem) as info:
            AtomicFile(target)
        assert fragment in str(info.value), (target, str(info.value))
        assert "\n" not in str(info.value)
        assert isinstance(info.value, OSError)  # the window's Save config catches OSError
    assert _names(tmp_path) == ["file", "folder", "pipe"]


def test_a_name_at_the_limit_still_gets_a_temporary_file(tmp_path):
    name = "n" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 5) + ".json"
    rio.write_bytes_atomic(tmp_path / name, b"ok")
    assert _names(tmp_path) == [name]


def test_an_unwritable_folder_is_found_when_the_temporary_file_is_created(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(WriteProblem) as info:
            AtomicFile(folder / "x.json")
        assert "permission denied" in str(info.value)
    finally:
        folder.chmod(0o755)


def test_write_json_atomic(tmp_path):
    target = tmp_path / "r.json"
    rio.write_json_atomic(target, {"a": [1, 2.5, None]})
    assert json.loads(target.read_text()) == {"a": [1, 2.5, None]}
    with pytest.raises(ValueError):
        rio.write_json_atomic(tmp_path / "nan.json", {"a": float("nan")})
    assert _names(tmp_path) == ["r.json"]


def test_a_write_error_removes_the_temporary_file(tmp_path, monkeypatch):
    def full(fd, data):
        raise OSError(28, "No space left on device")

    out = AtomicFile(tmp_path / "x")
    fake_os = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os) if not name.startswith("__")})
    fake_os.write = full  # only regviz.core.io sees the full disk
    monkeypatch.setattr(rio, "os", fake_os)
    with pytest.raises(WriteProblem) as info:
        out.write(b"data")
    assert "no space left" in str(info.value)
    assert _names(tmp_path) == []


def test_a_discarded_file_cannot_be_written_or_committed(tmp_path):
    out = AtomicFile(tmp_path / "x")
    out.discard()
    with pytest.raises(WriteProblem):
        out.write(b"late")
    with pytest.raises(WriteProblem):
        out.commit()
    assert _names(tmp_path) == []
    done = AtomicFile(tmp_path / "y")
    done.commit()
    done.commit()  # a second commit changes nothing
    done.discard()  # nor does a discard after the commit
    assert _names(tmp_path) == ["y"] and (tmp_path / "y").read_bytes() == b""
