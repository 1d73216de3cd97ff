"""GraphQL surface of jobs: ``job(id)`` and the ``jobProgress`` subscription."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Self, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.api.context import KgInfo
from kgservice.api.types import Node, register_node_type
from kgservice.errors import NotFoundError
from kgservice.services.jobs import JobRecord

POLL_SECONDS = 0.2


@strawberry.enum(description="Where a job is in its life.")
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.type(description="Long work started by a mutation, run in the background.")
class Job(Node):
    kind: str
    status: JobStatus
    namespace: str
    progress: float = strawberry.field(description="0..1.")
    parameters: JSON
    counts: JSON = strawberry.field(description="What the job has counted so far.")
    errors: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_record(cls, record: JobRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            kind=record.kind,
            status=JobStatus(record.status),
            namespace=record.namespace,
            progress=record.progress,
            parameters=cast(JSON, record.parameters),
            counts=cast(JSON, record.counts),
            errors=record.errors,
            created_at=record.created_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            updated_at=record.updated_at,
        )

    @classmethod
    def from_node(cls, node: dict[str, object]) -> Self:
        """Build from a stored Job node."""
        return cls.from_record(JobRecord.from_node(dict(node)))


@strawberry.type
class JobQuery:
    @strawberry.field(description="A job by id.")
    async def job(self, info: KgInfo, id: strawberry.ID) -> Job | None:
        await info.context.check_node(str(id))
        record = await info.context.run(info.context.services.jobs.get, str(id))
        return Job.from_record(record) if record else None


@strawberry.type
class JobSubscription:
    @strawberry.subscription(
        description="The job now and after each change, until it has finished."
    )
    async def job_progress(self, info: KgInfo, id: strawberry.ID) -> AsyncGenerator[Job, None]:
        await info.context.check_node(str(id))
        jobs = info.context.services.jobs
        seen: tuple[object, ...] | None = None
        while True:
            record = await info.context.run(jobs.get, str(id))
            if record is None:
                raise NotFoundError(str(id), "job")
            state = (record.status, record.progress, record.updated_at)
            if state != seen:
                seen = state
                yield Job.from_record(record)
            if record.finished:
                return
            await asyncio.sleep(POLL_SECONDS)


register_node_type("Job", Job.from_node)
