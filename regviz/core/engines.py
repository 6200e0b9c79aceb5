"""Which engine trains: the compiled one (numba) or the torch one, behind one interface.

    auto   numba where it imports, else torch (the default everywhere)
    numba  the compiled engine (numba_engine.py); an error where numba does not import
    torch  the reference engine (engine.py), run on one thread

Building a numba engine imports neither torch nor Qt, so a trainer process can stay torch-free.
"""

from __future__ import annotations

import os
from typing import Sequence

from regviz.core.activation_spec import ActivationSpec, spec_of
from regviz.core.config import ConfigError
from regviz.core.data import Dataset
from regviz.core.numba_runtime import PREPARING_MESSAGE, numba_available, numba_missing_reason, prepare
from regviz.core.records import MemberSpec

ENGINES = ("auto", "numba", "torch")


def default_threads() -> int:
    """Every core this process may use: what the compiled engine spreads a big ensemble over."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# The engine a window's trainer process builds (the command line sets it from --engine; spawned
# processes inherit it).
ENGINE_ENV = "REGVIZ_ENGINE"

__all__ = ["ENGINES", "ENGINE_ENV", "PREPARING_MESSAGE", "build_engine", "prepare", "resolve_engine"]


def resolve_engine(name: str = "auto") -> str:
    """"numba" or "torch" for an engine name; ConfigError for an unknown name, or for "numba"
    where numba does not import."""
    if name not in ENGINES:
        raise ConfigError("engine", name, "one of " + ", ".join(ENGINES))
    if name == "torch":
        return "torch"
    if numba_available():
        return "numba"
    if name == "numba":
        raise ConfigError("engine", name, f"an engine that imports here (numba does not: {numba_missing_reason()})")
    return "torch"


def build_engine(name: str, dataset: Dataset, layer_sizes: Sequence[int], activation, members: Sequence[MemberSpec],
                 **options):
    """An engine of kind `name` (see the module docstring). `activation` is an activations.Activation
    or an ActivationSpec; options are the engines' keyword arguments (loss, huber_delta, batch_size,
    shuffle, order_seed)."""
    kind = resolve_engine(name)
    if kind == "numba":
        from regviz.core.numba_engine import NumbaEngine

        return NumbaEngine(dataset, layer_sizes, activation, members, **options)
    import torch

    from regviz.core.activations import get_activation
    from regviz.core.engine import Engine

    if torch.get_num_threads() != 1:  # a second thread only busy-waits on these tiny matrices
        torch.set_num_threads(1)
    if isinstance(activation, ActivationSpec):
        spec = spec_of(activation)
        activation = get_activation(spec.name, spec.params)
    return Engine(dataset, layer_sizes, activation, members, **options)
