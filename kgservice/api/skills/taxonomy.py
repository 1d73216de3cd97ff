"""GraphQL surface of skills, their categories and modalities, and recording invocations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError, call_service
from kgservice.api.mutations import run_mutation
from kgservice.api.relay import Connection, build_connection, page_request
from kgservice.api.types import Node, register_node_type
from kgservice.services.skills import invocations, taxonomy


@strawberry.type(description="A modality: the type a skill takes in and the type it gives out.")
class SkillModality:
    input: str
    output: str


@strawberry.type(description="A skill (tool, command or workflow) agents run in sessions.")
class Skill(Node):
    name: str
    namespace: str
    description: str | None
    created_at: datetime
    #: The full record when the skill was read as one; None when built from a bare node
    #: (``node(id)``), whose category and modalities are then read on demand.
    record: strawberry.Private[taxonomy.SkillRecord | None] = None

    @classmethod
    def from_record(cls, record: taxonomy.SkillRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            namespace=record.namespace,
            description=record.description,
            created_at=record.created_at,
            record=record,
        )

    @classmethod
    def from_node(cls, node: dict[str, object]) -> Self:
        """Build from a stored Skill node (category and modalities are read when asked)."""
        created = node["created_at"]
        assert isinstance(created, datetime)
        description = node.get("description")
        return cls(
            id=strawberry.ID(str(node["id"])),
            name=str(node["name"]),
            namespace=str(node["namespace"]),
            description=None if description is None else str(description),
            created_at=created,
        )

    async def _full(self, info: KgInfo) -> taxonomy.SkillRecord | None:
        if self.record is None:
            graph = info.context.stores.graph
            found = await info.context.run(taxonomy.list_skills, graph, self.namespace)
            self.record = next((r for r in found if r.id == str(self.id)), None)
        return self.record

    @strawberry.field(description="The skill's category, if it has one.")
    async def category(self, info: KgInfo) -> str | None:
        full = await self._full(info)
        return full.category if full else None

    @strawberry.field(description="The skill's modalities (input type to output type).")
    async def modalities(self, info: KgInfo) -> list[SkillModality]:
        full = await self._full(info)
        return [
            SkillModality(input=m.input_type, output=m.output_type)
            for m in (full.modalities if full else ())
        ]


@strawberry.type(description="A skill category; categories form a hierarchy.")
class SkillCategory:
    id: strawberry.ID
    name: str
    description: str | None
    parent: str | None


@strawberry.input(description="One run of a skill.")
class SkillInvocationInput:
    skill: str
    at: datetime
    completed: bool
    duration_ms: float | None = None
    user_id: str | None = None
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="A stored session, linked by a DURING edge."
    )
    error_type: str | None = None
    user_query: str | None = None
    workflow_phase: str | None = None
    alternatives: list[str] | None = strawberry.field(
        default=None, description="The other skills that were considered."
    )
    selection_rank: int | None = strawberry.field(
        default=None, description="The rank of this skill among those considered (1 = first)."
    )

    def to_service(self) -> invocations.InvocationInput:
        """The service's input."""
        return invocations.InvocationInput(
            skill=self.skill,
            at=self.at,
            completed=self.completed,
            duration_ms=self.duration_ms,
            user_id=self.user_id,
            session_id=None if self.session_id is None else str(self.session_id),
            error_type=self.error_type,
            user_query=self.user_query,
            workflow_phase=self.workflow_phase,
            alternatives=tuple(self.alternatives or ()),
            selection_rank=self.selection_rank,
        )


@strawberry.input(description="One invocation and its namespace.")
class RecordSkillInvocationInput(SkillInvocationInput):
    namespace: str = "default"


@strawberry.input(description="At most 10,000 invocations, written in one transaction.")
class RecordSkillInvocationsInput:
    invocations: list[SkillInvocationInput]
    namespace: str = "default"


@strawberry.input(description="An input type and an output type.")
class SkillModalityInput:
    input: str
    output: str


@strawberry.input(description="Create a skill or set its taxonomy; omitted parts stay.")
class DefineSkillInput:
    name: str
    namespace: str = "default"
    category: str | None = None
    modalities: list[SkillModalityInput] | None = strawberry.field(
        default=None, description="Replaces the skill's modalities."
    )
    description: str | None = None


@strawberry.input(description="Create a category or change its description and parent.")
class DefineSkillCategoryInput:
    name: str
    parent: str | None = None
    description: str | None = None


@strawberry.type
class RecordSkillInvocationsPayload:
    recorded: int


@strawberry.type
class DefineSkillPayload:
    skill: Skill


@strawberry.type
class DefineSkillCategoryPayload:
    category: SkillCategory


RecordSkillInvocationsResult: TypeAlias = Annotated[
    RecordSkillInvocationsPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RecordSkillInvocationsResult"),
]
DefineSkillResult: TypeAlias = Annotated[
    DefineSkillPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("DefineSkillResult"),
]
DefineSkillCategoryResult: TypeAlias = Annotated[
    DefineSkillCategoryPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("DefineSkillCategoryResult"),
]


def _category(record: taxonomy.CategoryRecord) -> SkillCategory:
    return SkillCategory(
        id=strawberry.ID(record.id),
        name=record.name,
        description=record.description,
        parent=record.parent,
    )


@strawberry.input(description="Filter of skills.")
class SkillWhere:
    namespace: str = "default"
    category: str | None = strawberry.field(
        default=None, description="Skills of this category or any category below it."
    )
    name_contains: str | None = None


@strawberry.type
class SkillTaxonomyQuery:
    @strawberry.field(description="Skills of a namespace in creation order.")
    async def skills(
        self,
        info: KgInfo,
        where: SkillWhere | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Skill]:
        where = where or SkillWhere()
        info.context.check_namespace(where.namespace)
        request = page_request("skill", first, after, None, None)
        graph = info.context.stores.graph
        records = await call_service(info, taxonomy.list_skills, graph, where.namespace)
        if where.category is not None:
            categories = await call_service(info, taxonomy.list_categories, graph)
            below = taxonomy.category_and_descendants(categories, where.category)
            records = [r for r in records if r.category is not None and r.category in below]
        if where.name_contains:
            needle = where.name_contains.casefold()
            records = [r for r in records if needle in r.name.casefold()]
        total = len(records)
        if request.after is not None:
            records = [r for r in records if r.id > request.after]
        chosen = [Skill.from_record(r) for r in records[: request.limit + 1]]

        async def count() -> int:
            return total

        return build_connection("skill", request, chosen, lambda s: str(s.id), count)

    @strawberry.field(description="Every skill category, by name.")
    async def skill_categories(self, info: KgInfo) -> list[SkillCategory]:
        records = await call_service(info, taxonomy.list_categories, info.context.stores.graph)
        return [_category(r) for r in records]

    @strawberry.field(description="Every modality.")
    async def skill_modalities(self, info: KgInfo) -> list[SkillModality]:
        records = await call_service(info, taxonomy.list_modalities, info.context.stores.graph)
        return [SkillModality(input=m.input_type, output=m.output_type) for m in records]


@strawberry.type
class SkillTaxonomyMutation:
    @strawberry.mutation(description="Record one invocation; an unknown skill is created.")
    async def record_skill_invocation(
        self, info: KgInfo, input: RecordSkillInvocationInput
    ) -> RecordSkillInvocationsResult:
        info.context.check_namespace(input.namespace)
        graph = info.context.stores.graph
        item = input.to_service()
        return await run_mutation(
            info,
            lambda: invocations.record_invocations(graph, input.namespace, [item]),
            lambda n: RecordSkillInvocationsPayload(recorded=n),
        )

    @strawberry.mutation(description="Record up to 10,000 invocations in one transaction.")
    async def record_skill_invocations(
        self, info: KgInfo, input: RecordSkillInvocationsInput
    ) -> RecordSkillInvocationsResult:
        info.context.check_namespace(input.namespace)
        graph = info.context.stores.graph
        items = [item.to_service() for item in input.invocations]
        return await run_mutation(
            info,
            lambda: invocations.record_invocations(graph, input.namespace, items),
            lambda n: RecordSkillInvocationsPayload(recorded=n),
        )

    @strawberry.mutation(description="Create a skill, or set its category, modalities, text.")
    async def define_skill(self, info: KgInfo, input: DefineSkillInput) -> DefineSkillResult:
        info.context.check_namespace(input.namespace)
        graph = info.context.stores.graph
        modalities = (
            None
            if input.modalities is None
            else [taxonomy.Modality(m.input, m.output) for m in input.modalities]
        )
        return await run_mutation(
            info,
            lambda: taxonomy.define_skill(
                graph,
                input.namespace,
                input.name,
                category=input.category,
                modalities=modalities,
                description=input.description,
            ),
            lambda record: DefineSkillPayload(skill=Skill.from_record(record)),
        )

    @strawberry.mutation(description="Create a skill category, or change its text or parent.")
    async def define_skill_category(
        self, info: KgInfo, input: DefineSkillCategoryInput
    ) -> DefineSkillCategoryResult:
        graph = info.context.stores.graph
        return await run_mutation(
            info,
            lambda: taxonomy.define_category(graph, input.name, input.parent, input.description),
            lambda record: DefineSkillCategoryPayload(category=_category(record)),
        )


register_node_type("Skill", Skill.from_node)
