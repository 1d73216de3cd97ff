"""Recording skill invocations: validated, then written in one transaction per call.

A batch is one ``UNWIND`` statement (two when some invocations have a session and some
not), so the engine binds and plans once per batch rather than once per invocation (about
1 ms per statement in Kuzu 0.11.3); each distinct session is matched once per batch.
``COPY`` from Arrow was measured too: it loads rows faster, but its commit checkpoints the
whole database with readers held back, which at 100,000 stored invocations took longer
than the whole ``UNWIND`` batch (docs/architecture.md, skills).

Skills unknown in the namespace are created on first use, inside the same transaction
(under the single writer, so two batches never create one name twice). A session id must
name a stored session.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kgservice.clock import utc_now
from kgservice.errors import InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.validation import MAX_NAME, require_text
from kgservice.stores.graph import GraphStore, Transaction

MAX_BATCH = 10_000
MAX_QUERY_CHARS = 10_000
MAX_ALTERNATIVES = 50


@dataclass(frozen=True)
class InvocationInput:
    """One run of a skill, as a client reports it."""

    skill: str
    at: datetime
    completed: bool
    duration_ms: float | None = None
    user_id: str | None = None
    session_id: str | None = None
    error_type: str | None = None
    user_query: str | None = None
    workflow_phase: str | None = None
    alternatives: Sequence[str] = field(default_factory=tuple)
    selection_rank: int | None = None


def naive_utc(moment: datetime) -> datetime:
    """A datetime as the graph stores it: UTC without tzinfo (naive ones are taken as UTC)."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def require_skill_name(field_name: str, name: str) -> str:
    """A skill name: non-empty, at most MAX_NAME characters, kept as given (stripped)."""
    return require_text(field_name, name.strip(), max_length=MAX_NAME)


def check_invocation(position: int, item: InvocationInput) -> dict[str, Any]:
    """Validate one invocation; return its row (without ids), naming bad fields by position."""
    where = f"invocations[{position}]"
    duration = item.duration_ms
    if duration is not None and (not math.isfinite(duration) or duration < 0):
        raise InputError(f"{where}.durationMs", "must be a finite number of at least 0")
    if item.selection_rank is not None and item.selection_rank < 1:
        raise InputError(f"{where}.selectionRank", "must be at least 1")
    if len(item.alternatives) > MAX_ALTERNATIVES:
        raise InputError(f"{where}.alternatives", f"at most {MAX_ALTERNATIVES}")
    for index, alternative in enumerate(item.alternatives):
        require_skill_name(f"{where}.alternatives[{index}]", alternative)
    optional = {
        "userId": item.user_id,
        "sessionId": item.session_id,
        "errorType": item.error_type,
        "workflowPhase": item.workflow_phase,
    }
    for name, value in optional.items():
        if value is not None:
            require_text(f"{where}.{name}", value, max_length=MAX_NAME)
    if item.user_query is not None:
        require_text(f"{where}.userQuery", item.user_query, max_length=MAX_QUERY_CHARS)
    return {
        "skill": require_skill_name(f"{where}.skill", item.skill),
        "invoked_at": naive_utc(item.at),
        "completed": bool(item.completed),
        "duration_ms": None if duration is None else float(duration),
        "user_id": item.user_id,
        "session_id": item.session_id,
        "error_type": item.error_type,
        "user_query": item.user_query,
        "workflow_phase": item.workflow_phase,
        "alternatives": [a.strip() for a in item.alternatives],
        "selection_rank": item.selection_rank,
    }


def skill_ids(
    tx: Transaction, namespace: str, names: Sequence[str], now: datetime
) -> dict[str, str]:
    """The ids of the named skills of ``namespace``, creating the missing ones."""
    wanted = sorted(set(names))
    found = {
        row["name"]: row["id"]
        for row in tx.run("skills/skills_by_name", {"namespace": namespace, "names": wanted})
    }
    missing = [{"id": new_id("Skill"), "name": name} for name in wanted if name not in found]
    if missing:
        tx.run("skills/skills_create", {"namespace": namespace, "now": now, "skills": missing})
        found.update({row["name"]: row["id"] for row in missing})
    return found


def record_invocations(
    graph: GraphStore, namespace: str, invocations: Sequence[InvocationInput]
) -> int:
    """Record invocations in one transaction; return how many were recorded.

    Unknown skills are created; an invocation with a ``session_id`` is linked to that
    stored session (``DURING``).

    Raises:
        InputError: a bad field (named ``invocations[i].field``), an empty batch or more
            than :data:`MAX_BATCH`; nothing is written.
        NotFoundError: a ``session_id`` that is no stored session; nothing is written.
    """
    require_text("namespace", namespace, max_length=MAX_NAME)
    if not invocations:
        raise InputError("invocations", "must not be empty")
    if len(invocations) > MAX_BATCH:
        raise InputError("invocations", f"at most {MAX_BATCH} per call (got {len(invocations)})")
    rows = [check_invocation(position, item) for position, item in enumerate(invocations)]
    now = utc_now()
    session_ids = sorted({row["session_id"] for row in rows if row["session_id"] is not None})
    with graph.transaction() as tx:
        ids = skill_ids(tx, namespace, [row["skill"] for row in rows], now)
        if session_ids:
            found = {
                row["id"]
                for row in tx.run(
                    "skills/sessions_existing", {"ids": session_ids, "namespace": namespace}
                )
            }
            missing = [i for i in session_ids if i not in found]
            if missing:
                raise NotFoundError(missing[0], "session")
        plain: list[dict[str, Any]] = []
        in_session: list[dict[str, Any]] = []
        for row in rows:
            row["id"] = new_id("SkillInvocation")
            row["skill_id"] = ids[row["skill"]]
            (plain if row["session_id"] is None else in_session).append(row)
        params = {"namespace": namespace, "now": now}
        if plain:
            tx.run("skills/invocations_create", {**params, "rows": plain})
        if in_session:
            tx.run(
                "skills/invocations_create_in_session",
                {**params, "rows": in_session, "session_ids": session_ids},
            )
    return len(rows)
