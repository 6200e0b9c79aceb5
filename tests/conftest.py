import os

import pytest

# GUI tests run without a display; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_sessionstart(session):
    """The compiled engine's kernels, from the disk cache or compiled once now: on a fresh machine
    the trainer and job processes the tests spawn then load them instead of each compiling them."""
    from regviz.core.engines import prepare, resolve_engine

    if resolve_engine("auto") == "numba":
        prepare()


@pytest.fixture(autouse=True)
def no_engine_choice_leaks(monkeypatch):
    """`regviz gui/screenshot --engine` run in-process sets REGVIZ_ENGINE for the trainer it spawns;
    no test sees another's choice."""
    monkeypatch.delenv("REGVIZ_ENGINE", raising=False)
