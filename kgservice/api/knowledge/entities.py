"""GraphQL surface of entities: the Entity type, its mutations, reads and duplicates."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Self, TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.filters import StringFilter, filter_dict
from kgservice.api.mutations import run_mutation
from kgservice.api.relay import MAX_PAGE, Connection, build_connection, page_request
from kgservice.api.types import Node, json_object, node_object, register_node_type
from kgservice.errors import InputError
from kgservice.services.knowledge.entities import EntityRecord
from kgservice.services.knowledge.merge import MergeResult, merge_entities
from kgservice.services.knowledge.resolution import DEFAULT_THRESHOLD, DuplicateCandidate
from kgservice.services.nodes import NodeRecord


@strawberry.input(description="Filter of entities.")
class EntityWhere:
    name: StringFilter | None = None
    kind: StringFilter | None = None
    namespace: StringFilter | None = None
    and_: list[EntityWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[EntityWhere] | None = strawberry.field(default=None, name="OR")
    not_: EntityWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.type(description="A named thing: a project, library, service, person, concept...")
class Entity(Node):
    name: str
    kind: str = strawberry.field(
        description="project, library, service, test, concept, file, tool, person or custom."
    )
    observations: list[str]
    aliases: list[str]
    properties: JSON
    namespace: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_record(cls, record: EntityRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            kind=record.kind,
            observations=list(record.observations),
            aliases=list(record.aliases),
            properties=cast(JSON, json.loads(record.properties) if record.properties else {}),
            namespace=record.namespace,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored node."""
        return cls.from_record(EntityRecord.from_node(node))

    @strawberry.field(description="The messages, conversations and reflections naming it.")
    async def mentioned_by(
        self, info: KgInfo, first: int | None = None, after: str | None = None
    ) -> Connection[Node]:
        entities = info.context.services.entities
        request = page_request("mention", first, after, None, None)
        rows = await info.context.run(
            entities.mentioned_by, str(self.id), request.after, request.limit + 1
        )

        async def count() -> int:
            return await info.context.run(entities.count_mentions, str(self.id))

        texts = [node_object(NodeRecord(label, node)) for label, node in rows]
        return build_connection("mention", request, texts, lambda text: str(text.id), count)


@strawberry.enum(description="How a duplicate candidate was found.")
class ResolutionStage(Enum):
    NAME = "name"
    MINHASH = "minhash"
    EMBEDDING = "embedding"


@strawberry.type(description="Two entities that may name the same thing.")
class DuplicateCandidatePair:
    a: Entity
    b: Entity
    stage: ResolutionStage
    score: float = strawberry.field(
        description="1 for a name/alias match, the Jaccard estimate, or the cosine similarity."
    )
    explanation: str


@strawberry.input
class CreateEntityInput:
    name: str
    kind: str = strawberry.field(description="A built-in or custom kind ([a-z][a-z0-9_-]{0,31}).")
    observations: list[str] = strawberry.field(default_factory=list)
    aliases: list[str] = strawberry.field(default_factory=list)
    properties: JSON | None = None
    namespace: str = "default"


@strawberry.input
class AddObservationInput:
    entity_id: strawberry.ID
    text: str


@strawberry.input
class MergeEntitiesInput:
    keep: strawberry.ID
    drop: strawberry.ID


@strawberry.input
class ProposeSameAsInput:
    namespace: str = "default"
    threshold: float = DEFAULT_THRESHOLD


@strawberry.type
class EntityPayload:
    entity: Entity


@strawberry.type
class MergeEntitiesPayload:
    entity: Entity = strawberry.field(description="The kept entity after the merge.")
    dropped_id: strawberry.ID
    relations_moved: int
    relations_retired: int = strawberry.field(
        description="Duplicate current edges left retired (the lower confidence of each pair)."
    )
    self_relations_dropped: int
    mentions_moved: int

    @classmethod
    def from_result(cls, result: MergeResult) -> Self:
        """Build from the service's result."""
        return cls(
            entity=Entity.from_record(result.entity),
            dropped_id=strawberry.ID(result.dropped_id),
            relations_moved=result.relations_moved,
            relations_retired=result.relations_retired,
            self_relations_dropped=result.self_relations_dropped,
            mentions_moved=result.mentions_moved,
        )


@strawberry.type
class ProposeSameAsPayload:
    relation_ids: list[strawberry.ID] = strawberry.field(
        description="The same_as relations proposed (status proposed)."
    )


EntityResult: TypeAlias = Annotated[
    EntityPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("EntityResult"),
]
MergeEntitiesResult: TypeAlias = Annotated[
    MergeEntitiesPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("MergeEntitiesResult"),
]
ProposeSameAsResult: TypeAlias = Annotated[
    ProposeSameAsPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ProposeSameAsResult"),
]


@strawberry.type
class EntityQuery:
    @strawberry.field(description="An entity by id.")
    async def entity(self, info: KgInfo, id: strawberry.ID) -> Entity | None:
        record = await info.context.run(info.context.services.entities.get, str(id))
        visible = record is not None and info.context.visible(record.namespace)
        return Entity.from_record(record) if record and visible else None

    @strawberry.field(description="Entities in creation order, filtered.")
    async def entities(
        self,
        info: KgInfo,
        where: EntityWhere | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Entity]:
        service = info.context.services.entities
        conditions = filter_dict(where)
        allowed = info.context.access.namespaces
        if allowed is not None:  # a namespace-scoped key sees only its namespaces
            scope = {"namespace": {"in": sorted(allowed)}}
            conditions = {"AND": [conditions, scope]} if conditions else scope
        request = page_request("entity", first, after, last, before)
        rows = await info.context.run(
            service.page,
            request.after,
            request.before,
            request.limit + 1,
            request.backward,
            conditions,
        )

        async def count() -> int:
            return await info.context.run(service.count, conditions)

        entities = [Entity.from_record(record) for record in rows]
        return build_connection("entity", request, entities, lambda e: str(e.id), count)

    @strawberry.field(description="Entities whose name or an alias matches (normalised).")
    async def entities_by_name(
        self, info: KgInfo, name: str, namespace: str = "default"
    ) -> list[Entity]:
        info.context.check_namespace(namespace)
        service = info.context.services.entities
        records = await info.context.run(service.find_by_name, name, namespace)
        return [Entity.from_record(record) for record in records]

    @strawberry.field(
        description="Pairs of entities that may be the same: by name/alias, then name 3-gram "
        "MinHash, then embedding cosine (threshold applies to the last two)."
    )
    async def duplicate_candidates(
        self,
        info: KgInfo,
        namespace: str = "default",
        threshold: float = DEFAULT_THRESHOLD,
        first: int = 50,
    ) -> list[DuplicateCandidatePair]:
        if not 0 <= first <= MAX_PAGE:
            raise InputError("first", f"must be between 0 and {MAX_PAGE}")
        info.context.check_namespace(namespace)
        services = info.context.services
        found: list[DuplicateCandidate] = await info.context.run(
            services.resolution.duplicate_candidates, namespace, threshold
        )
        chosen = found[:first]
        ids = sorted({i for c in chosen for i in (c.a_id, c.b_id)})
        records = await info.context.run(services.entities.by_ids, ids)
        return [
            DuplicateCandidatePair(
                a=Entity.from_record(records[c.a_id]),
                b=Entity.from_record(records[c.b_id]),
                stage=ResolutionStage(c.stage),
                score=c.score,
                explanation=c.explanation,
            )
            for c in chosen
            if c.a_id in records and c.b_id in records
        ]


@strawberry.type
class EntityMutation:
    @strawberry.mutation(description="Create an entity; its name key must be new in the namespace.")
    async def create_entity(self, info: KgInfo, input: CreateEntityInput) -> EntityResult:
        info.context.check_namespace(input.namespace)
        service = info.context.services.entities
        return await run_mutation(
            info,
            lambda: service.create(
                input.name,
                input.kind,
                observations=input.observations,
                aliases=input.aliases,
                properties=json_object(input.properties),
                namespace=input.namespace,
            ),
            lambda record: EntityPayload(entity=Entity.from_record(record)),
        )

    @strawberry.mutation(description="Append an observation; the entity is embedded again.")
    async def add_observation(self, info: KgInfo, input: AddObservationInput) -> EntityResult:
        await info.context.check_node(str(input.entity_id))
        service = info.context.services.entities
        return await run_mutation(
            info,
            lambda: service.add_observation(str(input.entity_id), input.text),
            lambda record: EntityPayload(entity=Entity.from_record(record)),
        )

    @strawberry.mutation(description="Merge `drop` into `keep`: edges, mentions, observations.")
    async def merge_entities(self, info: KgInfo, input: MergeEntitiesInput) -> MergeEntitiesResult:
        await info.context.check_node(str(input.keep))
        await info.context.check_node(str(input.drop))
        services = info.context.services
        return await run_mutation(
            info,
            lambda: merge_entities(
                services.stores.graph,
                services.index,
                services.mentions,
                str(input.keep),
                str(input.drop),
            ),
            MergeEntitiesPayload.from_result,
        )

    @strawberry.mutation(description="Propose same_as relations for the duplicate candidates.")
    async def propose_same_as(self, info: KgInfo, input: ProposeSameAsInput) -> ProposeSameAsResult:
        info.context.check_namespace(input.namespace)
        service = info.context.services.resolution
        return await run_mutation(
            info,
            lambda: service.propose_same_as(input.namespace, input.threshold),
            lambda ids: ProposeSameAsPayload(relation_ids=[strawberry.ID(i) for i in ids]),
        )


register_node_type("Entity", Entity.from_node)
