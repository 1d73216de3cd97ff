"""What an agent wants at the start of a session: where its project's work stands."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.errors import InputError
from kgservice.services.memory import MemoryRecord
from kgservice.services.sessions.reads import SessionReads
from kgservice.services.sessions.records import (
    MessageRecord,
    ProjectRecord,
    SessionRecord,
    ThreadRecord,
)
from kgservice.stores.graph import GraphStore

MAX_THREADS = 20
MAX_MESSAGES = 200
MAX_REFLECTIONS = 50


@dataclass(frozen=True)
class ThreadContext:
    """A thread and its last messages, oldest first."""

    thread: ThreadRecord
    messages: list[MessageRecord]


@dataclass(frozen=True)
class SessionContext:
    """A project's latest session, its newest threads, and the reflections that matter."""

    project: ProjectRecord
    latest_session: SessionRecord | None
    threads: list[ThreadContext]
    reflections: list[MemoryRecord]


class SessionContextReader:
    """Reads a project's session context in a few bounded queries."""

    def __init__(self, graph: GraphStore, reads: SessionReads) -> None:
        self.graph = graph
        self.reads = reads

    def context(
        self, project: ProjectRecord, *, threads: int = 3, messages: int = 20, reflections: int = 10
    ) -> SessionContext:
        """The latest session's ``threads`` newest threads with their last ``messages``
        messages each, and the project's ``reflections`` most important reflections."""
        _bounded("threads", threads, MAX_THREADS)
        _bounded("messages", messages, MAX_MESSAGES)
        _bounded("reflections", reflections, MAX_REFLECTIONS)
        latest = self.reads.latest_sessions([project.id]).get(project.id)
        recent: list[ThreadContext] = []
        if latest is not None and threads:
            for thread in self.reads.thread_page(latest.id, None, None, threads, backward=True):
                tail = (
                    self.reads.message_page(thread.id, None, None, messages, backward=True)
                    if messages
                    else []
                )
                recent.append(ThreadContext(thread, sorted(tail, key=lambda m: m.idx)))
        return SessionContext(project, latest, recent, self.reflections(project, reflections))

    def reflections(self, project: ProjectRecord, limit: int) -> list[MemoryRecord]:
        """The project's reflections by importance, then newest first."""
        if not limit:
            return []
        rows = self.graph.run("mcp/project_reflections", {"project_id": project.id, "limit": limit})
        return [
            MemoryRecord(
                id=node["id"],
                kind="Reflection",
                project_id=project.id,
                content=node["content"],
                created_at=node["created_at"],
                namespace=node["namespace"] or "",
                tags=tuple(node["tags"] or ()),
                importance=node["importance"],
            )
            for node in (row["node"] for row in rows)
        ]


def _bounded(field: str, value: int, high: int) -> None:
    if not 0 <= value <= high:
        raise InputError(field, f"must be between 0 and {high}")
