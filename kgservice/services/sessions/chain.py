"""The rolling session chain: an agent's resume or compaction yields a new session id.

Every transition is an auditable ``CONTINUED_AS`` edge, and the project's latest-session
pointer moves with it in the same transaction, under the single writer. The project also
keeps a numbered ``CHAIN_LINK`` copy of each edge, written in that transaction, so the chain
is read in one hop from the project, in transition order. A caller may pass
the session it believes is latest (``expected_previous``): if another transition won the
race, nothing changes and a ConflictError carries the current latest session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.sessions.records import SessionRecord
from kgservice.services.validation import MAX_NAME, require_choice, require_id, require_text
from kgservice.stores.graph import GraphStore, Transaction

SOURCES = ("BUILD", "METADATA", "COMPACT", "CHAT_PLAN", "RESUME")


class Transition(NamedTuple):
    """One link of a chain.

    A named tuple: chains run to thousands of links, and a tuple is made several times
    faster than a frozen dataclass.
    """

    previous_id: str
    next_id: str
    source: str
    at: datetime


@dataclass(frozen=True)
class TransitionResult:
    """The project's session after a transition, and the session it continued."""

    session: SessionRecord
    previous: SessionRecord | None
    created: bool


@dataclass(frozen=True)
class ResolvedSession:
    """A session found by external id, and the latest session of its project's chain."""

    session: SessionRecord
    latest: SessionRecord | None

    @property
    def is_stale(self) -> bool:
        """Whether a newer session continues this one."""
        return self.latest is not None and self.latest.id != self.session.id


class SessionChain:
    """Records transitions and walks the chain of a project."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def record_transition(
        self,
        project_id: str,
        new_external_id: str,
        source: str,
        expected_previous: str | None = None,
    ) -> TransitionResult:
        """Find or create the session ``new_external_id`` and make it the project's latest."""
        require_id("projectId", project_id, "Project")
        require_text("newExternalId", new_external_id, max_length=MAX_NAME)
        require_choice("source", source, SOURCES)
        if expected_previous is not None:
            require_id("expectedPrevious", expected_previous, "Session")
        with self.graph.transaction() as tx:
            now = utc_now()  # under the writer: link times follow the chain's order
            if not tx.run("core/nodes_by_ids", {"ids": [project_id]}, label="Project"):
                raise NotFoundError(project_id, "project")
            latest_rows = tx.run("sessions/latest_session", {"id": project_id})
            previous = SessionRecord.from_node(latest_rows[0]["node"]) if latest_rows else None
            if expected_previous is not None and (
                previous is None or previous.id != expected_previous
            ):
                raise ConflictError(
                    "expectedPrevious is not the project's latest session",
                    current=previous.id if previous else None,
                )
            session, created = self._find_or_create(tx, project_id, new_external_id, now)
            if previous is not None and previous.id == session.id:
                return TransitionResult(session, previous, created)
            if previous is not None:
                link = {
                    "previous_id": previous.id,
                    "next_id": session.id,
                    "source": source,
                    "now": now,
                }
                tx.run("sessions/link_continuation", link)
                tx.run("sessions/add_chain_link", {**link, "project_id": project_id})
            tx.run(
                "sessions/set_latest_session",
                {"project_id": project_id, "session_id": session.id, "now": now},
            )
        return TransitionResult(session, previous, created)

    @staticmethod
    def _find_or_create(
        tx: Transaction, project_id: str, external_id: str, now: datetime
    ) -> tuple[SessionRecord, bool]:
        rows = tx.run("sessions/session_by_external_id", {"external_id": external_id})
        if rows:
            if rows[0]["project_id"] != project_id:
                raise InputError("newExternalId", "belongs to a session of another project")
            return SessionRecord.from_node(rows[0]["node"]), False
        created = tx.run(
            "sessions/create_session",
            {
                "project_id": project_id,
                "id": new_id("Session"),
                "now": now,
                "external_id": external_id,
                "agent": None,
                "metadata": None,
            },
        )
        return SessionRecord.from_node(created[0]["node"]), True

    def chain(self, project_id: str) -> list[Transition]:
        """Every transition of the project, oldest first."""
        require_id("projectId", project_id, "Project")
        _, rows = self.graph.run_values("sessions/session_chain", {"project_id": project_id})
        return list(map(Transition._make, rows))  # columns in Transition's field order

    def resolve(self, external_id: str) -> ResolvedSession | None:
        """The session known as ``external_id`` and its project's latest session."""
        rows = self.graph.run("sessions/session_by_external_id", {"external_id": external_id})
        if not rows:
            return None
        session = SessionRecord.from_node(rows[0]["node"])
        latest = self.graph.run("sessions/latest_session", {"id": rows[0]["project_id"]})
        return ResolvedSession(
            session, SessionRecord.from_node(latest[0]["node"]) if latest else None
        )
