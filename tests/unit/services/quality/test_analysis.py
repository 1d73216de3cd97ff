"""Least squares, bands, directions and percentiles against hand-computed answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kgservice.services.quality.analysis import (
    METRICS,
    QualityRunRecord,
    alerts,
    change_pct,
    command_stats,
    least_squares,
    percentile,
    severity_of,
    trend_of,
    trends,
)

T0 = datetime(2026, 1, 1)
BY_NAME = {m.name: m for m in METRICS}


def run(day: float, **figures: object) -> QualityRunRecord:
    return QualityRunRecord(
        id=f"r{day}",
        command=str(figures.pop("command", "x")),
        at=T0 + timedelta(days=day),
        **figures,
    )  # type: ignore[arg-type]


def test_least_squares_by_hand() -> None:
    # x 0..3, y 80 90 70 60: mean (1.5, 75), Sxx 5, Sxy -40 -> slope -8, intercept 87
    assert least_squares([0, 1, 2, 3], [80, 90, 70, 60]) == pytest.approx((87.0, -8.0))
    # one point, or all at one x: flat through the mean
    assert least_squares([2.0], [7.0]) == (7.0, 0.0)
    assert least_squares([1.0, 1.0], [4.0, 6.0]) == (5.0, 0.0)


def test_fit_uses_time_not_rank() -> None:
    # values at days 0, 1 and 10: y = x fits exactly, so first 0 and last 10
    lint = trend_of(
        BY_NAME["LINT_SCORE"],
        [run(0, lint_score=0.0), run(1, lint_score=1.0), run(10, lint_score=10.0)],
    )
    assert lint is not None
    assert (lint.first, lint.last) == (pytest.approx(0.0), pytest.approx(10.0))
    assert lint.change_pct is None  # from zero
    assert lint.direction == "IMPROVING"


def test_change_pct() -> None:
    assert change_pct(80, 60) == -25.0
    assert change_pct(-10, -5) == 50.0  # relative to |first|
    assert change_pct(0, 0) == 0.0
    assert change_pct(0, 3) is None


def test_bands_and_threshold() -> None:
    assert severity_of(5.0) is None  # at the threshold: no alert
    assert severity_of(5.01) == "INFO"
    assert severity_of(10.0) == "INFO"
    assert severity_of(10.01) == "WARNING"
    assert severity_of(25.0) == "WARNING"
    assert severity_of(25.01) == "CRITICAL"
    assert severity_of(3.0, threshold=2.0) == "INFO"
    assert severity_of(12.0, threshold=15.0) is None
    assert severity_of(20.0, threshold=15.0) == "WARNING"
    assert severity_of(-40.0) is None  # an improvement


def test_degradation_follows_each_metric_direction() -> None:
    runs = [
        run(0, complexity=10.0, coverage=0.5, tests_passed=9, tests_failed=1),
        run(1, complexity=8.0, coverage=0.6, tests_passed=5, tests_failed=5),
    ]
    found = {t.metric.name: t for t in trends(runs)}
    # complexity 10 -> 8 is 20 % better; coverage +20 % better; pass rate 90 -> 50 is worse
    assert found["COMPLEXITY"].change_pct == pytest.approx(-20.0)
    assert found["COMPLEXITY"].direction == "IMPROVING"
    assert found["COVERAGE"].direction == "IMPROVING"
    assert found["TEST_PASS_RATE"].change_pct == pytest.approx(-40 / 90 * 100)
    raised = alerts(list(found.values()), days=7)
    assert [(a.metric.name, a.severity) for a in raised] == [("TEST_PASS_RATE", "CRITICAL")]
    assert raised[0].degradation_pct == pytest.approx(40 / 90 * 100)
    assert "over the last 7 days" in raised[0].message


def test_rising_complexity_alerts() -> None:
    runs = [run(0, complexity=10.0), run(1, complexity=11.5)]
    (trend,) = trends(runs)
    assert trend.degradation_pct == pytest.approx(15.0)
    (alert,) = alerts([trend], days=30)
    assert (alert.severity, alert.change_pct) == ("WARNING", pytest.approx(15.0))


def test_stable_and_missing_metrics() -> None:
    runs = [run(0, lint_score=80.0), run(1, lint_score=80.5), run(2)]
    (lint,) = trends(runs)  # no other metric was reported
    assert lint.direction == "STABLE"  # +0.625 %
    assert len(lint.points) == 2


def test_percentile_interpolates() -> None:
    assert percentile([10, 12, 30], 0.95) == pytest.approx(28.2)
    assert percentile([5], 0.95) == 5
    assert percentile(list(range(1, 101)), 0.95) == pytest.approx(95.05)
    assert percentile([3, 1, 2], 0.5) == 2


def test_command_stats_by_hand() -> None:
    runs = [
        run(0, command="lint", duration_seconds=2.0, build_status="PASSED"),
        run(1, command="test", duration_seconds=10.0, tests_passed=5, tests_failed=0),
        run(2, command="test", duration_seconds=20.0, tests_failed=2),
        run(3, command="test", build_status="FAILED"),
        run(4, command="docs"),
    ]
    stats = command_stats(runs)
    assert [s.command for s in stats] == ["test", "lint", "docs"]  # docs has no durations
    test = stats[0]
    assert (test.runs, test.success_rate) == (3, pytest.approx(1 / 3))
    assert test.mean_seconds == 15.0
    assert test.p95_seconds == pytest.approx(19.5)
    assert (stats[2].mean_seconds, stats[2].p95_seconds, stats[2].success_rate) == (None, None, 1.0)
