"""Trends, alerts and command statistics over a project's quality runs (pure functions).

A metric's trend is a least-squares line through its points over the window, so one noisy
run at either end does not decide it: ``first`` and ``last`` are the fitted values at the
first and last run, and ``changePct`` is their relative change. Degradation is that change
taken against the metric's better direction (falling coverage, rising complexity); an alert
is raised when it passes the threshold, with the severity of its band.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Degradation above this many percent is critical, above WARNING_PCT a warning, and above
#: the threshold (DEFAULT_THRESHOLD_PCT unless asked) information.
CRITICAL_PCT = 25.0
WARNING_PCT = 10.0
DEFAULT_THRESHOLD_PCT = 5.0
#: A fitted change smaller than this (in percent) is a stable trend.
STABLE_PCT = 1.0
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class QualityRunRecord:
    """One stored quality run."""

    id: str
    command: str
    at: datetime
    build_status: str | None = None
    lint_score: float | None = None
    security_score: float | None = None
    type_score: float | None = None
    complexity: float | None = None
    tests_passed: int | None = None
    tests_failed: int | None = None
    coverage: float | None = None
    duration_seconds: float | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the run passed: no failed build and no failed test."""
        return self.build_status != "FAILED" and not self.tests_failed

    @property
    def test_pass_rate(self) -> float | None:
        """Passed tests as a percentage of the tests run (None when none ran)."""
        total = (self.tests_passed or 0) + (self.tests_failed or 0)
        return None if total == 0 else 100.0 * (self.tests_passed or 0) / total

    @property
    def build_success(self) -> float | None:
        """100 for a passed build, 0 for a failed one, None when not reported."""
        if self.build_status is None:
            return None
        return 100.0 if self.build_status == "PASSED" else 0.0


@dataclass(frozen=True)
class Metric:
    """A figure followed over time, and which way is better."""

    name: str
    label: str
    higher_is_better: bool
    value: Callable[[QualityRunRecord], float | None]


METRICS: tuple[Metric, ...] = (
    Metric("BUILD_SUCCESS", "build success (%)", True, lambda r: r.build_success),
    Metric("LINT_SCORE", "lint score", True, lambda r: r.lint_score),
    Metric("SECURITY_SCORE", "security score", True, lambda r: r.security_score),
    Metric("TYPE_SCORE", "type score", True, lambda r: r.type_score),
    Metric("COMPLEXITY", "complexity", False, lambda r: r.complexity),
    Metric("TEST_PASS_RATE", "test pass rate (%)", True, lambda r: r.test_pass_rate),
    Metric("COVERAGE", "coverage", True, lambda r: r.coverage),
)


@dataclass(frozen=True)
class Point:
    """One run's value of a metric."""

    at: datetime
    value: float


@dataclass(frozen=True)
class Trend:
    """A metric's least-squares trend over the window."""

    metric: Metric
    first: float
    last: float
    change_pct: float | None
    times: Sequence[datetime] = field(repr=False)
    values: FloatArray = field(repr=False)

    @property
    def points(self) -> list[Point]:
        """The runs' values, oldest first."""
        return [Point(at, float(v)) for at, v in zip(self.times, self.values, strict=True)]

    @property
    def runs(self) -> int:
        """How many runs reported the metric."""
        return len(self.times)

    @property
    def degradation_pct(self) -> float | None:
        """The change against the metric's better direction (positive: it got worse)."""
        if self.change_pct is None:
            return None
        return -self.change_pct if self.metric.higher_is_better else self.change_pct

    @property
    def direction(self) -> str:
        """IMPROVING, DEGRADING or STABLE (a change under STABLE_PCT either way)."""
        worse = self.degradation_pct
        if worse is None:  # from zero: any move is large, its sign says which way
            worse = (self.last - self.first) * (-1 if self.metric.higher_is_better else 1)
            if worse == 0:
                return "STABLE"
            return "DEGRADING" if worse > 0 else "IMPROVING"
        if abs(worse) < STABLE_PCT:
            return "STABLE"
        return "DEGRADING" if worse > 0 else "IMPROVING"


@dataclass(frozen=True)
class Alert:
    """A metric whose trend degraded past the threshold."""

    metric: Metric
    severity: str
    change_pct: float
    degradation_pct: float
    message: str


@dataclass(frozen=True)
class CommandStats:
    """How one command ran over the window."""

    command: str
    runs: int
    success_rate: float
    mean_seconds: float | None
    p95_seconds: float | None


def least_squares(
    xs: Sequence[float] | FloatArray, ys: Sequence[float] | FloatArray
) -> tuple[float, float]:
    """Intercept and slope of the least-squares line through (xs, ys).

    One point, or points that all share an x, give a flat line through their mean.
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    mean_x, mean_y = float(x.mean()), float(y.mean())
    dx = x - mean_x
    spread = float(dx @ dx)
    if spread == 0:
        return mean_y, 0.0
    slope = float(dx @ (y - mean_y)) / spread
    return mean_y - slope * mean_x, slope


def change_pct(first: float, last: float) -> float | None:
    """The relative change from ``first`` to ``last`` in percent (None from zero to non-zero)."""
    if first == 0:
        return 0.0 if last == 0 else None
    return (last - first) / abs(first) * 100.0


def trend_of(
    metric: Metric, runs: Sequence[QualityRunRecord], days: FloatArray | None = None
) -> Trend | None:
    """The metric's trend over ``runs`` (in time order), or None if no run reports it.

    ``days`` are the runs' times in days from any origin (computed when not given).
    """
    if days is None:
        days = run_days(runs)
    raw = np.fromiter(
        (np.nan if (v := metric.value(r)) is None else v for r in runs), np.float64, len(runs)
    )
    reported = ~np.isnan(raw)
    if not reported.any():
        return None
    xs, ys = days[reported], raw[reported]
    intercept, slope = least_squares(xs, ys)
    first = intercept + slope * float(xs[0])
    last = intercept + slope * float(xs[-1])
    times = [r.at for r, kept in zip(runs, reported.tolist(), strict=True) if kept]
    return Trend(metric, first, last, change_pct(first, last), times, ys)


def run_days(runs: Sequence[QualityRunRecord]) -> FloatArray:
    """The runs' times in days since the first run."""
    if not runs:
        return np.zeros(0)
    origin = runs[0].at
    return np.fromiter(
        ((r.at - origin).total_seconds() / SECONDS_PER_DAY for r in runs), np.float64, len(runs)
    )


def trends(runs: Sequence[QualityRunRecord]) -> list[Trend]:
    """Every metric's trend over ``runs`` (in time order), in METRICS order."""
    days = run_days(runs)
    found = (trend_of(metric, runs, days) for metric in METRICS)
    return [trend for trend in found if trend is not None]


def severity_of(degradation: float, threshold: float = DEFAULT_THRESHOLD_PCT) -> str | None:
    """CRITICAL, WARNING or INFO for a degradation in percent, None at or under threshold."""
    if degradation <= threshold:
        return None
    if degradation > CRITICAL_PCT:
        return "CRITICAL"
    if degradation > WARNING_PCT:
        return "WARNING"
    return "INFO"


def alerts(
    found: Sequence[Trend], days: int, threshold: float = DEFAULT_THRESHOLD_PCT
) -> list[Alert]:
    """Alerts for the trends that degraded past ``threshold``, worst first."""
    raised = []
    for trend in found:
        worse = trend.degradation_pct
        if worse is None or trend.change_pct is None:
            continue
        severity = severity_of(worse, threshold)
        if severity is None:
            continue
        message = (
            f"{trend.metric.label} degraded {worse:.1f}% over the last {days} days "
            f"(fitted {trend.first:.4g} -> {trend.last:.4g}, {trend.runs} runs)"
        )
        raised.append(Alert(trend.metric, severity, trend.change_pct, worse, message))
    return sorted(raised, key=lambda a: -a.degradation_pct)


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``, interpolating linearly between ranks."""
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def command_stats(runs: Sequence[QualityRunRecord]) -> list[CommandStats]:
    """Runs, success rate and durations per command, slowest (by mean) first."""
    by_command: dict[str, list[QualityRunRecord]] = {}
    for run in runs:
        by_command.setdefault(run.command, []).append(run)
    stats = []
    for command, group in by_command.items():
        durations = [r.duration_seconds for r in group if r.duration_seconds is not None]
        stats.append(
            CommandStats(
                command=command,
                runs=len(group),
                success_rate=sum(r.succeeded for r in group) / len(group),
                mean_seconds=sum(durations) / len(durations) if durations else None,
                p95_seconds=percentile(durations, 0.95) if durations else None,
            )
        )
    return sorted(stats, key=lambda s: (s.mean_seconds is None, -(s.mean_seconds or 0), s.command))
