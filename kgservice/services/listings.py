"""Listings: namespaces, projects (all, or by name), a project's conversations and reflections.

Projects are listed in id (creation) order; conversations and reflections newest first.
Pages are keyset pages on the node id (ULIDs sort by creation time), never offsets.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from kgservice.services.keyset_pages import KeysetList
from kgservice.services.memory import MemoryRecord
from kgservice.services.sessions.records import ProjectRecord
from kgservice.stores.graph import GraphStore

PROJECT_FILTER_FIELDS = {"name": "name", "namespace": "namespace", "path": "path"}
CONVERSATION_FILTER_FIELDS = {"content": "content"}
REFLECTION_FILTER_FIELDS = {"content": "content", "importance": "importance"}


_PROJECTS = KeysetList("listings/projects", "listings/count_projects", "p", PROJECT_FILTER_FIELDS)
_CONVERSATIONS = KeysetList(
    "listings/project_conversations",
    "listings/count_project_conversations",
    "n",
    CONVERSATION_FILTER_FIELDS,
    newest_first=True,
)
_REFLECTIONS = KeysetList(
    "listings/project_reflections",
    "listings/count_project_reflections",
    "n",
    REFLECTION_FILTER_FIELDS,
    newest_first=True,
)


def visible_where(
    where: Mapping[str, Any] | None, namespaces: Collection[str] | None
) -> dict[str, Any] | None:
    """``where`` narrowed to ``namespaces`` (None: every namespace)."""
    if namespaces is None:
        return dict(where) if where else None
    scope = {"namespace": {"in": sorted(namespaces)}}
    return {"AND": [dict(where), scope]} if where else scope


class Listings:
    """Queries behind ``projects``, ``projectByName``, ``conversations`` and ``reflections``."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def project_page(
        self,
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> list[ProjectRecord]:
        """Up to ``limit`` projects between the id bounds, in page direction."""
        nodes = _PROJECTS.page(self.graph, {}, after, before, limit, backward, where)
        return [ProjectRecord.from_node(node) for node in nodes]

    def count_projects(self, where: Mapping[str, Any] | None = None) -> int:
        """How many projects match ``where``."""
        return _PROJECTS.count(self.graph, {}, where)

    def namespaces(self) -> list[str]:
        """Namespaces holding projects or entities, sorted."""
        rows = self.graph.run("listings/namespaces")
        return sorted({row["namespace"] for row in rows if row["namespace"] is not None})

    def project_by_name(self, name: str, namespace: str) -> ProjectRecord | None:
        """The first project created with exactly this name in ``namespace``, if any."""
        rows = self.graph.run("listings/project_by_name", {"name": name, "namespace": namespace})
        return ProjectRecord.from_node(rows[0]["node"]) if rows else None

    def conversation_page(
        self,
        project_id: str,
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> list[MemoryRecord]:
        """Up to ``limit`` of a project's conversations, newest first, in page direction."""
        params = {"project_id": project_id}
        nodes = _CONVERSATIONS.page(self.graph, params, after, before, limit, backward, where)
        return [_memory("Conversation", project_id, node) for node in nodes]

    def count_conversations(self, project_id: str, where: Mapping[str, Any] | None = None) -> int:
        """How many of the project's conversations match ``where``."""
        return _CONVERSATIONS.count(self.graph, {"project_id": project_id}, where)

    def reflection_page(
        self,
        project_id: str,
        tags: Sequence[str],
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> list[MemoryRecord]:
        """Up to ``limit`` of a project's reflections carrying every tag, newest first."""
        params = {"project_id": project_id, "tags": list(tags)}
        nodes = _REFLECTIONS.page(self.graph, params, after, before, limit, backward, where)
        return [_memory("Reflection", project_id, node) for node in nodes]

    def count_reflections(
        self, project_id: str, tags: Sequence[str], where: Mapping[str, Any] | None = None
    ) -> int:
        """How many of the project's reflections carry every tag and match ``where``."""
        params = {"project_id": project_id, "tags": list(tags)}
        return _REFLECTIONS.count(self.graph, params, where)


def _memory(kind: str, project_id: str, node: dict[str, Any]) -> MemoryRecord:
    return MemoryRecord(
        id=node["id"],
        kind=kind,
        project_id=project_id,
        content=node["content"],
        created_at=node["created_at"],
        namespace=node["namespace"] or "",
        metadata=node.get("metadata"),
        tags=tuple(node.get("tags") or ()),
        importance=node.get("importance"),
    )
