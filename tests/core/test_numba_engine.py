"""The compiled engine's own machinery: the same interface as the torch engine, threads and long
runs that change no bit, restore, the engine choice, the disk cache and the "preparing the engine"
notice, and a build that imports no torch. What it computes is checked against the torch engine in
test_engine_agreement.py and, on both engines, by test_engine*.py."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys

import numpy as np
import pytest

from regviz.core import engines, numba_runtime
from regviz.core.config import ConfigError
from regviz.core.engine import Engine
from regviz.core.experiments import build_engine
from regviz.core.records import MemberSpec

pytestmark = pytest.mark.skipif(engines.resolve_engine("auto") != "numba", reason="numba does not import here")


def _members(k):
    methods = ("l1", "l2", "elasticnet", "none")
    rules = ("subgradient", "clip", "proximal")
    return [MemberSpec(seed=s, method=methods[s % 4], l1_rule=rules[s % 3], learning_rate=0.01 + 0.001 * (s % 5))
            for s in range(k)]


def _same_state(a, b):
    for x, y in zip(a.weights + a.biases + a.prelu_slopes, b.weights + b.biases + b.prelu_slopes):
        assert np.array_equal(x, y)
    assert np.array_equal(a.diverged, b.diverged)


def test_the_compiled_engine_has_every_public_member_of_the_torch_engine(seed_cfg):
    from regviz.core.numba_engine import NumbaEngine

    public = {name for name in dir(Engine) if not name.startswith("_")}
    assert public <= {name for name in dir(NumbaEngine) if not name.startswith("_")}
    assert list(inspect.signature(Engine).parameters) == list(inspect.signature(NumbaEngine).parameters)[:9]
    engine = build_engine(seed_cfg, _members(2), engine="numba")
    for name in ("dataset", "layer_sizes", "activation", "loss", "huber_delta", "batch_size", "shuffle",
                 "steps_per_epoch", "step_count", "epoch"):
        assert hasattr(engine, name), name


@pytest.mark.parametrize("activation, batch, shuffle", [("linear", 1, False), ("rrelu", 3, True)])
def test_threads_and_long_runs_split_into_calls_change_no_bit(seed_cfg, monkeypatch, activation, batch, shuffle):
    from regviz.core import numba_engine

    cfg = seed_cfg.replace(**{"model.activation": activation, "training.batch_size": batch,
                              "training.shuffle": shuffle})
    members = _members(24)

    def run(threads, call_floats):
        monkeypatch.setattr(numba_engine, "CALL_FLOATS", call_floats)
        monkeypatch.setattr(numba_engine, "PARALLEL_MIN_WORK", 1)
        engine = build_engine(cfg, members, engine="numba")
        engine.threads = threads
        record = engine.step(450)
        return engine.snapshot(), record

    one, rec_one = run(1, numba_engine.CALL_FLOATS)
    for threads, call_floats in ((2, numba_engine.CALL_FLOATS), (3, 5000), (1, 1)):
        other, rec = run(threads, call_floats)
        _same_state(one, other)
        assert np.array_equal(rec_one.data_loss, rec.data_loss) and np.array_equal(rec_one.penalty, rec.penalty)
        assert [e.step for e in rec.epochs] == [e.step for e in rec_one.epochs]
        assert all(np.array_equal(a.test_error, b.test_error) for a, b in zip(rec.epochs, rec_one.epochs))


def test_restore_continues_from_a_snapshot_bit_for_bit(seed_cfg):
    cfg = seed_cfg.replace(**{"model.activation": "prelu"})
    first = build_engine(cfg, _members(3), engine="numba")
    first.step(130)
    resumed = build_engine(cfg, _members(3), engine="numba")
    resumed.restore(first.snapshot())
    assert (resumed.step_count, resumed.epoch) == (130, 3)
    a, b = first.step(70), resumed.step(70)
    _same_state(first.snapshot(), resumed.snapshot())
    assert np.array_equal(a.data_loss, b.data_loss) and [e.epoch for e in b.epochs] == [4, 5]
    with pytest.raises(ConfigError):
        build_engine(cfg.replace(**{"model.hidden_layers": (4, 4)}), _members(3), engine="numba").restore(
            first.snapshot())


def test_engine_names_resolve_and_bad_ones_are_config_errors(monkeypatch):
    assert engines.resolve_engine("auto") == "numba" and engines.resolve_engine("torch") == "torch"
    with pytest.raises(ConfigError):
        engines.resolve_engine("fast")
    monkeypatch.setitem(numba_runtime._state, "available", False)  # as where numba does not import
    assert engines.resolve_engine("auto") == "torch"
    with pytest.raises(ConfigError) as info:
        engines.resolve_engine("numba")
    assert "numba" in str(info.value)


def test_the_torch_engine_trains_on_one_thread(seed_cfg):
    import torch

    torch.set_num_threads(2)
    engine = build_engine(seed_cfg, _members(1), engine="torch")
    assert isinstance(engine, Engine) and torch.get_num_threads() == 1


def test_the_cache_goes_to_a_user_folder_and_falls_back_when_it_cannot_be_written(monkeypatch, tmp_path):
    import numba

    monkeypatch.setattr(numba.config, "CACHE_DIR", numba.config.CACHE_DIR)  # restored after the test
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    first, fallback = numba_runtime.cache_candidates()
    assert first == tmp_path / "xdg" / "regviz" / "numba" and "regviz-numba" in fallback.name
    monkeypatch.setattr(numba_runtime, "_state", {})
    assert numba_runtime.configure_cache() == first and first.is_dir()
    # a cache home that cannot be a folder (a file is in the way): the next candidate
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    monkeypatch.delenv("NUMBA_CACHE_DIR")  # configure_cache set it: an explicit one would be the only candidate
    monkeypatch.setattr(numba_runtime, "_state", {})
    assert numba_runtime.configure_cache() == fallback
    # nothing writable: no cache, no crash (the kernels compile on every launch)
    monkeypatch.setattr(numba_runtime, "cache_candidates", lambda: [tmp_path / "file" / "a"])
    monkeypatch.setattr(numba_runtime, "_state", {})
    assert numba_runtime.configure_cache() is None


def test_prepare_announces_a_compilation_once_and_a_cache_hit_not_at_all(monkeypatch):
    from numba import njit

    from regviz.core import numba_warmup

    calls = []
    monkeypatch.setattr(numba_runtime, "_state", {**numba_runtime._state, "prepared": False})
    assert numba_runtime.prepare(on_compile=lambda: calls.append(1)) is False  # every kernel cached
    assert calls == [] and numba_runtime.is_prepared()

    def fresh_kernels():  # two functions that are in no cache
        njit(lambda x: x + 1)(1)
        njit(lambda x: x * 2.0)(1.0)

    monkeypatch.setattr(numba_warmup, "warm_up", fresh_kernels)
    monkeypatch.setitem(numba_runtime._state, "prepared", False)
    assert numba_runtime.prepare(on_compile=lambda: calls.append(1)) is True
    assert calls == [1]
    assert numba_runtime.prepare(on_compile=lambda: calls.append(1)) is False  # once per process


TORCH_FREE = """
import pickle, sys
from regviz.core.engines import build_engine as build, prepare
from regviz.core.experiments import build_engine
from regviz.core.records import MemberSpec
cfg = pickle.load(open(sys.argv[1], "rb"))
prepare()
engine = build_engine(cfg, [MemberSpec(seed=1), MemberSpec(seed=2, method="l2")])
record = engine.step(45)
print(type(engine).__name__, record.data_loss.shape, len(record.epochs), engine.predict([0.0, 1.0]).shape)
print("heavy:", sorted(m for m in ("torch", "PySide6", "pyqtgraph") if m in sys.modules))
"""

NO_NUMBA = "raise ImportError('no numba in this test')\n"


def test_building_training_and_the_command_line_engine_choice_in_fresh_processes(seed_cfg, tmp_path):
    """A trainer-like process builds and trains the compiled engine without importing torch or Qt;
    `--engine numba` where numba does not import is one line and exit 2; `--engine numba` and
    `--engine torch` print the same table (and nothing on stderr: the kernels come from the cache)."""
    (tmp_path / "cfg.pickle").write_bytes(pickle.dumps(seed_cfg.replace(**{"model.activation": "tanh"})))
    fake = tmp_path / "fake" / "numba"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(NO_NUMBA)
    procs = [
        subprocess.Popen([sys.executable, "-c", TORCH_FREE, str(tmp_path / "cfg.pickle")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True),
        subprocess.Popen([sys.executable, "-m", "regviz", "experiment", "--engine", "numba", "--epochs", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                         env={**_env(), "PYTHONPATH": str(tmp_path / "fake")}),
    ]
    # both engines from the command line: the same table; the compiled one says nothing on a cache hit
    procs += [subprocess.Popen([sys.executable, "-m", "regviz", "experiment", "--engine", kind, "--epochs", "2",
                                "--repeats", "2", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=tmp_path, env=_env()) for kind in ("numba", "torch")]
    (out, err), (cli_out, cli_err), (numba_out, numba_err), (torch_out, torch_err) = (
        p.communicate(timeout=300) for p in procs)
    assert procs[0].returncode == 0, err
    assert out.splitlines() == ["NumbaEngine (45, 2) 1 (2, 2)", "heavy: []"]
    assert procs[1].returncode == 2 and cli_out == ""
    assert cli_err.count("\n") == 1 and cli_err.startswith("regviz: error: --engine:") and "numba" in cli_err
    assert procs[2].returncode == procs[3].returncode == 0 and numba_err == torch_err == ""
    assert numba_out == torch_out and "l1: 2 runs" in numba_out


def _env():
    import os

    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env
