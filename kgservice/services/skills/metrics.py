"""Per-skill metrics and trends, computed from the skill's invocations at the time of asking.

One query reads the columns needed of the skill's invocations in the window (from the
skill, over its ``INVOKED`` edges); numpy does the rest. Nothing is cached, so "the last
hour" is always the last hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import numpy as np
import numpy.typing as npt

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.services.skills.invocations import naive_utc
from kgservice.services.skills.statistics import (
    FloatArray,
    Interval,
    ProportionTest,
    least_squares_slope,
    percentile,
    two_proportion_test,
    wilson_interval,
)
from kgservice.services.skills.taxonomy import find_skill
from kgservice.stores.graph import GraphStore

DEFAULT_DAYS = 30
MAX_BUCKETS = 5_000
DAY_S = 86_400.0
EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - the graph's timestamps are naive UTC


class Bucket(Enum):
    """The width of a trend bucket."""

    HOUR = 3_600
    DAY = 86_400


@dataclass(frozen=True)
class Window:
    """A half-open time window [since, until) in naive UTC."""

    since: datetime
    until: datetime


def resolve_window(
    since: datetime | None, until: datetime | None, *, default_days: int = DEFAULT_DAYS
) -> Window:
    """The window asked for: ``until`` defaults to now, ``since`` to ``default_days`` before.

    Raises:
        InputError: ``since`` is not before ``until``.
    """
    end = naive_utc(until) if until is not None else utc_now()
    start = naive_utc(since) if since is not None else end - timedelta(days=default_days)
    if start >= end:
        raise InputError("since", "must be before until")
    return Window(start, end)


@dataclass(frozen=True)
class InvocationColumns:
    """Invocations as columns: seconds since the epoch, outcome, duration (NaN if unknown)."""

    at: FloatArray
    completed: npt.NDArray[np.bool_]
    duration_ms: FloatArray
    user_id: npt.NDArray[np.object_]
    phase: npt.NDArray[np.object_]

    def where(self, mask: npt.NDArray[np.bool_]) -> InvocationColumns:
        """The invocations selected by ``mask``."""
        return InvocationColumns(
            self.at[mask],
            self.completed[mask],
            self.duration_ms[mask],
            self.user_id[mask],
            self.phase[mask],
        )


def seconds(moment: datetime) -> float:
    """Seconds since the epoch of a naive UTC datetime."""
    return (moment - EPOCH).total_seconds()


def read_skill_invocations(
    graph: GraphStore, namespace: str, skill: str, window: Window
) -> InvocationColumns:
    """The columns of one skill's invocations in ``window``.

    Raises:
        NotFoundError: no such skill in the namespace.
    """
    name = skill.strip()
    _, rows = graph.run_values(
        "skills/skill_invocations",
        {"namespace": namespace, "name": name, "since": window.since, "until": window.until},
    )
    if not rows:
        find_skill(graph, namespace, name)  # an unknown skill, or none in the window
    count = len(rows)
    at = np.fromiter((seconds(r[0]) for r in rows), np.float64, count)
    completed = np.fromiter((bool(r[1]) for r in rows), np.bool_, count)
    duration = np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, count)
    users = np.array([r[3] for r in rows], dtype=object)
    phases = np.array([r[4] for r in rows], dtype=object)
    return InvocationColumns(at, completed, duration, users, phases)


@dataclass(frozen=True)
class Summary:
    """Counts, completion rate with its Wilson interval, duration percentiles, daily trend."""

    invocations: int
    completed: int
    completion_rate: float | None
    interval: Interval | None
    duration_p50_ms: float | None
    duration_p95_ms: float | None
    trend_per_day: float | None


def daily_trend(columns: InvocationColumns, window: Window) -> float | None:
    """The least-squares slope of daily completion rates (per day), over days with data."""
    if columns.at.size == 0:
        return None
    day = np.floor((columns.at - seconds(window.since)) / DAY_S).astype(np.int64)
    days, inverse = np.unique(day, return_inverse=True)
    runs = np.bincount(inverse)
    done = np.bincount(inverse, weights=columns.completed.astype(np.float64))
    return least_squares_slope(days.astype(np.float64).tolist(), (done / runs).tolist())


def summarise(columns: InvocationColumns, window: Window) -> Summary:
    """The summary of a set of invocations over ``window``."""
    runs = int(columns.at.size)
    done = int(columns.completed.sum())
    durations = columns.duration_ms[~np.isnan(columns.duration_ms)]
    return Summary(
        invocations=runs,
        completed=done,
        completion_rate=done / runs if runs else None,
        interval=wilson_interval(done, runs),
        duration_p50_ms=percentile(durations, 50),
        duration_p95_ms=percentile(durations, 95),
        trend_per_day=daily_trend(columns, window),
    )


@dataclass(frozen=True)
class SkillMetrics:
    """A skill's figures; with a user, also the community's and the user's difference."""

    skill: str
    window: Window
    summary: Summary
    community: Summary | None
    user_difference: ProportionTest | None


def skill_metrics(
    graph: GraphStore,
    namespace: str,
    skill: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    phase: str | None = None,
    user_id: str | None = None,
) -> SkillMetrics:
    """Metrics of ``skill`` in the window, optionally of one workflow phase and one user.

    With ``user_id`` the community figures cover every user (same phase and window), and
    ``user_difference`` compares the user's completion rate with the other users' (rate of
    the user minus rate of the others, so the two samples are independent).

    Raises:
        InputError: ``since`` not before ``until``.
        NotFoundError: no such skill in the namespace.
    """
    window = resolve_window(since, until)
    columns = read_skill_invocations(graph, namespace, skill, window)
    if phase is not None:
        columns = columns.where(columns.phase == phase)
    if user_id is None:
        return SkillMetrics(skill.strip(), window, summarise(columns, window), None, None)
    mine = columns.user_id == user_id
    own, others = columns.where(mine), columns.where(~mine)
    difference = two_proportion_test(
        int(others.completed.sum()), int(others.at.size), int(own.completed.sum()), int(own.at.size)
    )
    return SkillMetrics(
        skill.strip(), window, summarise(own, window), summarise(columns, window), difference
    )


@dataclass(frozen=True)
class TrendBucket:
    """One bucket of a trend (empty buckets have zero counts and no rate)."""

    start: datetime
    invocations: int
    completed: int
    completion_rate: float | None
    duration_p50_ms: float | None


def bucket_starts(window: Window, bucket: Bucket) -> list[datetime]:
    """The starts of the buckets covering ``window``, aligned to whole hours or days (UTC)."""
    width = bucket.value
    first = int(seconds(window.since) // width) * width
    last = seconds(window.until)
    count = int(np.ceil((last - first) / width))
    if count > MAX_BUCKETS:
        raise InputError("since", f"the window holds {count} buckets; at most {MAX_BUCKETS}")
    return [EPOCH + timedelta(seconds=first + k * width) for k in range(count)]


def bucket_medians(index: npt.NDArray[np.int64], values: FloatArray, buckets: int) -> FloatArray:
    """The median of the non-NaN values of each bucket (NaN where none), by one sort."""
    known = ~np.isnan(values)
    index, values = index[known], values[known]
    order = np.lexsort((values, index))
    index, values = index[order], values[order]
    counts = np.bincount(index, minlength=buckets)
    starts = np.cumsum(counts) - counts
    medians = np.full(buckets, np.nan)
    filled = counts > 0
    low = starts[filled] + (counts[filled] - 1) // 2
    high = starts[filled] + counts[filled] // 2
    medians[filled] = (values[low] + values[high]) / 2
    return medians


def skill_trend(
    graph: GraphStore,
    namespace: str,
    skill: str,
    bucket: Bucket,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[TrendBucket]:
    """A skill's invocations per hour or day in the window, empty buckets included.

    Raises:
        InputError: ``since`` not before ``until``, or more than MAX_BUCKETS buckets.
        NotFoundError: no such skill in the namespace.
    """
    window = resolve_window(since, until, default_days=7 if bucket is Bucket.HOUR else 30)
    starts = bucket_starts(window, bucket)
    columns = read_skill_invocations(graph, namespace, skill, window)
    origin = seconds(starts[0]) if starts else 0.0
    index = ((columns.at - origin) // bucket.value).astype(np.int64)
    runs = np.bincount(index, minlength=len(starts))
    done = np.bincount(index, weights=columns.completed.astype(np.float64), minlength=len(starts))
    medians = bucket_medians(index, columns.duration_ms, len(starts))
    result = []
    for k, start in enumerate(starts):
        n = int(runs[k])
        result.append(
            TrendBucket(
                start=start,
                invocations=n,
                completed=int(done[k]),
                completion_rate=float(done[k]) / n if n else None,
                duration_p50_ms=None if np.isnan(medians[k]) else float(medians[k]),
            )
        )
    return result
