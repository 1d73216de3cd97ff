"""GraphQL surface of experiments: create, assign, record outcomes, results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError, call_service
from kgservice.api.mutations import run_mutation
from kgservice.services.skills import experiments


@strawberry.type(description="A variant and its assignment weight.")
class ExperimentVariant:
    name: str
    weight: float


@strawberry.type(description="An experiment; its first variant is the control.")
class Experiment:
    id: strawberry.ID
    namespace: str
    name: str
    planned_samples_per_variant: int
    variants: list[ExperimentVariant]
    created_at: datetime

    @classmethod
    def from_record(cls, record: experiments.ExperimentRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            namespace=record.namespace,
            name=record.name,
            planned_samples_per_variant=record.planned_samples_per_variant,
            variants=[ExperimentVariant(name=v.name, weight=v.weight) for v in record.variants],
            created_at=record.created_at,
        )


@strawberry.type(description="A variant's outcomes so far.")
class VariantResult:
    name: str
    weight: float
    samples: int
    successes: int
    rate: float | None
    rate_low: float | None = strawberry.field(description="Wilson 95 % interval.")
    rate_high: float | None


@strawberry.type(description="A variant against the control.")
class VariantComparison:
    variant: str
    difference: float = strawberry.field(description="Its rate minus the control's.")
    difference_low: float = strawberry.field(description="95 % interval (unpooled).")
    difference_high: float
    z_score: float = strawberry.field(description="Two-proportion z (pooled standard error).")
    p_value: float = strawberry.field(description="Two-sided.")


@strawberry.type(description="Outcomes per variant; a verdict only at the planned sample size.")
class ExperimentResults:
    experiment: Experiment
    variants: list[VariantResult]
    comparisons: list[VariantComparison]
    sample_size_reached: bool
    verdict: str | None


@strawberry.input
class ExperimentVariantInput:
    name: str
    weight: float = 1.0


@strawberry.input
class CreateExperimentInput:
    name: str
    variants: list[ExperimentVariantInput]
    planned_samples_per_variant: int
    namespace: str = "default"


@strawberry.input
class RecordExperimentOutcomeInput:
    experiment_id: strawberry.ID
    unit_id: str
    success: bool


@strawberry.type
class CreateExperimentPayload:
    experiment: Experiment


@strawberry.type
class RecordExperimentOutcomePayload:
    variant: str = strawberry.field(description="The variant the unit is assigned to.")


CreateExperimentResult: TypeAlias = Annotated[
    CreateExperimentPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CreateExperimentResult"),
]
RecordExperimentOutcomeResult: TypeAlias = Annotated[
    RecordExperimentOutcomePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RecordExperimentOutcomeResult"),
]


@strawberry.type
class ExperimentQuery:
    @strawberry.field(description="The variant of a unit: deterministic, stable across restarts.")
    async def experiment_assignment(
        self, info: KgInfo, experiment_id: strawberry.ID, unit_id: str
    ) -> ExperimentVariant:
        await info.context.check_node(str(experiment_id))
        record = await call_service(
            info, experiments.get_experiment, info.context.stores.graph, str(experiment_id)
        )
        chosen = experiments.assign(record.id, unit_id, record.variants)
        return ExperimentVariant(name=chosen.name, weight=chosen.weight)

    @strawberry.field(description="An experiment's results so far.")
    async def experiment_results(self, info: KgInfo, id: strawberry.ID) -> ExperimentResults:
        await info.context.check_node(str(id))
        found = await call_service(
            info, experiments.experiment_results, info.context.stores.graph, str(id)
        )
        return ExperimentResults(
            experiment=Experiment.from_record(found.experiment),
            variants=[
                VariantResult(
                    name=v.name,
                    weight=v.weight,
                    samples=v.samples,
                    successes=v.successes,
                    rate=v.rate,
                    rate_low=v.interval.low if v.interval else None,
                    rate_high=v.interval.high if v.interval else None,
                )
                for v in found.variants
            ],
            comparisons=[
                VariantComparison(
                    variant=c.variant,
                    difference=c.test.difference,
                    difference_low=c.test.interval.low,
                    difference_high=c.test.interval.high,
                    z_score=c.test.z_score,
                    p_value=c.test.p_value,
                )
                for c in found.comparisons
            ],
            sample_size_reached=found.sample_size_reached,
            verdict=found.verdict,
        )


@strawberry.type
class ExperimentMutation:
    @strawberry.mutation(description="Create an experiment with at least two weighted variants.")
    async def create_experiment(
        self, info: KgInfo, input: CreateExperimentInput
    ) -> CreateExperimentResult:
        info.context.check_namespace(input.namespace)
        graph = info.context.stores.graph
        variants = [experiments.VariantSpec(v.name, v.weight) for v in input.variants]
        return await run_mutation(
            info,
            lambda: experiments.create_experiment(
                graph, input.namespace, input.name, variants, input.planned_samples_per_variant
            ),
            lambda record: CreateExperimentPayload(experiment=Experiment.from_record(record)),
        )

    @strawberry.mutation(description="Record a unit's outcome (once) under its assigned variant.")
    async def record_experiment_outcome(
        self, info: KgInfo, input: RecordExperimentOutcomeInput
    ) -> RecordExperimentOutcomeResult:
        await info.context.check_node(str(input.experiment_id))
        graph = info.context.stores.graph
        return await run_mutation(
            info,
            lambda: experiments.record_outcome(
                graph, str(input.experiment_id), input.unit_id, input.success
            ),
            lambda variant: RecordExperimentOutcomePayload(variant=variant),
        )
