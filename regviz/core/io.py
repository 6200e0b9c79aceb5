"""Reading and writing files safely: one capped reader for input files, one atomic writer for output.

The reader opens without blocking and refuses anything but a regular file (a FIFO used to hang the
CLI and freeze the window). The writer creates its temporary file in the target folder first, so an
unwritable target is found before any long work starts, and renames it over the target at the end:
never a half-written file, and the new file gets the user's umask.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path
from types import TracebackType
from typing import Any, Callable

_READ_CHUNK = 1 << 20


class FileProblem(OSError):
    """A file cannot be read or written; `reason` is short and plain, `path` names the file."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{short_path(self.path)}: {reason}")
        self.strerror = reason  # callers that show exc.strerror get the reason, not None


class ReadProblem(FileProblem):
    def __init__(self, path: str | os.PathLike, reason: str, too_large: bool = False):
        super().__init__(path, reason)
        self.too_large = too_large  # the reason then says the size and the limit


class WriteProblem(FileProblem):
    pass


def short_path(path: str | os.PathLike, limit: int = 80) -> str:
    """A path for an error line: cut in the middle so the file name stays visible."""
    text = str(path)
    if len(text) <= limit:
        return text
    head = (limit - 3) // 2
    return text[:head] + "..." + text[len(text) - (limit - 3 - head):]


def size_text(n: int) -> str:
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n:,} bytes ({n / 2**20:.2g} MiB)"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    return "not a regular file"


def _strerror(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _os_reason(exc: OSError) -> str:
    """For a file being read: 'no such file' rather than 'no such file or directory'."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return _strerror(exc)


# ---------------------------------------------------------------- reading
def read_regular_file(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes; anything else raises ReadProblem at once."""
    try:
        # stat first, so a device is never even opened (opening some has side effects)
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise ReadProblem(path, _kind(before.st_mode))
        # O_NONBLOCK: if the path became a FIFO meanwhile, open() still returns at once
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except ReadProblem:
        raise
    except OSError as exc:
        raise ReadProblem(path, _os_reason(exc)) from None
    except ValueError:  # an embedded NUL byte
        raise ReadProblem(path, "not a valid file name") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # the descriptor decides, not the name
            raise ReadProblem(path, _kind(info.st_mode))
        if info.st_size > max_bytes:
            raise ReadProblem(path, f"file is {info.st_size:,} bytes; at most {size_text(max_bytes)} is accepted",
                              too_large=True)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:  # read one byte past the cap to notice a file that grew
            chunk = os.read(fd, min(_READ_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise ReadProblem(path, f"file is larger than {size_text(max_bytes)}; at most that is accepted",
                              too_large=True)
        return b"".join(chunks)
    except ReadProblem:
        raise
    except OSError as exc:
        raise ReadProblem(path, f"cannot read ({_os_reason(exc)})") from None
    finally:
        os.close(fd)


# ---------------------------------------------------------------- writing
def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def check_target(path: str | os.PathLike) -> Path:
    """Refuse a target that can never be replaced by a file: a folder, a device, a FIFO, a missing
    folder, a name too long. Returns the path. (Permissions are found by creating the temp file.)"""
    target = Path(path)
    if not target.name:
        raise WriteProblem(path, "not a file name")
    folder = target.parent
    try:
        folder_info = os.stat(folder)
    except FileNotFoundError:
        raise WriteProblem(path, f"folder {short_path(folder)} does not exist") from None
    except (OSError, ValueError) as exc:
        reason = _strerror(exc) if isinstance(exc, OSError) else "not a valid file name"
        raise WriteProblem(path, f"cannot use folder {short_path(folder)} ({reason})") from None
    if not stat.S_ISDIR(folder_info.st_mode):
        raise WriteProblem(path, f"{short_path(folder)} is not a folder")
    name_bytes = len(os.fsencode(target.name))
    if name_bytes > _name_max(folder):
        raise WriteProblem(path, f"file name too long ({name_bytes} bytes; at most {_name_max(folder)})")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise WriteProblem(path, f"cannot use this name ({_strerror(exc)})") from None
    except ValueError:  # an embedded NUL byte
        raise WriteProblem(path, "not a valid file name") from None
    if stat.S_ISDIR(info.st_mode):
        raise WriteProblem(path, "is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise WriteProblem(path, f"exists and is {_kind(info.st_mode)}")
    return target


def _temp_name(target: Path, name_max: int) -> str:
    """'.NAME.TOKEN.tmp', NAME shortened so the temp name fits the file system's limit."""
    token = secrets.token_hex(4)
    name = target.name
    room = max(1, name_max - len(token) - 6)
    while len(os.fsencode(name)) > room:
        name = name[:-1]
    return f".{name}.{token}.tmp"


class AtomicFile:
    """A file that appears at `path` complete or not at all.

    Creating it creates the temporary file beside the target (so permissions, a read-only file
    system or a bad name fail now); write() or write through `temp_path`; commit() flushes, syncs and
    renames; discard() (or leaving a `with` block by an exception) removes the temporary file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = check_target(path)
        folder = self.path.parent
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        self._fd: int | None = None
        self.state = "new"  # then "open", then "committed" or "discarded"
        for _ in range(10):
            tmp = folder / _temp_name(self.path, _name_max(folder))
            try:
                # 0o666 and no chmod: the kernel applies the user's umask, as for any new file
                self._fd = os.open(tmp, flags, 0o666)
                self.temp_path = tmp
                self.state = "open"
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise WriteProblem(path, f"cannot write in folder {short_path(folder)} ({_strerror(exc)})") from None
            except BaseException:  # Ctrl+C or SIGTERM just after the file was created: remove it
                self.state = "open"
                self.temp_path = tmp
                self.discard()
                raise
        else:
            raise WriteProblem(path, "cannot create a temporary file")

    def write(self, data: bytes) -> None:
        if self.state != "open":
            raise WriteProblem(self.path, f"the file was already {self.state}")
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            self.discard()
            raise WriteProblem(self.path, f"cannot write ({_strerror(exc)})") from None

    def commit(self) -> None:
        if self.state == "committed":
            return
        if self.state == "discarded":
            raise WriteProblem(self.path, "the file was discarded after an error")
        try:
            os.fsync(self._fd)  # the data is on disk before the name points to it
            os.close(self._fd)
            self._fd = None
            os.replace(self.temp_path, self.path)
        except OSError as exc:
            self.discard()
            raise WriteProblem(self.path, f"cannot write ({_strerror(exc)})") from None
        except BaseException:  # a signal in the middle: never leave the temporary file behind
            self.discard()
            raise
        self.state = "committed"
        _sync_folder(self.path.parent)

    def discard(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
        if self.state == "open":
            self.state = "discarded"
            _remove(self.temp_path)

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:  # any exception, KeyboardInterrupt and SystemExit (SIGTERM) included
            self.discard()

    def __del__(self) -> None:  # a forgotten file is removed, never committed
        if getattr(self, "state", None) == "open":
            self.discard()


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:  # already gone (renamed, or never created)
        pass


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; best effort (some file systems refuse fsync on a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    with AtomicFile(path) as out:
        out.write(data)


def write_with_atomic(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """For writers that need a file name (QImage.save): `write(temp_path)`, then commit."""
    with AtomicFile(path) as out:
        write(str(out.temp_path))


def json_bytes(payload: Any) -> bytes:
    """Strict JSON (NaN/Infinity raise ValueError): what every regviz output file contains."""
    return (json.dumps(payload, allow_nan=False) + "\n").encode("utf-8")


def write_json_atomic(path: str | os.PathLike, payload: Any) -> None:
    data = json_bytes(payload)  # encode first: a bad payload never creates a temp file
    write_bytes_atomic(path, data)
