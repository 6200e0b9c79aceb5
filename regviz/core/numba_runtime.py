"""numba's set-up for the compiled engine: where compiled code is cached, whether numba imports at
all, and telling the user when it compiles ("preparing the engine…"). torch- and Qt-free.

numba reads NUMBA_CACHE_DIR when it is first imported, so `configure_cache()` runs before any
`import numba` in regviz. The cache goes to a user cache folder, never into the source tree; when no
folder is writable (a read-only home and /tmp), caching is off and every launch compiles.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

PREPARING_MESSAGE = "preparing the engine…"

_state: dict[str, object] = {}


def _writable_folder(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def cache_candidates() -> list[Path]:
    """Where the compiled kernels may live, best first."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return [Path(explicit)]
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return [base / "regviz" / "numba", Path(tempfile.gettempdir()) / f"regviz-numba-{uid}"]


def configure_cache() -> Path | None:
    """Pick the cache folder (once per process) and tell numba; None: no writable folder, no cache."""
    if "cache_dir" in _state:
        return _state["cache_dir"]  # type: ignore[return-value]
    chosen = None
    for folder in cache_candidates():
        try:
            if _writable_folder(folder):
                chosen = folder
                break
        except RuntimeError:  # Path.home() without a home
            continue
    _state["cache_dir"] = chosen
    if chosen is not None:
        os.environ["NUMBA_CACHE_DIR"] = str(chosen)
        if "numba" in sys.modules:  # imported before us: set its config directly
            sys.modules["numba"].config.CACHE_DIR = str(chosen)
    return chosen


def numba_available() -> bool:
    """Whether numba (and its llvmlite) imports here."""
    if "available" not in _state:
        configure_cache()
        try:
            import numba  # noqa: F401
        except Exception:  # ImportError, or a broken llvmlite: the torch engine is used instead
            _state["available"] = False
        else:
            _state["available"] = True
    return bool(_state["available"])


def numba_missing_reason() -> str:
    try:
        import numba  # noqa: F401
    except Exception as exc:  # noqa: BLE001  (any import failure is the reason)
        return f"{type(exc).__name__}: {exc}"
    return ""


def prepare(on_compile: Callable[[], None] | None = None) -> bool:
    """Load every compiled kernel from the cache, or compile it. `on_compile()` is called once,
    just before the first real compilation (not on a cache hit): the moment to show
    PREPARING_MESSAGE. Returns True if anything was compiled. Call it where waiting is fine
    (the trainer process, the CLI before training)."""
    if _state.get("prepared"):
        return False
    from numba.core import event

    from regviz.core import numba_warmup

    compiled = []

    class _Listener(event.Listener):
        def on_start(self, ev):
            if not compiled and on_compile is not None:
                on_compile()
            compiled.append(True)

        def on_end(self, ev):
            pass

    with event.install_listener("numba:compile", _Listener()):
        numba_warmup.warm_up()
    _state["prepared"] = True
    return bool(compiled)


def is_prepared() -> bool:
    return bool(_state.get("prepared"))
