"""GraphQL listings: namespaces, projects (all or by name), conversations and reflections.

Connections with opaque keyset cursors and nested ``where`` filters, like every list; a
namespace-scoped API key sees only its namespaces' projects, and a project of another
namespace is refused (``check_node``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.filters import FloatFilter, StringFilter, filter_dict
from kgservice.api.memory import Conversation, Reflection
from kgservice.api.relay import Connection, build_connection, page_request
from kgservice.api.sessions.types import Project
from kgservice.services.listings import visible_where

R = TypeVar("R")
Out = TypeVar("Out")


@strawberry.input(description="Filter of projects.")
class ProjectWhere:
    name: StringFilter | None = None
    namespace: StringFilter | None = None
    path: StringFilter | None = None
    and_: list[ProjectWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[ProjectWhere] | None = strawberry.field(default=None, name="OR")
    not_: ProjectWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.input(description="Filter of a project's conversations.")
class ConversationWhere:
    content: StringFilter | None = None
    and_: list[ConversationWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[ConversationWhere] | None = strawberry.field(default=None, name="OR")
    not_: ConversationWhere | None = strawberry.field(default=None, name="NOT")


@strawberry.input(description="Filter of a project's reflections.")
class ReflectionWhere:
    content: StringFilter | None = None
    importance: FloatFilter | None = None
    and_: list[ReflectionWhere] | None = strawberry.field(default=None, name="AND")
    or_: list[ReflectionWhere] | None = strawberry.field(default=None, name="OR")
    not_: ReflectionWhere | None = strawberry.field(default=None, name="NOT")


async def _page(
    info: KgInfo,
    kind: str,
    paging: tuple[int | None, str | None, int | None, str | None],
    fetch: Callable[..., list[R]],
    count: Callable[[], int],
    convert: Callable[[R], Out],
) -> Connection[Out]:
    """A keyset page: ``fetch(after, before, limit, backward)`` in a worker thread."""
    request = page_request(kind, *paging)
    rows = await info.context.run(
        fetch, request.after, request.before, request.limit + 1, request.backward
    )

    async def total() -> int:
        return await info.context.run(count)

    page = build_connection(kind, request, rows, lambda record: record.id, total)  # type: ignore[attr-defined]
    for edge in page.edges:
        edge.node = convert(edge.node)  # type: ignore[assignment]
    return cast(Connection[Out], page)


@strawberry.type
class ListingsQuery:
    @strawberry.field(
        description="Namespaces holding projects or entities (those this key may use)."
    )
    async def namespaces(self, info: KgInfo) -> list[str]:
        found = await info.context.run(info.context.services.listings.namespaces)
        return [name for name in found if info.context.visible(name)]

    @strawberry.field(description="Projects in creation order, filtered.")
    async def projects(
        self,
        info: KgInfo,
        where: ProjectWhere | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Project]:
        listings = info.context.services.listings
        namespaces = info.context.access.namespaces
        conditions = visible_where(filter_dict(where), namespaces)
        return await _page(
            info,
            "project",
            (first, after, last, before),
            functools.partial(listings.project_page, where=conditions),
            lambda: listings.count_projects(conditions),
            Project.from_record,
        )

    @strawberry.field(
        description=(
            "The project of this exact name in a namespace (the first created, when several "
            "share it; `projects(where: {name: {eq: ...}})` lists them all)."
        )
    )
    async def project_by_name(
        self, info: KgInfo, name: str, namespace: str = "default"
    ) -> Project | None:
        info.context.check_namespace(namespace)
        listings = info.context.services.listings
        record = await info.context.run(listings.project_by_name, name, namespace)
        return Project.from_record(record) if record else None

    @strawberry.field(description="A project's conversations, newest first, filtered.")
    async def conversations(
        self,
        info: KgInfo,
        project_id: strawberry.ID,
        where: ConversationWhere | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Conversation]:
        await info.context.check_node(str(project_id))
        listings = info.context.services.listings
        conditions: dict[str, Any] | None = filter_dict(where)
        return await _page(
            info,
            "conversation",
            (first, after, last, before),
            functools.partial(listings.conversation_page, str(project_id), where=conditions),
            lambda: listings.count_conversations(str(project_id), conditions),
            Conversation.from_record,
        )

    @strawberry.field(
        description="A project's reflections carrying every tag given, newest first, filtered."
    )
    async def reflections(
        self,
        info: KgInfo,
        project_id: strawberry.ID,
        tags: list[str] | None = None,
        where: ReflectionWhere | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Reflection]:
        await info.context.check_node(str(project_id))
        listings = info.context.services.listings
        conditions: dict[str, Any] | None = filter_dict(where)
        wanted = list(tags or [])
        return await _page(
            info,
            "reflection",
            (first, after, last, before),
            functools.partial(listings.reflection_page, str(project_id), wanted, where=conditions),
            lambda: listings.count_reflections(str(project_id), wanted, conditions),
            Reflection.from_record,
        )
