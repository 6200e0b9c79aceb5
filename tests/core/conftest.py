"""Shared fixtures for the Qt-free core tests (nothing here may import Qt).

The command-line tests run `python -m regviz ...` in subprocesses. Each one imports torch (about
2 s of CPU), so they are all started as soon as test collection finds tests/core/test_cli*.py, the CLI
tests are moved to the end of the run, and the subprocesses work alongside the in-process tests on
the other core; the `cli_runs` fixture then collects their results.

Property-based tests (hypothesis) run under the "regviz-ci" profile: derandomized (the same examples
on every run and machine), no deadline, no example database written into the working tree. Set
REGVIZ_HYPOTHESIS_PROFILE=regviz-explore to search with fresh random examples instead.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from regviz.core.presets import load_preset

# tests/core/config_space.py (the property tests' strategies) is imported by name
sys.path.insert(0, str(Path(__file__).resolve().parent))

_QUIET_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile("regviz-ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=_QUIET_CHECKS)
settings.register_profile("regviz-explore", derandomize=False, deadline=None, database=None, print_blob=True,
                          suppress_health_check=_QUIET_CHECKS)
settings.load_profile(os.environ.get("REGVIZ_HYPOTHESIS_PROFILE", "regviz-ci"))
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):  # its caches stay out of the working tree
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "regviz-hypothesis")


@pytest.fixture
def seed_cfg():
    """The reference experiment (the 'seed' preset), fresh for every test."""
    return load_preset("seed")


@pytest.fixture
def mixed_members():
    """Six models, every method and every L1 rule, each with its own seed and learning rate."""
    from regviz.core.engine import MemberSpec

    return [
        MemberSpec(seed=3, method="none", lam=0.0, learning_rate=0.01),
        MemberSpec(seed=4, method="l1", lam=0.3, l1_rule="subgradient", learning_rate=0.01),
        MemberSpec(seed=5, method="l1", lam=0.1, l1_rule="clip", learning_rate=0.02),
        MemberSpec(seed=6, method="l1", lam=0.3, l1_rule="proximal", learning_rate=0.01),
        MemberSpec(seed=7, method="l2", lam=0.3, l1_rule="clip", learning_rate=0.005),
        MemberSpec(seed=8, method="elasticnet", lam=0.2, rho=0.7, l1_rule="proximal", learning_rate=0.01),
    ]


@pytest.fixture(scope="session")
def reference_result():
    """The article's table: 5 seeds x (L1, L2) x 100 epochs, run once for the whole session."""
    from regviz.core.experiments import run_repeats

    return run_repeats(load_preset("seed"), ["l1", "l2"], 5)


# ---------------------------------------------------------------- command-line subprocesses
REGVIZ = ["-m", "regviz"]

QT_FREE_CHECK = """
import sys
import regviz.core.activations, regviz.core.analysis, regviz.core.config, regviz.core.data
import regviz.core.engine, regviz.core.experiments, regviz.core.presets, regviz.core.regularizers
import regviz.cli, regviz.cli_args, regviz.core.io, regviz.display, regviz.report
from regviz.core.experiments import run_repeats
from regviz.core.presets import load_preset
run_repeats(load_preset("seed").replace(**{"training.epochs": 1}), ["l1"], 1)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")
             or m.startswith("regviz.gui"))
print("QT-MODULES:", bad)
"""

NO_DISPLAY = {"DISPLAY": None, "WAYLAND_DISPLAY": None, "QT_QPA_PLATFORM": None}

# name -> (argv after the interpreter, JSON output file name or None)
CLI_CASES: dict[str, tuple[list[str], str | None]] = {
    # successes
    "experiment": (REGVIZ + ["experiment", "--epochs", "3", "--repeats", "2", "--layers", "4,3",
                             "--activation", "tanh", "--lambda", "0.1", "--seed", "5", "--json", "out.json"],
                   "out.json"),
    "prune": (REGVIZ + ["prune", "--epochs", "4", "--repeats", "2", "--json", "out.json"], "out.json"),
    "sweep_range": (REGVIZ + ["sweep", "--epochs", "2", "--lambdas", "1e-3:1:4", "--json", "out.json"], "out.json"),
    "sweep_list": (REGVIZ + ["sweep", "--epochs", "2", "--lambdas", "0,0.05,0.5", "--methods", "l1,l2",
                             "--data", "{inputs}/good.csv", "--json", "out.json"], "out.json"),
    "help": (REGVIZ + ["--help"], None),
    "qt_free": (["-c", QT_FREE_CHECK], None),
    # bad arguments and files: exit 2, one line on stderr, no output file
    "negative_lambda": (REGVIZ + ["experiment", "--lambda", "-1", "--json", "out.json"], "out.json"),
    "unknown_method": (REGVIZ + ["experiment", "--methods", "l1,l5", "--json", "out.json"], "out.json"),
    "bad_layers": (REGVIZ + ["experiment", "--layers", "10,x,10", "--json", "out.json"], "out.json"),
    "missing_data": (REGVIZ + ["experiment", "--epochs", "1", "--data", "{inputs}/nope.csv", "--json", "out.json"],
                     "out.json"),
    "bad_csv": (REGVIZ + ["experiment", "--epochs", "1", "--data", "{inputs}/bad.csv", "--json", "out.json"],
                "out.json"),
    "json_missing_folder": (REGVIZ + ["experiment", "--epochs", "1", "--json", "missing/out.json"], "missing/out.json"),
    "bad_lambdas": (REGVIZ + ["sweep", "--epochs", "1", "--lambdas", "1:0.1:4", "--json", "out.json"], "out.json"),
    "unknown_preset": (REGVIZ + ["experiment", "--preset", "no-such-preset", "--json", "out.json"], "out.json"),
    "bad_config": (REGVIZ + ["experiment", "--config", "{inputs}/bad.json", "--json", "out.json"], "out.json"),
    # empty values
    "empty_layers": (REGVIZ + ["experiment", "--layers=", "--json", "out.json"], "out.json"),
    "empty_data": (REGVIZ + ["experiment", "--data=", "--json", "out.json"], "out.json"),
    "empty_preset": (REGVIZ + ["experiment", "--preset=", "--json", "out.json"], "out.json"),
    "empty_json": (REGVIZ + ["experiment", "--epochs", "1", "--json="], "out.json"),
    "empty_config": (REGVIZ + ["experiment", "--config=", "--json", "out.json"], "out.json"),
    "empty_methods": (REGVIZ + ["experiment", "--methods=", "--json", "out.json"], "out.json"),
    "empty_lambdas": (REGVIZ + ["sweep", "--lambdas=", "--json", "out.json"], "out.json"),
    "empty_out": (REGVIZ + ["screenshot", "--out="], "out.json"),
    # a preset is a name, never a path; screenshot steps are bounded
    "preset_path": (REGVIZ + ["experiment", "--preset", "../resources/presets/seed", "--json", "out.json"],
                    "out.json"),
    "steps_zero": (REGVIZ + ["screenshot", "--steps", "0", "--out", "shots"], "out.json"),
    "steps_too_many": (REGVIZ + ["screenshot", "--steps", "1000001", "--out", "shots"], "out.json"),
    # files that are not what they should be
    "json_dev_null": (REGVIZ + ["experiment", "--epochs", "1", "--json", "/dev/null"], "out.json"),
    "fifo_config": (REGVIZ + ["experiment", "--config", "{inputs}/fifo.json", "--json", "out.json"], "out.json"),
    "folder_config": (REGVIZ + ["experiment", "--config", "{inputs}/folder.json", "--json", "out.json"], "out.json"),
    "big_config": (REGVIZ + ["experiment", "--config", "{inputs}/big.json", "--json", "out.json"], "out.json"),
    "huge_int_config": (REGVIZ + ["experiment", "--config", "{inputs}/huge_int.json", "--json", "out.json"],
                        "out.json"),
    "deep_config": (REGVIZ + ["experiment", "--config", "{inputs}/deep.json", "--json", "out.json"], "out.json"),
    "params_list_config": (REGVIZ + ["experiment", "--config", "{inputs}/params_list.json", "--json", "out.json"],
                           "out.json"),
    "params_self_config": (REGVIZ + ["experiment", "--config", "{inputs}/params_self.json", "--json", "out.json"],
                           "out.json"),
    "version_float_config": (REGVIZ + ["experiment", "--config", "{inputs}/version_float.json", "--json",
                                       "out.json"], "out.json"),
    "long_value_config": (REGVIZ + ["experiment", "--config", "{inputs}/long_value.json", "--json", "out.json"],
                          "out.json"),
    # the window refuses before any window (or Qt) appears
    "gui_missing_csv": (REGVIZ + ["gui", "--config", "{inputs}/missing_csv.json"], None),
    "gui_no_display": (REGVIZ + ["gui"], None),
    "gui_no_display_imports": (["-c", "import sys, regviz.cli\n"
                                      "code = regviz.cli.main(['gui'])\n"
                                      "print('QT-MODULES:', sorted(m for m in sys.modules if m.startswith("
                                      "('PySide6', 'shiboken6', 'pyqtgraph'))))\n"
                                      "sys.exit(code)"], None),
    # success: outliers below the line, and the JSON file's permissions follow the umask
    "negative_shift": (REGVIZ + ["experiment", "--config", "{inputs}/negative_shift.json", "--repeats", "1",
                                 "--json", "out.json"], "out.json"),
}
# environment changes per case (None removes the variable); the others inherit the test run's
# (QT_QPA_PLATFORM=offscreen from tests/conftest.py, so a regression opens no real window)
CLI_ENV: dict[str, dict[str, str | None]] = {
    "gui_no_display": NO_DISPLAY,
    "gui_no_display_imports": NO_DISPLAY,
    "gui_missing_csv": {"QT_QPA_PLATFORM": "offscreen"},
}
CLI_UMASK = 0o022
# cases that would hang in a window if they regressed: killed after this many seconds
CLI_TIMEOUT = {"gui_missing_csv": 120.0, "gui_no_display": 120.0, "gui_no_display_imports": 120.0}
@dataclasses.dataclass
class CliRun:
    name: str
    argv: list[str]
    folder: Path  # the process's working directory, empty before the run
    json_name: str | None
    returncode: int | str | None = None  # "hung": killed after its timeout
    stdout: str = ""
    stderr: str = ""

    @property
    def json_path(self) -> Path | None:
        return self.folder / self.json_name if self.json_name else None

    def load_json(self) -> dict:
        return json.loads(self.json_path.read_text(encoding="utf-8"))


def _write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)
    rows = "".join(f"{0.25 * i:.2f},{0.5 * i + 1 + (i % 3) * 0.1:.3f}\n" for i in range(30))
    (folder / "good.csv").write_text("x,y\n" + rows, encoding="utf-8")
    (folder / "bad.csv").write_text("x,y\n1.0,2.0\n2.0,oops\n3.0,6.0\n4.0,8.0\n5.0,10.0\n", encoding="utf-8")
    (folder / "bad.json").write_text('{"training": {"epochs": 5,,}}', encoding="utf-8")
    os.mkfifo(folder / "fifo.json")  # reading it would block forever without a writer
    (folder / "folder.json").mkdir()
    (folder / "big.json").write_text('{"training": {"epochs": 5}, "note": "' + "a" * (2**20) + '"}', encoding="utf-8")
    (folder / "huge_int.json").write_text('{"training": {"epochs": 1' + "0" * 400 + "}}", encoding="utf-8")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (folder / "params_list.json").write_text('{"model": {"activation_params": [0.1]}}', encoding="utf-8")
    (folder / "params_self.json").write_text(
        '{"model": {"activation": "elu", "activation_params": {"self": 1.0}}}', encoding="utf-8")
    (folder / "version_float.json").write_text('{"schema_version": 1.0}', encoding="utf-8")
    (folder / "long_value.json").write_text('{"model": {"activation": "' + "x" * 10**6 + '"}}', encoding="utf-8")
    (folder / "missing_csv.json").write_text(
        json.dumps({"data": {"csv_path": str(folder / "no-such-data.csv")}}), encoding="utf-8")
    (folder / "negative_shift.json").write_text(
        json.dumps({"data": {"outlier_shift": -10.0, "outlier_shift_mode": "each"}, "training": {"epochs": 2}}),
        encoding="utf-8")


class _CliBatch:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="regviz-cli-tests-"))
        self.inputs = self.root / "inputs"
        _write_inputs(self.inputs)
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONSTARTUP", None)
        self.runs: dict[str, CliRun] = {}
        self._procs: dict[str, tuple[subprocess.Popen, object, object]] = {}
        for name, (argv, json_name) in CLI_CASES.items():
            argv = [a.replace("{inputs}", str(self.inputs)) for a in argv]
            folder = self.root / name
            folder.mkdir()
            run = CliRun(name, argv, folder, json_name)
            out = open(self.root / f"{name}.stdout", "w+", encoding="utf-8")
            err = open(self.root / f"{name}.stderr", "w+", encoding="utf-8")
            case_env = dict(env)
            for key, value in CLI_ENV.get(name, {}).items():
                if value is None:
                    case_env.pop(key, None)
                else:
                    case_env[key] = value
            proc = subprocess.Popen([sys.executable, *argv], cwd=folder, env=case_env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, umask=CLI_UMASK)
            self.runs[name] = run
            self._procs[name] = (proc, out, err)

    def wait(self, timeout: float = 600.0) -> dict[str, CliRun]:
        for name, (proc, out, err) in list(self._procs.items()):
            run = self.runs[name]
            try:
                run.returncode = proc.wait(timeout=CLI_TIMEOUT.get(name, timeout))
            except subprocess.TimeoutExpired:  # e.g. a window opened: recorded as a hang, not waited on
                proc.kill()
                proc.wait()
                run.returncode = "hung"
            for handle, attr in ((out, "stdout"), (err, "stderr")):
                handle.seek(0)
                setattr(run, attr, handle.read())
                handle.close()
            del self._procs[name]
        return self.runs

    def close(self) -> None:
        for proc, out, err in self._procs.values():  # only the processes this batch started
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            out.close()
            err.close()
        self._procs.clear()
        shutil.rmtree(self.root, ignore_errors=True)


_BATCH: list[_CliBatch] = []


@pytest.hookimpl(trylast=True)  # after -k / -m deselection
def pytest_collection_modifyitems(session, config, items):
    cli_items = [item for item in items if Path(str(item.path)).name.startswith("test_cli")]
    if cli_items and not _BATCH:
        _BATCH.append(_CliBatch())
        # run the CLI tests last, so the subprocesses work while the other tests run
        others = [item for item in items if not Path(str(item.path)).name.startswith("test_cli")]
        items[:] = others + cli_items


def pytest_sessionfinish(session, exitstatus):
    while _BATCH:
        _BATCH.pop().close()


@pytest.fixture(scope="session")
def cli_runs() -> dict[str, CliRun]:
    if not _BATCH:  # e.g. collected in an unusual way: start now
        _BATCH.append(_CliBatch())
    return _BATCH[0].wait()
