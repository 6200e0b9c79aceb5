"""Packaging: the wheel carries the presets, and the presets are found from a checkout and an install."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from regviz.core import presets

REPO = Path(__file__).resolve().parents[2]
CHECKOUT_PRESETS = sorted(p.name for p in (REPO / "resources" / "presets").glob("*.json"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build the wheel offline from a copy of the checkout (so no build/ folder lands in the repo)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    shutil.copytree(
        REPO, src,
        ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "tests",
                                      "benchmarks", ".pytest_cache", "out"),
    )
    out = root / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("regviz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_checkout_has_presets():
    assert "seed.json" in CHECKOUT_PRESETS


def test_wheel_contains_the_presets_and_the_code(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "regviz/resources/presets/seed.json" in names
        for name in CHECKOUT_PRESETS:
            assert f"regviz/resources/presets/{name}" in names
        for module in ("cli", "report", "__main__", "core/engine", "core/activations", "core/presets",
                       "core/config", "core/data", "core/experiments", "core/regularizers", "core/analysis"):
            assert f"regviz/{module}.py" in names
        packaged_seed = json.loads(zf.read("regviz/resources/presets/seed.json"))
        assert packaged_seed == json.loads((REPO / "resources" / "presets" / "seed.json").read_text())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "regviz = regviz.cli:main" in zf.read(entry_points).decode()
        assert not any(n.startswith("tests/") for n in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """Unpack the wheel (a pure-Python wheel unpacked is an installed package) and ask it, from a fresh
    interpreter outside the checkout, where it finds its presets."""
    root = tmp_path_factory.mktemp("installed")
    site = root / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = (
        "import json, regviz, regviz.core.presets as p\n"
        "print(json.dumps({'file': regviz.__file__, 'dir': str(p.resources_dir()), 'names': p.preset_names()}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    return site, json.loads(proc.stdout)


def test_installed_wheel_is_the_package_imported(installed):
    site, info = installed
    assert Path(info["file"]).is_relative_to(site)  # the unpacked copy, not the editable checkout
    assert (site / "regviz" / "resources" / "presets" / "seed.json").is_file()


def test_installed_wheel_finds_its_own_presets(installed):
    site, info = installed
    assert Path(info["dir"]) == site / "regviz" / "resources"
    assert sorted(f"{n}.json" for n in info["names"]) == CHECKOUT_PRESETS


def test_resources_dir_finds_presets_from_the_checkout():
    found = presets.resources_dir()
    assert (found / "presets" / "seed.json").is_file()
    assert found.resolve() == (REPO / "resources").resolve()
    assert sorted(f"{n}.json" for n in presets.preset_names()) == CHECKOUT_PRESETS
    assert presets.DEFAULT_PRESET == "seed"
    assert presets.load_preset().model.hidden_layers == (10, 10, 10)
