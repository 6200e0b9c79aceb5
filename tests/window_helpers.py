"""Helpers for tests that drive the whole window (importable: pytest's pythonpath has tests/)."""

from __future__ import annotations


def state(win):
    return win.controller.state


def run_steps(qtbot, win, count: int) -> None:
    """Step the running window `count` steps and wait (generously) until they are on screen."""
    target = state(win).step + count
    win.controller.step(count)
    qtbot.waitUntil(lambda: state(win).step >= target, timeout=60000)


def find(win, cls, name: str):
    widget = win.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget
