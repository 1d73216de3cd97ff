"""Conversations and reflections: long-lived memory, embedded and searchable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kgservice.clock import utc_now
from kgservice.errors import InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.knowledge.mentions import MentionMatchers, NewText
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.services.validation import metadata_json, require_id, require_text
from kgservice.stores.graph import GraphStore
from kgservice.stores.vector_lookups import has_vectors

MAX_TAGS = 50
MAX_TAG = 100


@dataclass(frozen=True)
class MemoryRecord:
    """A stored conversation or reflection."""

    id: str
    kind: str
    project_id: str
    content: str
    created_at: datetime
    namespace: str
    metadata: str | None = None
    tags: tuple[str, ...] = ()
    importance: float | None = None
    session_id: str | None = None
    thread_id: str | None = None


@dataclass(frozen=True)
class ProjectActivity:
    """Counts of one project's memory."""

    project_id: str
    project_name: str
    conversations: int
    reflections: int


@dataclass(frozen=True)
class MemoryStats:
    """What ``conversationStats`` reports."""

    conversations: int
    reflections: int
    embedded: int
    projects: list[ProjectActivity]
    last_7_days: list[tuple[str, int]] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Share of conversations and reflections that have a vector (1.0 when none exist)."""
        total = self.conversations + self.reflections
        return 1.0 if total == 0 else self.embedded / total


class MemoryService:
    """Stores conversations and reflections and reports on them."""

    def __init__(
        self,
        graph: GraphStore,
        index: TextIndex,
        *,
        min_chars: int = 50,
        max_chars: int = 50_000,
        mentions: MentionMatchers | None = None,
    ) -> None:
        self.graph = graph
        self.index = index
        self.mentions = mentions
        self.min_chars = min_chars
        self.max_chars = max_chars

    def _check_length(self, field_name: str, content: str) -> None:
        require_text(field_name, content, max_length=self.max_chars)
        if len(content) < self.min_chars:
            raise InputError(
                field_name, f"must be at least {self.min_chars} characters (got {len(content)})"
            )

    def store_conversation(
        self,
        content: str,
        project_id: str,
        *,
        session_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        thread_id: str | None = None,
    ) -> MemoryRecord:
        """Store a conversation of a project (and session), embedded for search."""
        self._check_length("content", content)
        require_id("projectId", project_id, "Project")
        if session_id is not None:
            require_id("sessionId", session_id, "Session")
        meta = metadata_json("metadata", metadata)
        vectors = self.index.embed([content])
        node_id = new_id("Conversation")
        with self.graph.transaction() as tx:
            if session_id is not None and not tx.run(
                "memory/session_in_project", {"project_id": project_id, "session_id": session_id}
            ):
                raise NotFoundError(session_id, "session of this project")
            rows = tx.run(
                "memory/create_conversation",
                {
                    "project_id": project_id,
                    "id": node_id,
                    "now": utc_now(),
                    "content": content,
                    "metadata": meta,
                },
            )
            if not rows:
                raise NotFoundError(project_id, "project")
            if session_id is not None:
                tx.run(
                    "memory/link_conversation_session", {"id": node_id, "session_id": session_id}
                )
            if thread_id is not None:
                tx.run("memory/link_checkpoint", {"id": node_id, "thread_id": thread_id})
            if self.mentions is not None:  # MENTIONS edges to the entities the text names
                text = NewText(node_id, rows[0]["node"]["namespace"] or "", content)
                self.mentions.link_new_texts(tx, "Conversation", [text])
        node = rows[0]["node"]
        record = MemoryRecord(
            id=node_id,
            kind="Conversation",
            project_id=project_id,
            content=content,
            created_at=node["created_at"],
            namespace=node["namespace"] or "",
            metadata=meta,
            session_id=session_id,
            thread_id=thread_id,
        )
        self.index.store([IndexedText(node_id, "Conversation", record.namespace, content)], vectors)
        return record

    def store_checkpoint(self, thread_id: str) -> MemoryRecord:
        """Store a thread's transcript as one conversation linked to the thread."""
        require_id("threadId", thread_id, "Thread")
        context = self.graph.run("memory/thread_context", {"thread_id": thread_id})
        if not context:
            raise NotFoundError(thread_id, "thread")
        lines = self.graph.run("memory/thread_transcript", {"thread_id": thread_id})
        if not lines:
            raise InputError("threadId", "the thread has no messages to checkpoint")
        transcript = "\n\n".join(f"{line['role']}: {line['content']}" for line in lines)
        return self.store_conversation(
            transcript,
            context[0]["project_id"],
            session_id=context[0]["session_id"],
            metadata={
                "checkpoint_of": thread_id,
                "thread_name": context[0]["name"],
                "messages": len(lines),
            },
            thread_id=thread_id,
        )

    def store_reflection(
        self, content: str, project_id: str, *, tags: Sequence[str] = (), importance: float = 0.5
    ) -> MemoryRecord:
        """Store a reflection with tags and an importance in [0, 1]."""
        require_text("content", content, max_length=self.max_chars)
        require_id("projectId", project_id, "Project")
        if not 0.0 <= importance <= 1.0:
            raise InputError("importance", "must be between 0 and 1")
        if len(tags) > MAX_TAGS:
            raise InputError("tags", f"at most {MAX_TAGS} tags")
        for position, tag in enumerate(tags):
            require_text(f"tags[{position}]", tag, max_length=MAX_TAG)
        vectors = self.index.embed([content])
        node_id = new_id("Reflection")
        with self.graph.transaction() as tx:
            rows = tx.run(
                "memory/create_reflection",
                {
                    "project_id": project_id,
                    "id": node_id,
                    "now": utc_now(),
                    "content": content,
                    "tags": list(tags),
                    "importance": importance,
                },
            )
            if not rows:
                raise NotFoundError(project_id, "project")
            if self.mentions is not None:  # MENTIONS edges to the entities the text names
                text = NewText(node_id, rows[0]["node"]["namespace"] or "", content)
                self.mentions.link_new_texts(tx, "Reflection", [text])
        node = rows[0]["node"]
        record = MemoryRecord(
            id=node_id,
            kind="Reflection",
            project_id=project_id,
            content=content,
            created_at=node["created_at"],
            namespace=node["namespace"] or "",
            tags=tuple(tags),
            importance=importance,
        )
        self.index.store([IndexedText(node_id, "Reflection", record.namespace, content)], vectors)
        return record

    def stats(self, project_id: str | None = None) -> MemoryStats:
        """Counts, embedding coverage, per-project counts and the last 7 days' activity."""
        if project_id is not None:
            require_id("project", project_id, "Project")
        rows = self.graph.run("memory/memory_ids", {"project_id": project_id or ""})
        embedded = has_vectors(self.index.vectors, [row["id"] for row in rows])
        kinds = Counter(row["kind"] for row in rows)
        per_project: dict[str, Counter[str]] = {}
        names: dict[str, str] = {}
        for row in rows:
            per_project.setdefault(row["project_id"], Counter())[row["kind"]] += 1
            names[row["project_id"]] = row["project_name"]
        today = utc_now().date()
        days = [(today - timedelta(days=offset)).isoformat() for offset in range(6, -1, -1)]
        recent = Counter(row["created_at"].date().isoformat() for row in rows)
        return MemoryStats(
            conversations=kinds["Conversation"],
            reflections=kinds["Reflection"],
            embedded=len(embedded),
            projects=[
                ProjectActivity(pid, names[pid], c["Conversation"], c["Reflection"])
                for pid, c in sorted(per_project.items())
            ],
            last_7_days=[(day, recent[day]) for day in days],
        )
