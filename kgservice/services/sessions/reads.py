"""Read side of the sessions domain: lookups by id in batches, and keyset pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

from kgservice.services.keyset_pages import KeysetList
from kgservice.services.nodes import nodes_of_table
from kgservice.services.sessions.message_pages import MessagePageCache, PageKey
from kgservice.services.sessions.records import (
    MessageRecord,
    ProjectRecord,
    SessionRecord,
    ThreadRecord,
)
from kgservice.stores.graph import GraphStore

IDX_MAX = 2**62
THREAD_FILTER_FIELDS = {"name": "name", "status": "status"}
SESSION_FILTER_FIELDS = {"external_id": "external_id", "status": "status", "agent": "agent"}


class SessionReads:
    """Queries behind the GraphQL read fields of projects, sessions, threads and messages."""

    def __init__(self, graph: GraphStore, page_cache_bytes: int = 0) -> None:
        self.graph = graph
        self.message_pages = MessagePageCache(page_cache_bytes)

    def nodes(self, label: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Nodes of table ``label`` by id."""
        return {node["id"]: node for node in nodes_of_table(self.graph, label, list(ids))}

    def projects(self, ids: Sequence[str]) -> dict[str, ProjectRecord]:
        """Projects by id."""
        return {k: ProjectRecord.from_node(v) for k, v in self.nodes("Project", ids).items()}

    def sessions(self, ids: Sequence[str]) -> dict[str, SessionRecord]:
        """Sessions by id."""
        return {k: SessionRecord.from_node(v) for k, v in self.nodes("Session", ids).items()}

    def threads(self, ids: Sequence[str]) -> dict[str, ThreadRecord]:
        """Threads by id."""
        return {k: ThreadRecord.from_node(v) for k, v in self.nodes("Thread", ids).items()}

    def latest_sessions(self, project_ids: Sequence[str]) -> dict[str, SessionRecord]:
        """Each project's latest session, for the projects that have one."""
        found = {}
        for project_id in dict.fromkeys(project_ids):
            rows = self.graph.run("sessions/latest_session", {"id": project_id})
            if rows:
                found[project_id] = SessionRecord.from_node(rows[0]["node"])
        return found

    def session_projects(self, session_ids: Sequence[str]) -> dict[str, str]:
        """The project id of each session."""
        found = {}
        for session_id in dict.fromkeys(session_ids):
            rows = self.graph.run("sessions/session_project", {"id": session_id})
            if rows:
                found[session_id] = rows[0]["project_id"]
        return found

    def message_page(
        self,
        thread_id: str,
        after: int | None,
        before: int | None,
        limit: int,
        backward: bool,
        count: int | None = None,
    ) -> list[MessageRecord]:
        """Up to ``limit`` messages strictly between the idx bounds, in page direction.

        With ``count``, the thread's message count as the caller read it, the page holds
        only messages below it; such a page never changes, so it is kept in memory and
        served from there until it ages out (see :mod:`message_pages`).
        """
        key = None if count is None else _page_key(thread_id, after, before, limit, backward, count)
        if key is not None:
            before = key[3]  # the bound clamped to the count
            cached = self.message_pages.get(key)
            if cached is not None:
                return cached
        records = self._window_page(thread_id, after, before, limit, backward)
        if records is None:
            name = "sessions/thread_messages_desc" if backward else "sessions/thread_messages"
            rows = self.graph.run(
                name,
                {
                    "thread_id": thread_id,
                    "after_idx": -1 if after is None else after,
                    "before_idx": IDX_MAX if before is None else before,
                    "limit": limit,
                },
            )
            records = [MessageRecord.from_node(row["node"]) for row in rows]
        if key is not None:
            self.message_pages.put(key, records)
        return records

    def _window_page(
        self, thread_id: str, after: int | None, before: int | None, limit: int, backward: bool
    ) -> list[MessageRecord] | None:
        """The page read as a range of idx slots, or None when only an ordered read can tell.

        A thread's idx values run from 0 without gaps, so a page is the ``limit`` slots right
        after ``after`` (or before ``before``): a range scan, cheaper than sorting the thread.
        If fewer messages come back than slots were read and the range stops short of the
        page's far bound, the thread may end there or have gaps: the caller reads in order.
        """
        first = 0 if after is None else max(after + 1, 0)
        end = IDX_MAX if before is None else before
        if backward and before is None:
            return None  # the thread's end is unknown here
        if end <= first or limit <= 0:
            return []
        low, high = (max(first, end - limit), end) if backward else (first, min(end, first + limit))
        rows = self.graph.run(
            "sessions/thread_messages_range", {"thread_id": thread_id, "low": low, "high": high}
        )
        whole = low == first if backward else high == end
        if len(rows) < high - low and not whole:
            return None
        records = [MessageRecord.from_node(row) for row in rows]
        return sorted(records, key=attrgetter("idx"), reverse=backward)

    def kept_message_page(
        self,
        thread_id: str,
        after: int | None,
        before: int | None,
        limit: int,
        backward: bool,
        count: int,
    ) -> list[MessageRecord] | None:
        """The page ``message_page`` would answer from memory, or None; never blocks on
        the store, so a caller can skip the trip to a worker thread."""
        key = _page_key(thread_id, after, before, limit, backward, count)
        return self.message_pages.get(key)

    def thread_page(
        self,
        session_id: str,
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> list[ThreadRecord]:
        """Up to ``limit`` threads of a session between the id bounds, in page direction."""
        params = {"session_id": session_id}
        nodes = _THREADS.page(self.graph, params, after, before, limit, backward, where)
        return [ThreadRecord.from_node(node) for node in nodes]

    def count_threads(self, session_id: str, where: Mapping[str, Any] | None = None) -> int:
        """How many threads of the session match ``where``."""
        return _THREADS.count(self.graph, {"session_id": session_id}, where)

    def session_page(
        self,
        project_id: str,
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> list[SessionRecord]:
        """Up to ``limit`` sessions of a project between the id bounds, in page direction."""
        params = {"project_id": project_id}
        nodes = _SESSIONS.page(self.graph, params, after, before, limit, backward, where)
        return [SessionRecord.from_node(node) for node in nodes]

    def count_sessions(self, project_id: str, where: Mapping[str, Any] | None = None) -> int:
        """How many sessions of the project match ``where``."""
        return _SESSIONS.count(self.graph, {"project_id": project_id}, where)


_THREADS = KeysetList(
    "sessions/session_threads", "sessions/count_session_threads", "t", THREAD_FILTER_FIELDS
)
_SESSIONS = KeysetList(
    "sessions/project_sessions", "sessions/count_project_sessions", "s", SESSION_FILTER_FIELDS
)


def _page_key(
    thread_id: str, after: int | None, before: int | None, limit: int, backward: bool, count: int
) -> PageKey:
    """The cache key of a page bounded by ``count`` (``before`` is clamped to it)."""
    bound = count if before is None else min(before, count)
    return (thread_id, count, after, bound, limit, backward)
