"""GraphQL surface of relations: create, retire, review and read typed entity relations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any, Self, TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.knowledge.entities import Entity
from kgservice.api.mutations import run_mutation
from kgservice.api.relay import Connection, build_connection, page_request
from kgservice.errors import InputError
from kgservice.services import nodes
from kgservice.services.knowledge.relations import RelationRecord


@strawberry.enum(description="What a relation says (stored lower-case).")
class RelationType(Enum):
    USES = "uses"
    DEPENDS_ON = "depends_on"
    TESTS = "tests"
    EXTENDS = "extends"
    IMPLEMENTS = "implements"
    PART_OF = "part_of"
    CONNECTS_TO = "connects_to"
    RELATED_TO = "related_to"
    SAME_AS = "same_as"


@strawberry.enum(description="Where a relation stands in review.")
class RelationStatus(Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@strawberry.enum(description="A reviewer's decision on a proposed relation.")
class ReviewDecision(Enum):
    ACCEPT = "accept"
    REJECT = "reject"


@strawberry.type(description="A typed, directed relation between two entities of a namespace.")
class Relation:
    id: strawberry.ID = strawberry.field(description="The relation's ULID (not a node id).")
    from_id: strawberry.ID
    to_id: strawberry.ID
    type: RelationType
    confidence: float = strawberry.field(description="How sure the relation is, 0..1.")
    score: float | None = strawberry.field(description="Discovery's candidate score, 0..1.")
    method: str = strawberry.field(
        description="'manual', or the discovery methods that found it joined by '+'."
    )
    evidence: JSON = strawberry.field(description="Why: short strings or objects.")
    status: RelationStatus
    valid_from: datetime
    valid_to: datetime | None = strawberry.field(description="Set when retired; null if current.")
    job_id: strawberry.ID | None = strawberry.field(description="The job that proposed it.")

    @classmethod
    def from_record(cls, record: RelationRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            from_id=strawberry.ID(record.from_id),
            to_id=strawberry.ID(record.to_id),
            type=RelationType(record.type),
            confidence=record.confidence,
            score=record.score,
            method=record.method,
            evidence=cast(JSON, json.loads(record.evidence) if record.evidence else []),
            status=RelationStatus(record.status),
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            job_id=strawberry.ID(record.job_id) if record.job_id else None,
        )

    @strawberry.field(name="from", description="The entity the relation starts at.")
    async def from_(self, info: KgInfo) -> Entity | None:
        return await _entity(info, str(self.from_id))

    @strawberry.field(description="The entity the relation points to.")
    async def to(self, info: KgInfo) -> Entity | None:
        return await _entity(info, str(self.to_id))


async def _entity(info: KgInfo, entity_id: str) -> Entity | None:
    record = await info.context.run(nodes.find_node, info.context.stores.graph, entity_id)
    if record is None or record.label != "Entity":
        return None
    return Entity.from_node(record.properties)


async def _check_relation(info: KgInfo, relation_id: str) -> None:
    """Refuse a relation between entities of a namespace this request may not use."""
    record = await info.context.run(info.context.services.relations.get, relation_id)
    if record is not None:
        await info.context.check_node(record.from_id)


@strawberry.input
class CreateRelationInput:
    from_: strawberry.ID = strawberry.field(name="from")
    to: strawberry.ID
    type: RelationType
    confidence: float = 1.0
    evidence: JSON | None = None


@strawberry.input
class RetireRelationInput:
    id: strawberry.ID


@strawberry.input
class ReviewRelationInput:
    id: strawberry.ID
    decision: ReviewDecision


@strawberry.type
class RelationPayload:
    relation: Relation


RelationResult: TypeAlias = Annotated[
    RelationPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RelationResult"),
]


def _candidate_key(relation: Relation) -> str:
    return f"{relation.score!r}|{relation.id}"


def _parse_candidate_key(key: str) -> tuple[float, str]:
    score, _, relation_id = key.partition("|")
    try:
        return float(score), relation_id
    except ValueError:
        raise InputError("after", "is not a cursor of this list") from None


def _naive_utc(moment: datetime | None) -> datetime | None:
    """The graph stores naive UTC times; an aware input is converted to one."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@strawberry.type
class RelationQuery:
    @strawberry.field(description="A relation by its id.")
    async def relation(self, info: KgInfo, id: strawberry.ID) -> Relation | None:
        record = await info.context.run(info.context.services.relations.get, str(id))
        if record is None:
            return None
        await info.context.check_node(record.from_id)
        return Relation.from_record(record)

    @strawberry.field(
        description="Relations into and out of an entity, by id. Current ones unless `asOf` "
        "asks for those valid then (validFrom <= asOf < validTo)."
    )
    async def relations(
        self,
        info: KgInfo,
        entity_id: strawberry.ID,
        types: list[RelationType] | None = None,
        status: RelationStatus | None = None,
        as_of: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Relation]:
        await info.context.check_node(str(entity_id))
        request = page_request("relation", first, after, None, None)
        records = await info.context.run(
            info.context.services.relations.of_entity,
            str(entity_id),
            types=[t.value for t in types] if types else None,
            status=status.value if status else None,
            as_of=_naive_utc(as_of),
        )
        page = [r for r in records if request.after is None or r.id > request.after]

        async def count() -> int:
            return len(records)

        return build_connection(
            "relation",
            request,
            [Relation.from_record(r) for r in page[: request.limit + 1]],
            lambda r: str(r.id),
            count,
        )

    @strawberry.field(description="Relations a discovery job proposed, best score first.")
    async def relation_candidates(
        self,
        info: KgInfo,
        job_id: strawberry.ID,
        status: RelationStatus = RelationStatus.PROPOSED,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Relation]:
        await info.context.check_node(str(job_id))
        request = page_request("candidate", first, after, None, None)
        relations = info.context.services.relations
        bound = _parse_candidate_key(request.after) if request.after else None
        records = await info.context.run(
            lambda: relations.candidates(
                str(job_id), status=status.value, after=bound, limit=request.limit + 1
            )
        )

        async def count() -> int:
            return await info.context.run(relations.count_candidates, str(job_id), status.value)

        items = [Relation.from_record(r) for r in records]
        return build_connection("candidate", request, items, _candidate_key, count)


@strawberry.type
class RelationMutation:
    @strawberry.mutation(
        description="Relate two entities of one namespace; unique per (from, to, type) among "
        "current relations (ConflictError.current is the existing one)."
    )
    async def create_relation(self, info: KgInfo, input: CreateRelationInput) -> RelationResult:
        await info.context.check_node(str(input.from_))
        await info.context.check_node(str(input.to))
        relations = info.context.services.relations
        evidence: Any = input.evidence
        return await run_mutation(
            info,
            lambda: relations.create(
                str(input.from_),
                str(input.to),
                input.type.value,
                confidence=input.confidence,
                evidence=evidence,
            ),
            lambda record: RelationPayload(relation=Relation.from_record(record)),
        )

    @strawberry.mutation(description="Retire a relation: it stays, with validTo set, for asOf.")
    async def retire_relation(self, info: KgInfo, input: RetireRelationInput) -> RelationResult:
        await _check_relation(info, str(input.id))
        relations = info.context.services.relations
        return await run_mutation(
            info,
            lambda: relations.retire(str(input.id)),
            lambda record: RelationPayload(relation=Relation.from_record(record)),
        )

    @strawberry.mutation(description="Accept or reject a proposed relation.")
    async def review_relation(self, info: KgInfo, input: ReviewRelationInput) -> RelationResult:
        await _check_relation(info, str(input.id))
        relations = info.context.services.relations
        return await run_mutation(
            info,
            lambda: relations.review(str(input.id), input.decision.value),
            lambda record: RelationPayload(relation=Relation.from_record(record)),
        )
