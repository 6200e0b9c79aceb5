"""Every compiled kernel called once on a tiny problem, with the argument types real runs use, so
that numba loads them all from its disk cache (or compiles them) now rather than in the middle of a
run. Called by numba_runtime.prepare()."""

from __future__ import annotations

import numpy as np

from regviz.core.activation_spec import ActivationSpec
from regviz.core.data import Dataset
from regviz.core.numba_engine import NumbaEngine
from regviz.core.records import MemberSpec


def warm_up() -> None:
    x = np.linspace(-1.0, 1.0, 4)
    data = Dataset(x, 2.0 * x, x[:2], 2.0 * x[:2], np.zeros(4, bool), np.zeros(2, bool), None, None, "warm-up")
    members = [MemberSpec(seed=0, method="l1", l1_rule="clip"), MemberSpec(seed=1, method="l2")]
    engine = NumbaEngine(data, (1, 2, 1), ActivationSpec("prelu"), members, batch_size=2, shuffle=True, threads=1)
    engine.step(3)
    engine.predict(x)
    engine.pre_activations(x)
