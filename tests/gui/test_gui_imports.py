"""The window's process imports neither torch nor numba: the untrained model is computed with numpy
and training happens in the trainer process. Checked in a fresh process (this one has imported
torch for other tests), after the window shows, after a trained frame, and after every tab shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).resolve().parents[1] / "import_probe.py"


def test_the_window_process_imports_neither_torch_nor_numba(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    run = subprocess.run([sys.executable, str(PROBE)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["step"] >= 5  # the trainer trained: the check is not vacuous
    assert report["shown"] == {"torch": False, "numba": False}
    assert report["trained"] == {"torch": False, "numba": False}
