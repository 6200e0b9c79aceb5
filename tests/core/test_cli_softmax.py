"""`regviz softmax`: the article's numbers on stdout, JSON, negative logits as arguments, and bad
input as one line on stderr with exit 2. In process through cli.main, plus one real subprocess."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from regviz import cli


def _run(capsys, *argv):
    code = cli.main(["softmax", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _probabilities(out: str) -> list[str]:
    """The probability column of the table's class rows."""
    return [line.split()[-1] for line in out.splitlines() if line.strip()[:1].isdigit()]


def test_prints_the_articles_first_case(capsys):
    code, out, err = _run(capsys, "3", "0.7", "0.5")
    assert code == 0 and err == ""
    assert _probabilities(out) == ["0.846", "0.085", "0.069"]
    assert "nats" in out and "bits" in out


def test_ten_classes(capsys):
    code, out, _ = _run(capsys, "1.5", *["1.2"] * 9)
    assert code == 0
    probs = _probabilities(out)
    assert len(probs) == 10 and probs[0] in ("0.130", "0.131") and probs[1:] == ["0.097"] * 9


def test_negative_logits_need_no_quoting(capsys):
    code, out, err = _run(capsys, "-1", "2", "3")
    assert code == 0, err
    # by hand: e^-1, e^2, e^3 over their sum
    total = math.exp(-1) + math.exp(2) + math.exp(3)
    assert _probabilities(out) == [f"{math.exp(v) / total:.3f}" for v in (-1, 2, 3)]
    code, out, err = _run(capsys, "-1e3", "-.5", "0")
    assert code == 0, err
    assert _probabilities(out)[0] == "0.000"


def test_temperature_and_json(capsys):
    code, out, _ = _run(capsys, "0", "0", "--temperature", "4", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["probabilities"] == [0.5, 0.5] and data["temperature"] == 4.0
    assert data["entropy_bits"] == pytest.approx(1.0)
    code, out, _ = _run(capsys, "1000", "999", "--json")  # stable: e^1000 would overflow
    p = json.loads(out)["probabilities"]
    assert p[0] == pytest.approx(1.0 / (1.0 + math.exp(-1.0)))


def test_temperature_sharpens(capsys):
    _code, out, _ = _run(capsys, "3", "0.7", "0.5", "--temperature", "0.1")
    assert _probabilities(out) == ["1.000", "0.000", "0.000"]


@pytest.mark.parametrize("argv, words", [
    (["1", "x"], "'x' is not a number"),
    (["1"], "1 logit"),
    (["1", "inf"], "not a finite number"),
    (["-inf", "1"], "not a finite number"),
    ([str(i) for i in range(21)], "21 logits"),
    (["1", "2", "--temperature", "0"], "temperature"),
    (["1", "2", "--temperature", "11"], "temperature"),
    (["1", "2", "--temperature", "nan"], "temperature"),
    (["1", "2", "--temperature", "warm"], "temperature"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    try:  # argparse's own errors exit, ours return the code
        code = cli.main(["softmax", *argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("regviz: error: ") and words in lines[0], err


def test_a_real_process(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-m", "regviz", "softmax", "1.2", "1", "1.5"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _probabilities(run.stdout) == ["0.316", "0.258", "0.426"]
    bad = subprocess.run([sys.executable, "-m", "regviz", "softmax", "1", "two"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == ["regviz: error: logits: 'two' is not a number"]
