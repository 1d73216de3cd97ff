"""The statistics behind skills analytics, as plain functions over counts and arrays.

Every function here is checked against hand-computed answers in
``tests/unit/services/skills/test_statistics.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: The two-sided 95 % normal quantile.
Z95 = 1.959963984540054

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Interval:
    """A confidence interval."""

    low: float
    high: float


@dataclass(frozen=True)
class ProportionTest:
    """Two proportions compared: ``difference`` is ``rate_b - rate_a``."""

    rate_a: float
    rate_b: float
    difference: float
    interval: Interval
    z_score: float
    p_value: float


def wilson_interval(successes: int, trials: int, z: float = Z95) -> Interval | None:
    """The Wilson score interval of a proportion (None without trials).

    >>> i = wilson_interval(8, 10); round(i.low, 4), round(i.high, 4)
    (0.4902, 0.9433)
    """
    if trials <= 0:
        return None
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def two_sided_p(z: float) -> float:
    """The two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def two_proportion_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, z: float = Z95
) -> ProportionTest | None:
    """Compare proportion b with proportion a (None when either has no trials).

    The z-score uses the pooled standard error (the null hypothesis of equal rates); the
    interval of the difference uses the unpooled (Wald) standard error. With a pooled rate
    of 0 or 1 the rates are equal and the z-score is 0.
    """
    if trials_a <= 0 or trials_b <= 0:
        return None
    p_a = successes_a / trials_a
    p_b = successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    score = (p_b - p_a) / pooled_se if pooled_se > 0 else 0.0
    se = math.sqrt(p_a * (1 - p_a) / trials_a + p_b * (1 - p_b) / trials_b)
    difference = p_b - p_a
    return ProportionTest(
        rate_a=p_a,
        rate_b=p_b,
        difference=difference,
        interval=Interval(difference - z * se, difference + z * se),
        z_score=score,
        p_value=two_sided_p(score),
    )


@dataclass(frozen=True)
class ShiftTest:
    """A shift of durations: geometric means and the z-score of the log difference."""

    baseline: float
    recent: float
    z_score: float
    p_value: float


def log_duration_shift(baseline: FloatArray, recent: FloatArray) -> ShiftTest | None:
    """Welch's z-test on log durations (recent against baseline); None below 2 values each.

    Durations are positive and right-skewed, so their logs are compared; the reported
    figures are geometric means in milliseconds. Zero durations count as 1 ms.
    """
    if baseline.size < 2 or recent.size < 2:
        return None
    log_b = np.log(np.maximum(baseline, 1.0))
    log_r = np.log(np.maximum(recent, 1.0))
    se = math.sqrt(float(log_b.var(ddof=1)) / log_b.size + float(log_r.var(ddof=1)) / log_r.size)
    diff = float(log_r.mean() - log_b.mean())
    score = diff / se if se > 0 else 0.0
    return ShiftTest(
        baseline=math.exp(float(log_b.mean())),
        recent=math.exp(float(log_r.mean())),
        z_score=score,
        p_value=two_sided_p(score),
    )


def least_squares_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The least-squares slope of ys on xs (None with fewer than two distinct xs).

    >>> least_squares_slope([0, 1, 2], [1.0, 0.5, 0.0])
    -0.5
    """
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if x.size < 2 or np.ptp(x) == 0:
        return None
    dx = x - x.mean()
    return float((dx * (y - y.mean())).sum() / (dx * dx).sum())


def percentile(values: FloatArray, q: float) -> float | None:
    """The q-th percentile (linear interpolation, numpy's default); None when empty."""
    if values.size == 0:
        return None
    return float(np.percentile(values, q))
