"""regviz.core.softmax: the article's numbers, stability, temperature limits, entropy closed forms,
the checks on typed logits and the log slider. Oracles: the article's printed outputs and hand
computations (logistic function, ln K, ln 2 = 1 bit), never the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regviz.core import activations
from regviz.core import softmax as sm


# ---------------------------------------------------------------- the article's three cases
@pytest.mark.parametrize("logits, printed", [
    ([3.0, 0.7, 0.5], [0.846, 0.085, 0.069]),
    ([1.2, 1.0, 1.5], [0.316, 0.258, 0.426]),
])
def test_the_articles_three_class_cases(logits, printed):
    p = sm.softmax(logits)
    assert [round(float(v), 3) for v in p] == printed


def test_the_articles_ten_class_case():
    p = sm.softmax([1.5] + [1.2] * 9)
    assert round(float(p[0]), 2) == 0.13  # the article prints 0.13 for the first class
    assert [round(float(v), 3) for v in p[1:]] == [0.097] * 9


def test_the_cases_as_data_match_the_article():
    assert [case.logits for case in sm.ARTICLE_CASES] == [(3.0, 0.7, 0.5), (1.2, 1.0, 1.5), (1.5,) + (1.2,) * 9]
    assert "0.846, 0.085, 0.069" in sm.ARTICLE_CASES[0].article_output
    assert sm.matching_case([1.2, 1.0, 1.5]) is sm.ARTICLE_CASES[1]
    assert sm.matching_case([1.2, 1.0]) is None


def test_activations_uses_the_same_softmax():
    assert activations.softmax is sm.softmax  # one definition, re-exported


# ---------------------------------------------------------------- closed forms and stability
def test_two_classes_give_the_logistic_function():
    for a, b in [(0.0, 0.0), (2.0, -1.0), (-3.5, 4.0)]:
        expected = 1.0 / (1.0 + math.exp(-(a - b)))
        assert sm.softmax([a, b])[0] == pytest.approx(expected, rel=1e-12)
    assert sm.softmax([0.0, math.log(3.0)]).tolist() == pytest.approx([0.25, 0.75])


@pytest.mark.parametrize("logits, expected", [
    ([1000.0, 1000.0], [0.5, 0.5]),
    ([1000.0, 0.0], [1.0, 0.0]),
    ([-1000.0, -1000.0, -1000.0], [1 / 3, 1 / 3, 1 / 3]),
    ([-1000.0, -1000.0 + math.log(3.0)], [0.25, 0.75]),  # the shift leaves ratios as they were
])
def test_huge_logits_neither_overflow_nor_underflow(logits, expected):
    with np.errstate(over="raise", invalid="raise"):  # an overflow (or inf/inf) would raise here
        p = sm.softmax(logits)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, expected, atol=1e-12)


def test_temperature_limits():
    z = [3.0, 0.7, 0.5]
    cold = sm.softmax(z, 0.1)  # 1 / (1 + e^-23 + e^-25)
    assert cold[0] == pytest.approx(1.0 / (1.0 + math.exp(-23.0) + math.exp(-25.0)), rel=1e-12)
    hot = sm.softmax(z, 10.0)  # e^(z/10) / sum: close to 1/3 each
    expected = np.exp(np.array(z) / 10.0) / np.exp(np.array(z) / 10.0).sum()
    np.testing.assert_allclose(hot, expected, rtol=1e-12)
    np.testing.assert_allclose(sm.softmax(z, 1e6), [1 / 3] * 3, atol=1e-6)  # T -> inf: uniform
    assert sm.softmax(z, 1e-3).tolist() == pytest.approx([1.0, 0.0, 0.0])  # T -> 0: argmax
    assert sm.softmax([1.0, 1.0, 0.0], 1e-3).tolist() == pytest.approx([0.5, 0.5, 0.0])  # a tie shares


@pytest.mark.parametrize("temperature", [0.0, -1.0, math.inf, math.nan])
def test_softmax_refuses_a_bad_temperature(temperature):
    with pytest.raises(ValueError):
        sm.softmax([1.0, 2.0], temperature)


@pytest.mark.parametrize("k", [2, 3, 10, 20])
def test_entropy_of_uniform_is_log_k(k):
    p = np.full(k, 1.0 / k)
    assert sm.entropy(p) == pytest.approx(math.log(k))
    assert sm.entropy(p, base=2) == pytest.approx(math.log2(k))


def test_entropy_closed_forms():
    assert sm.entropy([1.0, 0.0, 0.0]) == 0.0  # 0 log 0 = 0, and not -0.0
    assert sm.entropy([0.5, 0.5], base=2) == pytest.approx(1.0)  # one fair coin: one bit
    assert sm.entropy([0.25, 0.75]) == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    # case 1 by hand: -(0.846 ln 0.846 + 0.085 ln 0.085 + 0.069 ln 0.069) = 0.535 (3 decimals, rounded p)
    assert sm.compute([3.0, 0.7, 0.5]).entropy_nats == pytest.approx(0.535, abs=2e-3)


def test_compute_reports_entropy_in_nats_and_bits():
    result = sm.compute([0.0, 0.0], 1.0)
    assert result.probabilities == (0.5, 0.5)
    assert result.entropy_nats == pytest.approx(math.log(2.0))
    assert result.entropy_bits == pytest.approx(1.0)
    assert result.max_entropy_nats == pytest.approx(math.log(2.0))
    data = result.to_dict()
    assert data["probabilities"] == [0.5, 0.5] and data["entropy_bits"] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-sm.LOGIT_LIMIT, max_value=sm.LOGIT_LIMIT), min_size=sm.MIN_CLASSES,
                max_size=sm.MAX_CLASSES),
       st.floats(min_value=sm.TEMPERATURE_RANGE[0], max_value=sm.TEMPERATURE_RANGE[1]))
def test_any_accepted_input_gives_finite_probabilities_summing_to_one(logits, temperature):
    result = sm.compute(logits, temperature)
    p = np.asarray(result.probabilities)
    assert np.all(np.isfinite(p)) and np.all(p >= 0.0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert p[int(np.argmax(logits))] == p.max()  # the largest logit is the most probable class
    assert 0.0 <= result.entropy_nats <= math.log(len(logits)) + 1e-12


# ---------------------------------------------------------------- what a person types
@pytest.mark.parametrize("text, expected", [
    ("3, 0.7, 0.5", [3.0, 0.7, 0.5]),
    ("[3, 0.7, 0.5]", [3.0, 0.7, 0.5]),
    ("  -1 2\t3 ", [-1.0, 2.0, 3.0]),
    ("1;2,", [1.0, 2.0]),
    ("\u22121.5, 2", [-1.5, 2.0]),  # a typographic minus, pasted from slides
    ("1e3, -1e3", [1000.0, -1000.0]),
    ("1, , 2", [1.0, 2.0]),  # an empty slot is a typo between separators, not a class
])
def test_parse_logits_accepts(text, expected):
    assert sm.parse_logits(text) == expected


@pytest.mark.parametrize("text, words", [
    ("", "2 to 20"),
    ("3", "1 logit;"),
    (", ".join(["1"] * 21), "21 logits"),
    ("1, x", "'x' is not a number"),
    ("1, inf", "not a finite number"),
    ("nan, 1", "not a finite number"),
    ("1, 1e7", "each logit must be"),
])
def test_parse_logits_refuses_with_a_clear_message(text, words):
    with pytest.raises(sm.SoftmaxInputError) as info:
        sm.parse_logits(text)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", ["0", "0.09", "10.5", "-1", "nan", "inf", "hot"])
def test_parse_temperature_refuses(text):
    with pytest.raises(sm.SoftmaxInputError):
        sm.parse_temperature(text)


def test_temperature_bounds_are_accepted():
    assert sm.parse_temperature("0.1") == 0.1 and sm.parse_temperature(" 10 ") == 10.0
    with pytest.raises(sm.SoftmaxInputError):
        sm.check_temperature(True)


# ---------------------------------------------------------------- the log slider
def test_slider_is_logarithmic():
    assert sm.slider_to_temperature(0) == pytest.approx(0.1)
    assert sm.slider_to_temperature(sm.SLIDER_STEPS // 2) == pytest.approx(1.0)  # the geometric middle
    assert sm.slider_to_temperature(sm.SLIDER_STEPS) == pytest.approx(10.0)
    assert sm.temperature_to_slider(1.0) == sm.SLIDER_STEPS // 2
    for position in range(0, sm.SLIDER_STEPS + 1, 7):
        assert sm.temperature_to_slider(sm.slider_to_temperature(position)) == position


def test_texts_name_the_units_and_the_limits():
    result = sm.compute([1.0, 1.0, 1.0, 1.0])
    text = sm.entropy_text(result)
    assert "1.386 nats" in text and "2.000 bits" in text and "ln 4" in text  # ln 4 = 1.386
    assert "argmax" in sm.temperature_text(0.2) and "uniform" in sm.temperature_text(5.0)
    table = sm.format_table(sm.compute([3.0, 0.7, 0.5]))
    assert [line.split()[-1] for line in table.splitlines()[1:4]] == ["0.846", "0.085", "0.069"]
