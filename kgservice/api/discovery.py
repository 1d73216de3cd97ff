"""GraphQL surface of relationship discovery: ``startDiscovery`` returns a Job at once;
``discoveryCalibration`` shows what a new job would learn from the namespace's reviews."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.jobs import Job
from kgservice.api.mutations import run_mutation
from kgservice.services.discovery import scoring
from kgservice.services.discovery.calibration import MIN_REVIEWS, Calibration
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
    calibrate: bool = strawberry.field(
        default=True,
        description="Use the weights and threshold learned from the namespace's reviews "
        f"(see discoveryCalibration; applied from {MIN_REVIEWS} reviews on). An explicit "
        "threshold turns calibration off too.",
    )


@strawberry.type(description="One discovery method's weight in the score's noisy-OR.")
class MethodWeight:
    method: str
    weight: float = strawberry.field(description="The weight a new job would use.")
    shipped: float = strawberry.field(description="The shipped default weight.")


@strawberry.type(
    description="What a new discovery job in a namespace would learn from its reviews: "
    "method weights and threshold, each shrunk towards the shipped default."
)
class DiscoveryCalibration:
    namespace: str
    applied: bool = strawberry.field(description="Whether a new job would apply it.")
    reason: str = strawberry.field(description="Why it is applied or not.")
    reviews: int = strawberry.field(description="Discovery proposals accepted or rejected.")
    accepted: int
    rejected: int
    weights: list[MethodWeight] = strawberry.field(description="Weights a new job would use.")
    threshold: float = strawberry.field(description="Threshold a new job would use.")

    @classmethod
    def from_calibration(cls, namespace: str, found: Calibration) -> DiscoveryCalibration:
        return cls(
            namespace=namespace,
            applied=found.applied,
            reason=found.reason,
            reviews=found.reviews,
            accepted=found.accepted,
            rejected=found.rejected,
            weights=[
                MethodWeight(method=method, weight=found.weights[method], shipped=shipped)
                for method, shipped in scoring.WEIGHTS.items()
            ],
            threshold=found.threshold,
        )


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
                calibrate=input.calibrate,
            )
            return Job.from_record(discovery.start(parameters))

        return await run_mutation(info, start, lambda job: StartDiscoveryPayload(job=job))


@strawberry.type
class DiscoveryQuery:
    @strawberry.field(
        description="The calibration a new discovery job in this namespace would apply now "
        "(read only; startDiscovery with calibrate: false does without it)."
    )
    async def discovery_calibration(
        self, info: KgInfo, namespace: str = "default"
    ) -> DiscoveryCalibration:
        info.context.check_namespace(namespace)
        found = await info.context.run(info.context.services.discovery.calibration, namespace)
        return DiscoveryCalibration.from_calibration(namespace, found)
