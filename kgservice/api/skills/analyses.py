"""GraphQL surface of skill anomalies, dependencies (co-use) and recommendations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import (
    ConflictError,
    NotFoundError,
    ValidationError,
    bounded,
    call_service,
)
from kgservice.api.jobs import Job
from kgservice.api.mutations import run_mutation
from kgservice.services.skills import anomalies, dependencies, recommendations


@strawberry.type(description="A significant degradation of a skill's metric, stored as a node.")
class SkillAnomaly:
    id: strawberry.ID | None = strawberry.field(description="The stored SkillAnomaly node.")
    skill: str
    metric: str = strawberry.field(description="completion_rate or duration_ms.")
    kind: str = strawberry.field(description="completion_drop or duration_spike.")
    baseline: float = strawberry.field(
        description="The baseline's completion rate, or geometric mean duration in ms."
    )
    recent: float
    z_score: float
    p_value: float = strawberry.field(description="One-sided.")
    explanation: str
    detected_at: datetime


@strawberry.type(description="How often two skills are used in the same sessions.")
class SkillDependency:
    from_: str = strawberry.field(name="from")
    to: str
    support: float = strawberry.field(description="Share of sessions using both.")
    confidence: float = strawberry.field(description="Share of `from`'s sessions also using `to`.")
    lift: float = strawberry.field(description="support / (P(from) P(to)); above 1: together.")
    sessions: int = strawberry.field(description="Sessions using both.")


@strawberry.type(description="A skill to try, with its score and why.")
class SkillRecommendation:
    skill: str
    score: float
    reason: str


@strawberry.input(description="Recompute a namespace's co-use edges in a background job.")
class StartSkillDependencyRefreshInput:
    namespace: str = "default"
    since: datetime | None = strawberry.field(default=None, description="Default: 90 days ago.")
    until: datetime | None = None


@strawberry.type
class StartSkillDependencyRefreshPayload:
    job: Job = strawberry.field(description="Its counts end with the number of edges stored.")


StartSkillDependencyRefreshResult: TypeAlias = Annotated[
    StartSkillDependencyRefreshPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("StartSkillDependencyRefreshResult"),
]


def _dependency(c: dependencies.CoUse) -> SkillDependency:
    return SkillDependency(
        from_=c.source,
        to=c.target,
        support=c.support,
        confidence=c.confidence,
        lift=c.lift,
        sessions=c.sessions,
    )


@strawberry.type
class SkillAnalysesQuery:
    @strawberry.field(
        description="Skills whose completion rate dropped or durations rose in [since, now) "
        "(default: the last 24 h) against the baselineDays before; detected ones are stored."
    )
    async def skill_anomalies(
        self,
        info: KgInfo,
        namespace: str = "default",
        since: datetime | None = None,
        baseline_days: int = anomalies.DEFAULT_BASELINE_DAYS,
        threshold: float = anomalies.DEFAULT_THRESHOLD,
    ) -> list[SkillAnomaly]:
        info.context.check_namespace(namespace)
        found = await call_service(
            info,
            anomalies.find_anomalies,
            info.context.stores.graph,
            namespace,
            since=since,
            baseline_days=baseline_days,
            threshold=threshold,
        )
        return [
            SkillAnomaly(
                id=strawberry.ID(a.id) if a.id else None,
                skill=a.skill,
                metric=a.metric,
                kind=a.kind,
                baseline=a.baseline,
                recent=a.recent,
                z_score=a.z_score,
                p_value=a.p_value,
                explanation=a.explanation,
                detected_at=a.detected_at,
            )
            for a in found
        ]

    @strawberry.field(
        description="Stored co-use of skills within sessions (startSkillDependencyRefresh "
        "recomputes it), by lift."
    )
    async def skill_dependencies(
        self,
        info: KgInfo,
        namespace: str = "default",
        min_support: float = 0.0,
        min_lift: float = 0.0,
    ) -> list[SkillDependency]:
        info.context.check_namespace(namespace)
        found = await call_service(
            info,
            dependencies.stored_dependencies,
            info.context.stores.graph,
            namespace,
            min_support,
            min_lift,
        )
        return [_dependency(c) for c in found]

    @strawberry.field(
        description="Skills to try, item-based over the user-skill graph (Jaccard of "
        "distinct users, completion-weighted); skills the user uses only with includeUsed."
    )
    async def recommend_skills(
        self,
        info: KgInfo,
        user_id: str,
        k: int = 10,
        namespace: str = "default",
        include_used: bool = False,
    ) -> list[SkillRecommendation]:
        info.context.check_namespace(namespace)
        bounded("k", k, 1, recommendations.MAX_K)
        found = await call_service(
            info,
            recommendations.recommend_skills,
            info.context.stores.graph,
            namespace,
            user_id,
            k,
            include_used=include_used,
        )
        return [SkillRecommendation(skill=r.skill, score=r.score, reason=r.reason) for r in found]


@strawberry.type
class SkillAnalysesMutation:
    @strawberry.mutation(
        description="Start a job that recomputes co-use in the window and replaces the "
        "namespace's CO_USED edges; follow it with job(id) or jobProgress."
    )
    async def start_skill_dependency_refresh(
        self, info: KgInfo, input: StartSkillDependencyRefreshInput
    ) -> StartSkillDependencyRefreshResult:
        info.context.check_namespace(input.namespace)
        jobs = info.context.services.skill_dependencies
        return await run_mutation(
            info,
            lambda: jobs.start(input.namespace, input.since, input.until),
            lambda job: StartSkillDependencyRefreshPayload(job=Job.from_record(job)),
        )
