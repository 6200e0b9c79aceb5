"""regviz.display: can a window open? Decided from the environment and a fake loader, so these tests
pass whether or not this machine has a display or the xcb libraries."""

from __future__ import annotations

from pathlib import Path

import pytest

from regviz import display

PLUGIN = Path("/fake/PySide6/Qt/plugins/platforms/libqxcb.so")


def _never_called(path):
    raise AssertionError("the xcb plugin should not be loaded here")


def _loads_fine(path):
    assert path == str(PLUGIN)


def _missing(library):
    def load(path):
        raise OSError(f"{library}: cannot open shared object file: No such file or directory")

    return load


def _problem(env, load=_loads_fine, platform="linux"):
    return display.display_problem(env, platform=platform, load=load, find_plugin=lambda: PLUGIN)


def test_no_display_at_all():
    message = _problem({}, load=_never_called)
    assert message is not None and "\n" not in message
    assert "display" in message and "regviz screenshot" in message
    assert "DISPLAY" in message and "WAYLAND_DISPLAY" in message
    for command in ("experiment", "prune", "sweep"):
        assert command in message
    assert _problem({"QT_QPA_PLATFORM": "xcb"}, load=_never_called) == message
    assert _problem({"DISPLAY": ""}, load=_never_called) == message  # set but empty is no display


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "wayland", "eglfs", "vnc"])
def test_another_platform_skips_the_check(platform):
    assert _problem({"QT_QPA_PLATFORM": platform}, load=_never_called) is None


def test_not_linux_skips_the_check():
    assert _problem({}, load=_never_called, platform="darwin") is None
    assert _problem({}, load=_never_called, platform="win32") is None


def test_a_display_with_a_loadable_plugin_is_fine():
    assert _problem({"DISPLAY": ":0"}) is None
    assert _problem({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}) is None


def test_wayland_without_a_platform_does_not_need_xcb():
    assert _problem({"WAYLAND_DISPLAY": "wayland-0"}, load=_never_called) is None
    message = _problem({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, load=_missing("libxcb.so.1"))
    assert message is not None and "libxcb1" in message


# the oracle: Qt's documented xcb dependencies and their Debian/Ubuntu package names
@pytest.mark.parametrize(
    "library, package",
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-image.so.0", "libxcb-image0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxcb-shape.so.0", "libxcb-shape0"),
        ("libxcb-xkb.so.1", "libxcb-xkb1"),
        ("libEGL.so.1", "libegl1"),
        ("libfontconfig.so.1", "libfontconfig1"),
        ("libGL.so.1", "libgl1"),
    ],
)
def test_a_missing_library_names_its_package(library, package):
    message = _problem({"DISPLAY": ":0"}, load=_missing(library))
    assert message is not None and "\n" not in message
    assert library in message and f"package {package} " in message
    assert "regviz screenshot" in message
    assert len(message) < 280


def test_an_unknown_library_is_named():
    message = _problem({"DISPLAY": ":1"}, load=_missing("libfrobnicate.so.7"))
    assert "libfrobnicate.so.7" in message and "Debian" not in message


def test_other_load_errors_are_reported_shortened():
    def weird(path):
        raise OSError("undefined symbol: " + "x" * 5000)

    message = _problem({"DISPLAY": ":0"}, load=weird)
    assert "undefined symbol" in message and len(message) < 400


def test_no_plugin_found_leaves_it_to_qt():
    assert display.display_problem({"DISPLAY": ":0"}, platform="linux", load=_never_called,
                                   find_plugin=lambda: None) is None


@pytest.mark.parametrize(
    "message, library",
    [
        ("libxcb-cursor.so.0: cannot open shared object file: No such file or directory", "libxcb-cursor.so.0"),
        ("/x/libqxcb.so: libGL.so.1: cannot open shared object file: No such file", "libGL.so.1"),
        ("libfoo.so: cannot open shared object file", "libfoo.so"),
        ("something else entirely", None),
    ],
)
def test_missing_library_parsing(message, library):
    assert display.missing_library(message) == library


def test_the_real_plugin_is_found_without_importing_pyside6():
    import sys

    already = "PySide6" in sys.modules
    path = display.xcb_plugin_path()
    assert path is None or path.name == "libqxcb.so"
    if not already:
        assert "PySide6" not in sys.modules
