import os

# GUI tests run without a display; set before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_sessionstart(session):
    """The compiled engine's kernels, from the disk cache or compiled once now: on a fresh machine
    the trainer and job processes the tests spawn then load them instead of each compiling them."""
    from regviz.core.engines import prepare, resolve_engine

    if resolve_engine("auto") == "numba":
        prepare()
