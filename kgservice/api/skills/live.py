"""The ``skillMetricsLive`` subscription: per-skill figures pushed at each interval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import bounded, call_service
from kgservice.clock import utc_now
from kgservice.services.skills import live


@strawberry.type(description="Figures of one window.")
class SkillWindowFigures:
    invocations: int
    completed: int
    completion_rate: float | None
    duration_p50_ms: float | None

    @classmethod
    def from_figures(cls, figures: live.WindowFigures) -> SkillWindowFigures:
        """Build from the service's figures."""
        return cls(
            invocations=figures.invocations,
            completed=figures.completed,
            completion_rate=figures.completion_rate,
            duration_p50_ms=figures.duration_p50_ms,
        )


@strawberry.type(description="A skill's figures for the last hour and the last day.")
class SkillLiveFigures:
    skill: str
    last_hour: SkillWindowFigures
    last_day: SkillWindowFigures


@strawberry.type(description="Every skill's live figures at one moment.")
class SkillMetricsSnapshot:
    at: datetime
    skills: list[SkillLiveFigures]


@strawberry.type
class SkillLiveSubscription:
    @strawberry.subscription(
        description="Per-skill invocations, completion rate and median duration for the last "
        "hour and day, now and then every intervalSeconds (1..3600), until the client leaves."
    )
    async def skill_metrics_live(
        self,
        info: KgInfo,
        namespace: str = "default",
        interval_seconds: int = 5,
        skills: list[str] | None = None,
    ) -> AsyncGenerator[SkillMetricsSnapshot, None]:
        info.context.check_namespace(namespace)
        bounded("intervalSeconds", interval_seconds, 1, 3600)
        graph = info.context.stores.graph
        chosen = await call_service(info, live.check_skills, graph, namespace, skills)
        while True:
            now = utc_now()
            found = await call_service(info, live.live_figures, graph, namespace, chosen, now)
            yield SkillMetricsSnapshot(
                at=now,
                skills=[
                    SkillLiveFigures(
                        skill=f.skill,
                        last_hour=SkillWindowFigures.from_figures(f.last_hour),
                        last_day=SkillWindowFigures.from_figures(f.last_day),
                    )
                    for f in found
                ],
            )
            await asyncio.sleep(interval_seconds)
