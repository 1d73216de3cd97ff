"""Object types of the sessions domain, resolved through per-request DataLoaders."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.api.context import KgInfo
from kgservice.api.filters import StringFilter, filter_dict
from kgservice.api.relay import Connection, PageRequest, build_connection, page_request
from kgservice.api.types import Node, register_node_type
from kgservice.errors import InputError
from kgservice.services.sessions.records import (
    MessageRecord,
    ProjectRecord,
    SessionRecord,
    ThreadRecord,
)


@strawberry.input(description="Filter of a session's threads.")
class ThreadWhere:
    name: StringFilter | None = None
    status: StringFilter | None = None
    and_: list[ThreadWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[ThreadWhere] | None = strawberry.field(default=None, name="OR")
    not_: ThreadWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.input(description="Filter of a project's sessions.")
class SessionWhere:
    external_id: StringFilter | None = None
    status: StringFilter | None = None
    agent: StringFilter | None = None
    and_: list[SessionWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[SessionWhere] | None = strawberry.field(default=None, name="OR")
    not_: SessionWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.type(description="A project: sessions belong to it.")
class Project(Node):
    name: str
    path: str | None
    description: str | None
    namespace: str
    created_at: datetime

    @classmethod
    def from_record(cls, record: ProjectRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            path=record.path,
            description=record.description,
            namespace=record.namespace,
            created_at=record.created_at,
        )

    @strawberry.field(description="The newest session of the project's chain.")
    async def latest_session(self, info: KgInfo) -> Session | None:
        record = await info.context.loaders.latest_session.load(str(self.id))
        return Session.from_record(record) if record else None

    @strawberry.field(description="The project's sessions in creation order.")
    async def sessions(
        self,
        info: KgInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: SessionWhere | None = None,
    ) -> Connection[Session]:
        reads = info.context.services.reads
        return await _id_keyed_page(
            info,
            "session",
            (first, after, last, before),
            filter_dict(where),
            lambda *page: reads.session_page(str(self.id), *page),
            lambda conditions: reads.count_sessions(str(self.id), conditions),
            Session.from_record,
        )


@strawberry.type(description="An agent session, known by the agent's own externalId.")
class Session(Node):
    external_id: str
    status: str
    agent: str | None
    namespace: str
    created_at: datetime

    @classmethod
    def from_record(cls, record: SessionRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            external_id=record.external_id,
            status=record.status,
            agent=record.agent,
            namespace=record.namespace,
            created_at=record.created_at,
        )

    @strawberry.field(description="The project the session belongs to.")
    async def project(self, info: KgInfo) -> Project | None:
        project_id = await info.context.loaders.session_project.load(str(self.id))
        if project_id is None:
            return None
        record = await info.context.loaders.project.load(project_id)
        return Project.from_record(record) if record else None

    @strawberry.field(description="The session's threads in creation order.")
    async def threads(
        self,
        info: KgInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: ThreadWhere | None = None,
    ) -> Connection[Thread]:
        reads = info.context.services.reads
        return await _id_keyed_page(
            info,
            "thread",
            (first, after, last, before),
            filter_dict(where),
            lambda *page: reads.thread_page(str(self.id), *page),
            lambda conditions: reads.count_threads(str(self.id), conditions),
            Thread.from_record,
        )


@strawberry.type(description="A thread of messages within a session.")
class Thread(Node):
    name: str
    status: str = strawberry.field(description="active, archived or closed.")
    message_count: int
    namespace: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_record(cls, record: ThreadRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            status=record.status,
            message_count=record.message_count,
            namespace=record.namespace,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )

    @strawberry.field(description="The thread's messages in idx order.")
    async def messages(
        self,
        info: KgInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Message]:
        request = page_request("message", first, after, last, before)
        reads = info.context.services.reads
        total = self.message_count
        page = (
            str(self.id),
            None if request.after is None else _idx("after", request.after),
            None if request.before is None else _idx("before", request.before),
            request.limit + 1,
            request.backward,
            total,
        )
        # A page kept in memory is answered here, without a trip to a worker thread.
        rows = reads.kept_message_page(*page)
        if rows is None:
            rows = await info.context.run(reads.message_page, *page)
        return _message_connection(request, total, rows)


@strawberry.type(description="One message; idx is its position in the thread, from 0.")
class Message(Node):
    role: str = strawberry.field(description="user, assistant or system.")
    content: str
    idx: int
    namespace: str
    created_at: datetime
    metadata: JSON | None

    @classmethod
    def from_record(cls, record: MessageRecord) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(record.id),
            role=record.role,
            content=record.content,
            idx=record.idx,
            namespace=record.namespace,
            created_at=record.created_at,
            metadata=cast(JSON, json.loads(record.metadata)) if record.metadata else None,
        )


R = TypeVar("R", SessionRecord, ThreadRecord)
Out = TypeVar("Out")


async def _id_keyed_page(
    info: KgInfo,
    kind: str,
    paging: tuple[int | None, str | None, int | None, str | None],
    conditions: dict[str, Any] | None,
    fetch: Callable[..., list[R]],
    count: Callable[[dict[str, Any] | None], int],
    convert: Callable[[R], Out],
) -> Connection[Out]:
    """A page of a list ordered by node id (ULIDs sort by creation time), filtered."""
    request = page_request(kind, *paging)
    rows = await info.context.run(
        fetch, request.after, request.before, request.limit + 1, request.backward, conditions
    )

    async def total() -> int:
        return await info.context.run(count, conditions)

    page = build_connection(kind, request, rows, lambda record: record.id, total)
    return cast(Connection[Out], _map_edges(page, convert))


def _idx(field: str, key: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise InputError(field, "is not a valid cursor") from None


def _message_connection(
    request: PageRequest, total: int, rows: list[MessageRecord]
) -> Connection[Message]:
    """The connection of a page of message records (with the thread's message count)."""

    async def count() -> int:
        return total

    connection = build_connection("message", request, rows, lambda m: m.idx, count)
    return cast(Connection[Message], _map_edges(connection, Message.from_record))


def _map_edges(page: Connection[Any], convert: Any) -> Connection[Any]:
    for edge in page.edges:
        edge.node = convert(edge.node)
    return page


register_node_type("Project", lambda n: Project.from_record(ProjectRecord.from_node(n)))
register_node_type("Session", lambda n: Session.from_record(SessionRecord.from_node(n)))
register_node_type("Thread", lambda n: Thread.from_record(ThreadRecord.from_node(n)))
register_node_type("Message", lambda n: Message.from_record(MessageRecord.from_node(n)))
