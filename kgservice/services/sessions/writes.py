"""Projects, sessions, threads and messages: the daily write path of every agent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.knowledge.mentions import MentionMatchers, NewText
from kgservice.services.sessions.records import (
    MessageRecord,
    ProjectRecord,
    SessionRecord,
    ThreadRecord,
)
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.services.validation import (
    MAX_NAME,
    metadata_json,
    require_choice,
    require_id,
    require_text,
)
from kgservice.stores.graph import GraphStore

ROLES = ("user", "assistant", "system")
THREAD_STATUSES = ("active", "archived", "closed")
MAX_BATCH = 1_000


@dataclass(frozen=True)
class NewMessage:
    """A message to append: role, content and optional metadata."""

    role: str
    content: str
    metadata: dict[str, Any] | None = None


class SessionService:
    """Creates and changes projects, sessions, threads and messages."""

    def __init__(
        self, graph: GraphStore, index: TextIndex, mentions: MentionMatchers | None = None
    ) -> None:
        self.graph = graph
        self.index = index
        self.mentions = mentions

    # -- projects and sessions -------------------------------------------------------
    def create_project(
        self,
        name: str,
        *,
        path: str | None = None,
        description: str | None = None,
        namespace: str = "default",
    ) -> ProjectRecord:
        """Create a project."""
        require_text("name", name, max_length=MAX_NAME)
        rows = self.graph.run(
            "sessions/create_project",
            {
                "id": new_id("Project"),
                "namespace": namespace,
                "now": utc_now(),
                "name": name,
                "path": path,
                "description": description,
            },
        )
        return ProjectRecord.from_node(rows[0]["node"])

    def create_session(
        self,
        project_id: str,
        external_id: str,
        *,
        agent: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> SessionRecord:
        """Create a session of a project; ``external_id`` must be new."""
        require_id("projectId", project_id, "Project")
        require_text("externalId", external_id, max_length=MAX_NAME)
        with self.graph.transaction() as tx:
            existing = tx.run("sessions/session_by_external_id", {"external_id": external_id})
            if existing:
                raise ConflictError(
                    f"a session with externalId {external_id!r} exists",
                    current=existing[0]["node"]["id"],
                )
            rows = tx.run(
                "sessions/create_session",
                {
                    "project_id": project_id,
                    "id": new_id("Session"),
                    "now": utc_now(),
                    "external_id": external_id,
                    "agent": agent,
                    "metadata": metadata_json("metadata", metadata),
                },
            )
            if not rows:
                raise NotFoundError(project_id, "project")
            session = SessionRecord.from_node(rows[0]["node"])
            if not tx.run("sessions/latest_session", {"id": project_id}):
                tx.run(  # a project's first session is its latest
                    "sessions/set_latest_session",
                    {"project_id": project_id, "session_id": session.id, "now": utc_now()},
                )
        return session

    # -- threads ---------------------------------------------------------------------
    def create_thread(self, session_id: str, name: str) -> ThreadRecord:
        """Create an active thread in a session."""
        require_id("sessionId", session_id, "Session")
        require_text("name", name, max_length=MAX_NAME)
        rows = self.graph.run(
            "sessions/create_thread",
            {"session_id": session_id, "id": new_id("Thread"), "now": utc_now(), "name": name},
        )
        if not rows:
            raise NotFoundError(session_id, "session")
        return ThreadRecord.from_node(rows[0]["node"])

    def update_thread(
        self, thread_id: str, *, name: str | None = None, status: str | None = None
    ) -> ThreadRecord:
        """Rename a thread or change its status."""
        require_id("id", thread_id, "Thread")
        if name is not None:
            require_text("name", name, max_length=MAX_NAME)
        if status is not None:
            require_choice("status", status, THREAD_STATUSES)
        rows = self.graph.run(
            "sessions/update_thread",
            {"id": thread_id, "name": name, "status": status, "now": utc_now()},
        )
        if not rows:
            raise NotFoundError(thread_id, "thread")
        return ThreadRecord.from_node(rows[0]["node"])

    def delete_thread(self, thread_id: str) -> list[str]:
        """Delete a thread, its messages and their vectors; return the deleted message ids."""
        require_id("id", thread_id, "Thread")
        with self.graph.transaction() as tx:
            if not tx.run("sessions/thread_counter", {"id": thread_id}):
                raise NotFoundError(thread_id, "thread")
            message_ids = [
                r["id"] for r in tx.run("sessions/thread_message_ids", {"id": thread_id})
            ]
            tx.run("sessions/delete_thread_messages", {"id": thread_id})
            tx.run("sessions/delete_thread", {"id": thread_id})
        self.index.remove(message_ids)
        return message_ids

    # -- messages --------------------------------------------------------------------
    def add_messages(self, thread_id: str, messages: Sequence[NewMessage]) -> list[MessageRecord]:
        """Append messages to a thread with contiguous ``idx`` values, embedding each.

        The embeddings are computed before the writer is taken; one statement reads and
        advances the thread's counter and creates the messages, in a transaction under the
        single writer (with the mention links), so concurrent appends never share or skip
        an idx. Vectors are written after the graph commits; a crash in between leaves nodes
        that the backfill job embeds.
        """
        require_id("threadId", thread_id, "Thread")
        if not messages:
            raise InputError("messages", "must not be empty")
        if len(messages) > MAX_BATCH:
            raise InputError("messages", f"at most {MAX_BATCH} per call")
        for position, message in enumerate(messages):
            prefix = f"messages[{position}]." if len(messages) > 1 else ""
            require_choice(f"{prefix}role", message.role, ROLES)
            require_text(f"{prefix}content", message.content, empty=True)
        metadata = [
            metadata_json(f"messages[{i}].metadata", m.metadata) for i, m in enumerate(messages)
        ]
        vectors = self.index.embed([m.content for m in messages])
        # Ids minted in one millisecond differ in random bits only; sorted, they ascend with
        # idx, so that listings in id order (texts mentioning an entity...) keep the thread's.
        ids = sorted(new_id("Message") for _ in messages)
        batch = [
            {
                "id": ids[offset],
                "offset": offset,
                "role": message.role,
                "content": message.content,
                "metadata": metadata[offset],
            }
            for offset, message in enumerate(messages)
        ]
        params = {"thread_id": thread_id, "now": utc_now(), "count": len(batch), "messages": batch}
        with self.graph.transaction() as tx:
            rows = tx.run("sessions/append_messages", params)
            if not rows:
                raise NotFoundError(thread_id, "thread")
            created = [MessageRecord.from_node(r["node"]) for r in rows]
            created.sort(key=lambda m: m.idx)  # the input order, as the vectors
            if self.mentions is not None:  # MENTIONS edges to the entities the texts name
                self.mentions.link_new_texts(
                    tx, "Message", [NewText(m.id, m.namespace, m.content) for m in created]
                )
        self.index.store(
            [
                IndexedText(m.id, "Message", m.namespace, m.content, thread_id, m.idx)
                for m in created
            ],
            vectors,
        )
        return created
