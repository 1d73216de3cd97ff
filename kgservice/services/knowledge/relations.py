"""Typed relations between entities: create, retire, review and read them.

A relation is a ``RELATED`` edge. It is never deleted: retiring it sets ``valid_to``, so the
graph can be asked as of a past time. Among current edges there is at most one per
(from, to, type); an entity never relates to itself; both ends share a namespace.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.validation import require_choice, require_id
from kgservice.stores.graph import GraphStore

RELATION_TYPES = (
    "uses",
    "depends_on",
    "tests",
    "extends",
    "implements",
    "part_of",
    "connects_to",
    "related_to",
    "same_as",
)
RELATION_STATUSES = ("proposed", "accepted", "rejected")
REVIEW_DECISIONS = {"accept": "accepted", "reject": "rejected"}
MAX_EVIDENCE_CHARS = 20_000


@dataclass(frozen=True)
class RelationRecord:
    """One RELATED edge as stored."""

    id: str
    from_id: str
    to_id: str
    type: str
    confidence: float
    score: float | None
    method: str
    evidence: str | None
    status: str
    valid_from: datetime
    valid_to: datetime | None
    job_id: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        """Build from a row of the ``knowledge/relation_*`` queries."""
        return cls(
            id=row["id"],
            from_id=row["from_id"],
            to_id=row["to_id"],
            type=row["type"],
            confidence=row["confidence"] if row["confidence"] is not None else 1.0,
            score=row["score"],
            method=row["method"] or "manual",
            evidence=row["evidence"],
            status=row["status"] or "accepted",
            valid_from=row["valid_from"],
            valid_to=row["valid_to"],
            job_id=row["job_id"],
        )

    def current_at(self, moment: datetime) -> bool:
        """Whether the edge was valid at ``moment`` (valid_from <= moment < valid_to)."""
        return self.valid_from <= moment and (self.valid_to is None or self.valid_to > moment)


def require_unit(field: str, value: float) -> float:
    """Return ``value`` if it lies in [0, 1]."""
    if not 0.0 <= value <= 1.0:
        raise InputError(field, f"must be between 0 and 1 (got {value})")
    return value


def evidence_json(value: Any) -> str:
    """Serialise relation evidence (a list of strings or objects, or one of them) to JSON."""
    if value is None:
        return "[]"
    items = value if isinstance(value, list) else [value]
    try:
        text = json.dumps(items, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError("evidence", f"is not JSON-serialisable: {exc}") from None
    if len(text) > MAX_EVIDENCE_CHARS:
        raise InputError("evidence", f"must be at most {MAX_EVIDENCE_CHARS} characters as JSON")
    return text


class RelationService:
    """Writes and reads RELATED edges."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def create(
        self,
        from_id: str,
        to_id: str,
        relation_type: str,
        *,
        confidence: float = 1.0,
        evidence: Any = None,
    ) -> RelationRecord:
        """Create an accepted, manual relation.

        Raises:
            InputError: a bad id, type or confidence, or a self-relation.
            NotFoundError: an end does not exist.
            ConflictError: a current relation of this type joins the pair (``current`` is
                its id).
        """
        require_id("from", from_id, "Entity")
        require_id("to", to_id, "Entity")
        require_choice("type", relation_type, RELATION_TYPES)
        require_unit("confidence", confidence)
        if from_id == to_id:
            raise InputError("to", "an entity cannot relate to itself")
        evidence_text = evidence_json(evidence)
        with self.graph.transaction() as tx:
            ends = []
            for entity_id in (from_id, to_id):
                rows = tx.run("knowledge/relation_endpoint", {"id": entity_id})
                if not rows:
                    raise NotFoundError(entity_id, "entity")
                ends.append(rows[0])
            if ends[0]["namespace"] != ends[1]["namespace"]:
                raise InputError("to", "entities of different namespaces cannot relate")
            existing = tx.run(
                "knowledge/relation_current",
                {"from_id": from_id, "to_id": to_id, "type": relation_type},
            )
            if existing:
                raise ConflictError(
                    f"a current {relation_type} relation joins these entities",
                    current=existing[0]["id"],
                )
            rows = tx.run(
                "knowledge/relation_create",
                {
                    "from_id": from_id,
                    "to_id": to_id,
                    "id": new_id(),
                    "type": relation_type,
                    "confidence": confidence,
                    "score": None,
                    "method": "manual",
                    "evidence": evidence_text,
                    "status": "accepted",
                    "now": utc_now(),
                    "job_id": None,
                },
            )
        return RelationRecord.from_row(rows[0])

    def get(self, relation_id: str) -> RelationRecord | None:
        """The relation with this id, or None."""
        rows = self.graph.run("knowledge/relation_by_id", {"id": relation_id})
        return RelationRecord.from_row(rows[0]) if rows else None

    def retire(self, relation_id: str) -> RelationRecord:
        """Set ``valid_to`` on a current relation; retiring twice is a ConflictError."""
        with self.graph.transaction() as tx:
            rows = tx.run("knowledge/relation_retire", {"id": relation_id, "now": utc_now()})
            if not rows:
                found = tx.run("knowledge/relation_by_id", {"id": relation_id})
                if not found:
                    raise NotFoundError(relation_id, "relation")
                raise ConflictError("the relation is already retired", current=relation_id)
        return RelationRecord.from_row(rows[0])

    def review(self, relation_id: str, decision: str) -> RelationRecord:
        """Accept or reject a proposed relation (``decision``: accept or reject)."""
        require_choice("decision", decision, REVIEW_DECISIONS)
        with self.graph.transaction() as tx:
            rows = tx.run(
                "knowledge/relation_review",
                {"id": relation_id, "status": REVIEW_DECISIONS[decision]},
            )
            if not rows:
                found = tx.run("knowledge/relation_by_id", {"id": relation_id})
                if not found:
                    raise NotFoundError(relation_id, "relation")
                current = RelationRecord.from_row(found[0])
                state = "retired" if current.valid_to is not None else current.status
                raise ConflictError(f"the relation is {state}, not proposed", current=relation_id)
        return RelationRecord.from_row(rows[0])

    def of_entity(
        self,
        entity_id: str,
        *,
        types: Sequence[str] | None = None,
        status: str | None = None,
        as_of: datetime | None = None,
    ) -> list[RelationRecord]:
        """Relations into and out of an entity, ordered by id.

        Without ``as_of`` only current edges are returned; with it, the edges valid then.
        """
        require_id("entityId", entity_id, "Entity")
        for relation_type in types or ():
            require_choice("types", relation_type, RELATION_TYPES)
        if status is not None:
            require_choice("status", status, RELATION_STATUSES)
        if not self.graph.run("knowledge/relation_endpoint", {"id": entity_id}):
            raise NotFoundError(entity_id, "entity")
        rows = self.graph.run("knowledge/relation_of_entity", {"entity_id": entity_id})
        records = [RelationRecord.from_row(row) for row in rows]
        chosen = [
            r
            for r in records
            if (not types or r.type in types)
            and (status is None or r.status == status)
            and (r.valid_to is None if as_of is None else r.current_at(as_of))
        ]
        return sorted(chosen, key=lambda r: r.id)

    def candidates(
        self, job_id: str, *, status: str = "proposed", after: tuple[float, str] | None, limit: int
    ) -> list[RelationRecord]:
        """A page of a job's current relations in ``status``, best score first."""
        require_id("jobId", job_id, "Job")
        require_choice("status", status, RELATION_STATUSES)
        after_score, after_id = after if after is not None else (2.0, "")
        rows = self.graph.run(
            "knowledge/relation_candidates",
            {
                "job_id": job_id,
                "status": status,
                "after_score": after_score,
                "after_id": after_id,
                "limit": limit,
            },
        )
        return [RelationRecord.from_row(row) for row in rows]

    def count_candidates(self, job_id: str, status: str = "proposed") -> int:
        """How many current relations of ``status`` a job proposed."""
        rows = self.graph.run(
            "knowledge/relation_candidates_count", {"job_id": job_id, "status": status}
        )
        return int(rows[0]["count"]) if rows else 0
