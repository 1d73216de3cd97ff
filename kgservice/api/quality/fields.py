"""Quality fields: record runs, read trends, alerts and command statistics, live alerts.

Mutations return typed errors; reads and the subscription raise GraphQL errors for bad
arguments and unknown projects (``extensions.code`` VALIDATION with ``field``, or
NOT_FOUND with ``id``), as the graph fields do.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Concatenate, ParamSpec, TypeAlias, TypeVar

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError, call_service
from kgservice.api.mutations import run_mutation
from kgservice.api.quality.types import (
    QualityAlert,
    QualityCommandStats,
    QualityRun,
    QualityTrend,
    RecordQualityRunInput,
    RecordQualityRunPayload,
    RecordQualityRunsInput,
    RecordQualityRunsPayload,
)
from kgservice.services.quality.analysis import QualityRunRecord
from kgservice.services.quality.runs import QualityRunInput

P = ParamSpec("P")
T = TypeVar("T")

RecordQualityRunResult: TypeAlias = Annotated[
    RecordQualityRunPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RecordQualityRunResult"),
]
RecordQualityRunsResult: TypeAlias = Annotated[
    RecordQualityRunsPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RecordQualityRunsResult"),
]


def _runs(inputs: list[QualityRunInput], records: list[QualityRunRecord]) -> list[QualityRun]:
    return [
        QualityRun.from_record(record, run.project_id, run.session_id)
        for run, record in zip(inputs, records, strict=True)
    ]


async def _project_read(
    info: KgInfo,
    function: Callable[Concatenate[str, P], T],
    project_id: strawberry.ID,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Refuse a project the request's key may not see, then run a read of it off the loop."""
    await info.context.check_node(str(project_id))
    return await call_service(info, function, str(project_id), *args, **kwargs)


async def _check_nodes(info: KgInfo, runs: list[QualityRunInput]) -> None:
    """Refuse projects and sessions of namespaces the request's key may not use."""
    for node_id in sorted({r.project_id for r in runs} | {r.session_id or "" for r in runs}):
        await info.context.check_node(node_id or None)


@strawberry.type
class QualityQuery:
    @strawberry.field(description="Each metric's least-squares trend over the last `days` days.")
    async def quality_trends(
        self, info: KgInfo, project_id: strawberry.ID, days: int = 30
    ) -> list[QualityTrend]:
        quality = info.context.services.quality
        found = await _project_read(info, quality.trends, project_id, days)
        return [QualityTrend.from_trend(t) for t in found]

    @strawberry.field(
        description="Metrics that degraded: > 25 % critical, 10-25 % warning, from "
        "`threshold` (default 5 %) to 10 % info; worst first."
    )
    async def quality_alerts(
        self,
        info: KgInfo,
        project_id: strawberry.ID,
        days: int = 30,
        threshold: float | None = None,
    ) -> list[QualityAlert]:
        quality = info.context.services.quality
        found = await _project_read(info, quality.alerts, project_id, days, threshold)
        return [QualityAlert.from_alert(a) for a in found]

    @strawberry.field(description="Runs, success rate and durations per command, slowest first.")
    async def quality_commands(
        self, info: KgInfo, project_id: strawberry.ID, days: int = 30
    ) -> list[QualityCommandStats]:
        quality = info.context.services.quality
        found = await _project_read(info, quality.commands, project_id, days)
        return [QualityCommandStats.from_stats(s) for s in found]


@strawberry.type
class QualityMutation:
    @strawberry.mutation(description="Record one run of a quality command for a project.")
    async def record_quality_run(
        self, info: KgInfo, input: RecordQualityRunInput
    ) -> RecordQualityRunResult:
        run = input.to_service()
        await _check_nodes(info, [run])
        quality = info.context.services.quality
        return await run_mutation(
            info,
            lambda: quality.record(run),
            lambda record: RecordQualityRunPayload(run=_runs([run], [record])[0]),
        )

    @strawberry.mutation(description="Record many quality runs together: all of them or none.")
    async def record_quality_runs(
        self, info: KgInfo, input: RecordQualityRunsInput
    ) -> RecordQualityRunsResult:
        runs = [r.to_service() for r in input.runs]
        await _check_nodes(info, runs)
        quality = info.context.services.quality
        return await run_mutation(
            info,
            lambda: quality.record_many(runs),
            lambda records: RecordQualityRunsPayload(count=len(records), runs=_runs(runs, records)),
        )


@strawberry.type
class QualitySubscription:
    @strawberry.subscription(
        description="Each new alert of the project (or a change of an alert's severity) as "
        "runs are recorded; `includeCurrent` first sends the alerts active when it starts."
    )
    async def quality_alerts_live(
        self,
        info: KgInfo,
        project_id: strawberry.ID,
        days: int = 30,
        threshold: float | None = None,
        include_current: bool = False,
    ) -> AsyncGenerator[QualityAlert, None]:
        await info.context.check_node(str(project_id))
        quality = info.context.services.quality
        with quality.changes.subscribe(str(project_id)) as changes:
            found = await call_service(info, quality.alerts, str(project_id), days, threshold)
            if include_current:
                for alert in found:
                    yield QualityAlert.from_alert(alert)
            seen = {a.metric.name: a.severity for a in found}
            while True:
                await changes.drain()  # every recording since the last pass, at once
                found = await call_service(info, quality.alerts, str(project_id), days, threshold)
                for alert in found:
                    if seen.get(alert.metric.name) != alert.severity:
                        yield QualityAlert.from_alert(alert)
                seen = {a.metric.name: a.severity for a in found}
