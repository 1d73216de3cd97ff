"""GraphQL surface of relationship discovery: ``startDiscovery`` returns a Job at once."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.jobs import Job
from kgservice.api.mutations import run_mutation
from kgservice.services.discovery.job import DiscoveryParameters


@strawberry.input(description="What discovery looks at; unset fields take the defaults.")
class StartDiscoveryInput:
    kinds: list[str] | None = strawberry.field(
        default=None, description="Only entities of these kinds (both ends)."
    )
    threshold: float | None = strawberry.field(
        default=None, description="Lowest score proposed, 0..1 (default 0.3)."
    )
    max_per_entity: int | None = strawberry.field(
        default=None, description="Most proposals per entity, 1..100 (default 5)."
    )
    methods: list[str] | None = strawberry.field(
        default=None,
        description=(
            "Any of vector, co_mention, adamic_adar, common_neighbours, code_imports (default all)."
        ),
    )
    dry_run: bool = strawberry.field(
        default=False, description="Count what would be proposed; write no relation."
    )
    namespace: str = "default"
    limit: int | None = strawberry.field(default=None, description="Most proposals in all.")


@strawberry.type
class StartDiscoveryPayload:
    job: Job


StartDiscoveryResult: TypeAlias = Annotated[
    StartDiscoveryPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("StartDiscoveryResult"),
]


@strawberry.type
class DiscoveryMutation:
    @strawberry.mutation(
        description="Start a relationship discovery job; follow it with job(id) or jobProgress."
    )
    async def start_discovery(
        self, info: KgInfo, input: StartDiscoveryInput
    ) -> StartDiscoveryResult:
        info.context.check_namespace(input.namespace)
        discovery = info.context.services.discovery

        def start() -> Job:
            parameters = DiscoveryParameters.checked(
                namespace=input.namespace,
                kinds=input.kinds,
                methods=input.methods,
                threshold=input.threshold,
                max_per_entity=input.max_per_entity,
                limit=input.limit,
                dry_run=input.dry_run,
            )
            return Job.from_record(discovery.start(parameters))

        return await run_mutation(info, start, lambda job: StartDiscoveryPayload(job=job))
