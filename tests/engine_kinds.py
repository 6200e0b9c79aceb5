"""Run a test module's engine tests on both engines: the module imports `engine_kind` (an autouse
fixture) and its tests call the module's `build_engine`, which the fixture points at the engine of
the current parameter (experiments.build_engine(..., engine=...)). Imported by name: pytest's
`pythonpath` includes tests/."""

from __future__ import annotations

import functools

import pytest

from regviz.core import experiments
from regviz.core.engines import resolve_engine

KINDS = ["numba", "torch"] if resolve_engine("auto") == "numba" else ["torch"]


@pytest.fixture(autouse=True, params=KINDS)
def engine_kind(request, monkeypatch):
    monkeypatch.setattr(request.module, "build_engine", functools.partial(experiments.build_engine,
                                                                           engine=request.param))
    return request.param
