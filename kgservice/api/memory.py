"""GraphQL surface of conversations and reflections."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Self, TypeAlias, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.mutations import run_mutation
from kgservice.api.types import Node, json_object, register_node_type
from kgservice.services.memory import MemoryRecord, MemoryStats


@strawberry.type(description="A stored conversation, embedded for search.")
class Conversation(Node):
    content: str
    namespace: str
    created_at: datetime
    metadata: JSON | None
    project_id: strawberry.ID | None
    session_id: strawberry.ID | None = None
    thread_id: strawberry.ID | None = strawberry.field(
        default=None, description="The thread this conversation checkpoints."
    )

    @classmethod
    def from_record(cls, record: MemoryRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            content=record.content,
            namespace=record.namespace,
            created_at=record.created_at,
            metadata=cast(JSON, json.loads(record.metadata)) if record.metadata else None,
            project_id=strawberry.ID(record.project_id) if record.project_id else None,
            session_id=strawberry.ID(record.session_id) if record.session_id else None,
            thread_id=strawberry.ID(record.thread_id) if record.thread_id else None,
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored node (links not loaded)."""
        return cls(
            id=strawberry.ID(node["id"]),
            content=node["content"],
            namespace=node["namespace"] or "",
            created_at=node["created_at"],
            metadata=cast(JSON, json.loads(node["metadata"])) if node.get("metadata") else None,
            project_id=None,
        )


@strawberry.type(description="A reflection: a lesson or insight worth keeping.")
class Reflection(Node):
    content: str
    tags: list[str]
    importance: float
    namespace: str
    created_at: datetime
    project_id: strawberry.ID | None

    @classmethod
    def from_record(cls, record: MemoryRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            content=record.content,
            tags=list(record.tags),
            importance=record.importance or 0.0,
            namespace=record.namespace,
            created_at=record.created_at,
            project_id=strawberry.ID(record.project_id),
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored node (links not loaded)."""
        return cls(
            id=strawberry.ID(node["id"]),
            content=node["content"],
            tags=node["tags"] or [],
            importance=node["importance"] or 0.0,
            namespace=node["namespace"] or "",
            created_at=node["created_at"],
            project_id=None,
        )


@strawberry.input
class StoreConversationInput:
    content: str
    project_id: strawberry.ID
    session_id: strawberry.ID | None = None
    metadata: JSON | None = None


@strawberry.input
class StoreConversationCheckpointInput:
    thread_id: strawberry.ID


@strawberry.input
class StoreReflectionInput:
    content: str
    project_id: strawberry.ID
    tags: list[str] = strawberry.field(default_factory=list)
    importance: float = 0.5


@strawberry.type
class StoreConversationPayload:
    conversation: Conversation


@strawberry.type
class StoreReflectionPayload:
    reflection: Reflection


@strawberry.type(description="Memory counts of one project.")
class ProjectMemory:
    project_id: strawberry.ID
    project_name: str
    conversations: int
    reflections: int


@strawberry.type(description="Stored items on one day (UTC).")
class DayActivity:
    day: str
    count: int


@strawberry.type(description="Counts and embedding coverage of conversations and reflections.")
class ConversationStats:
    conversations: int
    reflections: int
    embedded: int
    embedding_coverage: float = strawberry.field(description="Share with a vector, 0..1.")
    projects: list[ProjectMemory]
    last_7_days: list[DayActivity]

    @classmethod
    def from_stats(cls, stats: MemoryStats) -> Self:
        """Build from the service's stats."""
        return cls(
            conversations=stats.conversations,
            reflections=stats.reflections,
            embedded=stats.embedded,
            embedding_coverage=stats.coverage,
            projects=[
                ProjectMemory(
                    project_id=strawberry.ID(p.project_id),
                    project_name=p.project_name,
                    conversations=p.conversations,
                    reflections=p.reflections,
                )
                for p in stats.projects
            ],
            last_7_days=[DayActivity(day=d, count=c) for d, c in stats.last_7_days],
        )


StoreConversationResult: TypeAlias = Annotated[
    StoreConversationPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("StoreConversationResult"),
]
StoreReflectionResult: TypeAlias = Annotated[
    StoreReflectionPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("StoreReflectionResult"),
]


@strawberry.type
class MemoryQuery:
    @strawberry.field(description="Conversation and reflection counts, coverage and activity.")
    async def conversation_stats(
        self, info: KgInfo, project: strawberry.ID | None = None
    ) -> ConversationStats:
        memory = info.context.services.memory
        if project is None:
            info.context.check_namespace(None)  # counts over every namespace
        await info.context.check_node(str(project) if project else None)
        stats = await info.context.run(memory.stats, str(project) if project else None)
        return ConversationStats.from_stats(stats)


@strawberry.type
class MemoryMutation:
    @strawberry.mutation(description="Store a conversation (length within the configured bounds).")
    async def store_conversation(
        self, info: KgInfo, input: StoreConversationInput
    ) -> StoreConversationResult:
        memory = info.context.services.memory
        await info.context.check_node(str(input.project_id))
        await info.context.check_node(str(input.session_id) if input.session_id else None)
        return await run_mutation(
            info,
            lambda: memory.store_conversation(
                input.content,
                str(input.project_id),
                session_id=str(input.session_id) if input.session_id else None,
                metadata=json_object(input.metadata),
            ),
            lambda record: StoreConversationPayload(conversation=Conversation.from_record(record)),
        )

    @strawberry.mutation(description="Store a thread's transcript as one linked conversation.")
    async def store_conversation_checkpoint(
        self, info: KgInfo, input: StoreConversationCheckpointInput
    ) -> StoreConversationResult:
        memory = info.context.services.memory
        await info.context.check_node(str(input.thread_id))
        return await run_mutation(
            info,
            lambda: memory.store_checkpoint(str(input.thread_id)),
            lambda record: StoreConversationPayload(conversation=Conversation.from_record(record)),
        )

    @strawberry.mutation(description="Store a reflection with tags and importance (0..1).")
    async def store_reflection(
        self, info: KgInfo, input: StoreReflectionInput
    ) -> StoreReflectionResult:
        memory = info.context.services.memory
        await info.context.check_node(str(input.project_id))
        return await run_mutation(
            info,
            lambda: memory.store_reflection(
                input.content,
                str(input.project_id),
                tags=input.tags,
                importance=input.importance,
            ),
            lambda record: StoreReflectionPayload(reflection=Reflection.from_record(record)),
        )


register_node_type("Conversation", Conversation.from_node)
register_node_type("Reflection", Reflection.from_node)
