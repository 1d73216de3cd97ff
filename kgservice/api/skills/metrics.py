"""GraphQL surface of skill metrics: ``skillMetrics`` and ``skillTrend``."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Self

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import call_service
from kgservice.services.skills import metrics
from kgservice.services.skills.statistics import ProportionTest


@strawberry.type(description="Counts, completion rate (Wilson 95 % interval), durations, trend.")
class SkillFigures:
    invocations: int
    completed: int
    completion_rate: float | None
    completion_rate_low: float | None
    completion_rate_high: float | None
    duration_p50_ms: float | None
    duration_p95_ms: float | None
    trend_per_day: float | None = strawberry.field(
        description="Least-squares slope of the daily completion rates (days with data)."
    )

    @classmethod
    def from_summary(cls, summary: metrics.Summary) -> Self:
        """Build from a service summary."""
        interval = summary.interval
        return cls(
            invocations=summary.invocations,
            completed=summary.completed,
            completion_rate=summary.completion_rate,
            completion_rate_low=interval.low if interval else None,
            completion_rate_high=interval.high if interval else None,
            duration_p50_ms=summary.duration_p50_ms,
            duration_p95_ms=summary.duration_p95_ms,
            trend_per_day=summary.trend_per_day,
        )


@strawberry.type(description="A difference of completion rates with its 95 % interval.")
class RateDifference:
    difference: float = strawberry.field(description="The user's rate minus the others' rate.")
    low: float
    high: float
    z_score: float = strawberry.field(description="Two-proportion z (pooled standard error).")
    p_value: float

    @classmethod
    def from_test(cls, test: ProportionTest) -> Self:
        """Build from a service test."""
        return cls(
            difference=test.difference,
            low=test.interval.low,
            high=test.interval.high,
            z_score=test.z_score,
            p_value=test.p_value,
        )


@strawberry.type(description="A skill's figures in a window (of one user, when asked).")
class SkillMetrics(SkillFigures):
    skill: str
    since: datetime
    until: datetime
    community: SkillFigures | None = strawberry.field(
        description="With userId: the same figures over every user."
    )
    user_difference: RateDifference | None = strawberry.field(
        description="With userId: the user's completion rate minus the other users'."
    )


@strawberry.enum(description="Trend bucket width.")
class TrendBucketSize(Enum):
    HOUR = "HOUR"
    DAY = "DAY"


@strawberry.type(description="One bucket of a skill's trend; empty buckets have zero counts.")
class SkillTrendBucket:
    start: datetime
    invocations: int
    completed: int
    completion_rate: float | None
    duration_p50_ms: float | None


@strawberry.type
class SkillMetricsQuery:
    @strawberry.field(
        description="A skill's metrics over [since, until) (default: the last 30 days)."
    )
    async def skill_metrics(
        self,
        info: KgInfo,
        skill: str,
        namespace: str = "default",
        since: datetime | None = None,
        until: datetime | None = None,
        phase: str | None = None,
        user_id: str | None = None,
    ) -> SkillMetrics:
        info.context.check_namespace(namespace)
        found = await call_service(
            info,
            metrics.skill_metrics,
            info.context.stores.graph,
            namespace,
            skill,
            since=since,
            until=until,
            phase=phase,
            user_id=user_id,
        )
        figures = SkillFigures.from_summary(found.summary)
        return SkillMetrics(
            **vars(figures),
            skill=found.skill,
            since=found.window.since,
            until=found.window.until,
            community=SkillFigures.from_summary(found.community) if found.community else None,
            user_difference=(
                RateDifference.from_test(found.user_difference) if found.user_difference else None
            ),
        )

    @strawberry.field(
        description="A skill's invocations per HOUR or DAY bucket (UTC-aligned), empty "
        "buckets included (default window: 7 days of hours or 30 of days)."
    )
    async def skill_trend(
        self,
        info: KgInfo,
        skill: str,
        bucket: TrendBucketSize,
        namespace: str = "default",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[SkillTrendBucket]:
        info.context.check_namespace(namespace)
        found = await call_service(
            info,
            metrics.skill_trend,
            info.context.stores.graph,
            namespace,
            skill,
            metrics.Bucket[bucket.value],
            since=since,
            until=until,
        )
        return [
            SkillTrendBucket(
                start=b.start,
                invocations=b.invocations,
                completed=b.completed,
                completion_rate=b.completion_rate,
                duration_p50_ms=b.duration_p50_ms,
            )
            for b in found
        ]
