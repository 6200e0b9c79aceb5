"""Can a window open here? Checked before Qt is imported, because Qt aborts the process (a core dump,
exit 134) when it finds no display or cannot load its xcb platform plugin.

Qt-free: only the environment, the PySide6 package folder (found, not imported) and ctypes.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Callable, Mapping

HEADLESS_HINT = "use 'regviz screenshot --out DIR' for images, or the headless commands experiment, prune, sweep"

# The xcb plugin's system libraries and their Debian/Ubuntu packages (Qt 6's documented list).
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libGL.so.1": "libgl1",
    "libdbus-1.so.3": "libdbus-1-3",
}

_MISSING = re.compile(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")


def missing_library(message: str) -> str | None:
    """The library a dlopen() error names: 'libxcb-cursor.so.0: cannot open shared object file'."""
    match = _MISSING.search(message)
    return match.group(1) if match else None


def library_hint(library: str) -> str:
    package = DEBIAN_PACKAGES.get(library)
    where = f"package {package} on Debian/Ubuntu" if package else "install the package that provides it"
    return f"the system library {library} ({where})"


def xcb_plugin_path() -> Path | None:
    """PySide6's libqxcb.so, found without importing PySide6 (importing it loads Qt)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if path.is_file():
            return path
    return None


def _load(path: str) -> None:
    ctypes.CDLL(path)


def uses_xcb(env: Mapping[str, str]) -> bool | None:
    """True when Qt will use the xcb (X11) plugin, False for another platform, None when it would
    find no display at all."""
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return False  # offscreen, wayland, eglfs, vnc...: not ours to check
    has_x = bool(env.get("DISPLAY"))
    has_wayland = bool(env.get("WAYLAND_DISPLAY"))
    if not has_x and not has_wayland:
        return None
    if platform:
        return True
    return not has_wayland  # unset platform with a Wayland display: Qt uses its wayland plugin


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None,
                    load: Callable[[str], None] = _load,
                    find_plugin: Callable[[], Path | None] = xcb_plugin_path) -> str | None:
    """One line saying why the window cannot open here, or None when it can (as far as we can tell).

    `platform` (sys.platform), `load` (dlopen) and `find_plugin` can be replaced in tests.
    """
    env = os.environ if env is None else env
    if (platform or sys.platform) != "linux":
        return None
    xcb = uses_xcb(env)
    if xcb is None:
        return f"no display (DISPLAY and WAYLAND_DISPLAY are unset): the window cannot open here; {HEADLESS_HINT}"
    if not xcb:
        return None
    path = find_plugin()
    if path is None:
        return None  # nothing to check; Qt reports its own problem
    try:
        load(str(path))
    except OSError as exc:
        library = missing_library(str(exc))
        if library is None or library == Path(path).name:
            detail = f"Qt's xcb plugin cannot be loaded ({' '.join(str(exc).split())[:120]})"
        else:
            detail = f"Qt's xcb plugin needs {library_hint(library)}"
        return f"the window cannot open: {detail}; {HEADLESS_HINT}"
    return None
