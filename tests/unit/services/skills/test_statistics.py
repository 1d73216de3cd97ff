"""The statistics functions against hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kgservice.services.skills.statistics import (
    least_squares_slope,
    log_duration_shift,
    percentile,
    two_proportion_test,
    two_sided_p,
    wilson_interval,
)


def test_wilson_interval_by_hand() -> None:
    # 8 of 10, z = 1.959964: centre (0.8 + z²/20)/(1 + z²/10), half z·sqrt(0.016 + z²/400)/(1 + z²/10)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.016 + z * z / 400) / (1 + z * z / 10)
    interval = wilson_interval(8, 10)
    assert interval is not None
    assert interval.low == pytest.approx(centre - half)
    assert interval.high == pytest.approx(centre + half)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.4902, 0.9433)
    none = wilson_interval(0, 10)
    assert none is not None
    assert none.low == 0.0
    assert none.high == pytest.approx(0.2775, abs=1e-4)
    assert wilson_interval(0, 0) is None


def test_two_proportion_test_pooled_by_hand() -> None:
    # a: 45/50 = 0.9, b: 30/50 = 0.6; pooled 0.75; se = sqrt(0.75·0.25·(2/50)) = 0.0866025
    test = two_proportion_test(45, 50, 30, 50)
    assert test is not None
    assert test.difference == pytest.approx(-0.3)
    assert test.z_score == pytest.approx(-0.3 / math.sqrt(0.75 * 0.25 * 0.04))
    assert test.z_score == pytest.approx(-3.4641, abs=1e-4)
    assert test.p_value == pytest.approx(0.000532, abs=1e-6)
    # unpooled interval: se = sqrt(0.9·0.1/50 + 0.6·0.4/50) = 0.0812404
    se = math.sqrt(0.09 / 50 + 0.24 / 50)
    assert test.interval.low == pytest.approx(-0.3 - 1.959964 * se, abs=1e-6)
    assert test.interval.high == pytest.approx(-0.3 + 1.959964 * se, abs=1e-6)
    assert two_proportion_test(5, 5, 5, 5) is not None
    assert two_proportion_test(5, 5, 5, 5).z_score == 0.0  # type: ignore[union-attr]
    assert two_proportion_test(1, 0, 1, 2) is None


def test_two_sided_p() -> None:
    assert two_sided_p(1.959963984540054) == pytest.approx(0.05)
    assert two_sided_p(0.0) == 1.0


def test_least_squares_slope_by_hand() -> None:
    assert least_squares_slope([0, 1, 2], [1.0, 2 / 3, 2 / 3]) == pytest.approx(-1 / 6)
    assert least_squares_slope([0, 2, 5], [0.5, 0.5, 0.5]) == 0.0
    assert least_squares_slope([3], [1.0]) is None
    assert least_squares_slope([3, 3], [1.0, 0.0]) is None


def test_log_duration_shift_by_hand() -> None:
    baseline = np.array([100.0, 100.0 * math.e, 100.0 * math.e**2])  # logs: l, l+1, l+2
    recent = np.array([100.0 * math.e, 100.0 * math.e**2, 100.0 * math.e**3])  # l+1 .. l+3
    shift = log_duration_shift(baseline, recent)
    assert shift is not None
    # means differ by 1, variances 1 each: se = sqrt(1/3 + 1/3)
    assert shift.z_score == pytest.approx(1 / math.sqrt(2 / 3))
    assert shift.baseline == pytest.approx(100.0 * math.e)
    assert shift.recent == pytest.approx(100.0 * math.e**2)
    assert log_duration_shift(baseline, recent[:1]) is None


def test_percentile() -> None:
    values = np.arange(100.0, 1001.0, 100.0)
    assert percentile(values, 50) == pytest.approx(550.0)
    assert percentile(values, 95) == pytest.approx(955.0)
    assert percentile(np.array([]), 50) is None
