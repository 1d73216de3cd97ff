"""What mappers produce: nodes and edges to write, and the per-table report of a run.

A mapper turns legacy rows into :class:`MappedNode` and :class:`MappedEdge` values in the
graph's own terms (table labels and column names), so one writer loads every family.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from kgservice.ids import id_at

#: Problems recorded with at most this many example legacy ids each.
EXAMPLES_KEPT = 5
REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class MappedEdge:
    """One edge to create between two nodes (new or existing)."""

    rel: str
    from_label: str
    from_id: str
    to_label: str
    to_id: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: The legacy id recorded for the edge (relations), if any.
    legacy_id: str | None = None


@dataclass
class MappedNode:
    """One node to create (or, ``existing``, already in the graph), the legacy keys to
    record for it now, its edges and, for a text node, its text and stored vector.

    ``parts`` are nodes written with it, in the same batch (a commit's repository, files
    and symbols): a record made of many nodes is never half-written. A text node that is
    not ``embed``-ded has its text stored for full-text search at once and its vector left
    to the backfill (code, like ``index-code`` without embedding).
    """

    label: str
    id: str
    properties: dict[str, Any]
    keys: list[str] = field(default_factory=list)
    text: str | None = None
    embedding: npt.NDArray[np.float32] | None = None
    existing: bool = False
    edges: list[MappedEdge] = field(default_factory=list)
    parts: list[MappedNode] = field(default_factory=list)
    embed: bool = True

    def whole(self) -> list[MappedNode]:
        """The node and its parts."""
        return [self, *self.parts]


@dataclass
class TableReport:
    """Counts of one legacy table: found, imported, already there, skipped and problems."""

    file: str
    table: str
    source: int = 0
    imported: int = 0
    already: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    note: str | None = None

    def problem(self, kind: str, legacy_id: str) -> None:
        """Count a problem found in a record (the record may still be imported)."""
        self.problems[kind] += 1
        kept = self.examples.setdefault(kind, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(legacy_id)

    def skip(self, reason: str, legacy_id: str) -> None:
        """Count a record left out, and why (also a problem)."""
        self.skipped[reason] += 1
        self.problem(reason, legacy_id)

    def as_json(self) -> dict[str, Any]:
        """The report as a JSON object (stored in the job's counts)."""
        value: dict[str, Any] = {
            "file": self.file,
            "source": self.source,
            "imported": self.imported,
            "already": self.already,
            "skipped": dict(sorted(self.skipped.items())),
            "problems": dict(sorted(self.problems.items())),
            "examples": dict(sorted(self.examples.items())),
        }
        if self.note:
            value["note"] = self.note
        return value

    @classmethod
    def from_json(cls, table: str, value: Mapping[str, Any]) -> TableReport:
        """Rebuild a report saved in a checkpoint."""
        return cls(
            file=value["file"],
            table=table,
            source=int(value.get("source", 0)),
            imported=int(value.get("imported", 0)),
            already=int(value.get("already", 0)),
            skipped=Counter(value.get("skipped", {})),
            problems=Counter(value.get("problems", {})),
            examples={k: list(v) for k, v in value.get("examples", {}).items()},
            note=value.get("note"),
        )


def seeded_id(moment: datetime, label: str | None, seed: str) -> str:
    """A ULID of ``label`` at ``moment`` whose random part comes from ``seed``.

    The same legacy record always gets the same id (a resumed or repeated import writes the
    same ids), and records sharing a timestamp still get distinct ones.
    """
    return id_at(moment, label, seed=hashlib.sha256(seed.encode()).digest())


def parse_time(value: Any) -> datetime | None:
    """A legacy timestamp as a naive-UTC datetime, or None when absent or unparsable.

    session-buddy stores naive TIMESTAMP (DuckDB) or ISO text (SQLite); naive values are
    taken as UTC. Infinite or out-of-range values count as unparsable.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if not 1970 <= moment.year <= 9999:
        return None
    return moment


def first_time(report: TableReport, legacy_id: str, fallback: datetime, *values: Any) -> datetime:
    """The first parsable of ``values`` (the record's own time first); ``fallback`` (the
    import's start) when none parses, reported as an unparsable timestamp."""
    for value in values:
        moment = parse_time(value)
        if moment is not None:
            if value is not values[0]:
                report.problem("unparsable timestamp (a later time column used)", legacy_id)
            return moment
    report.problem("unparsable timestamp (the import time used)", legacy_id)
    return fallback


def check_content(report: TableReport, legacy_id: str, content: Any) -> str | None:
    """The record's text, or None (skipped, reason counted) when empty or fully redacted."""
    text = content if isinstance(content, str) else ""
    if not text.strip():
        report.skip("empty content", legacy_id)
        return None
    if REDACTED in text:
        if not text.replace(REDACTED, "").strip():
            report.skip("content entirely [REDACTED]", legacy_id)
            return None
        report.problem("[REDACTED] markers (imported as is)", legacy_id)
    if "\x00" in text:
        text = text.replace("\x00", "")
        report.problem("NUL characters removed", legacy_id)
    return text


def check_embedding(
    report: TableReport, legacy_id: str, value: Any, dimension: int
) -> npt.NDArray[np.float32] | None:
    """A stored embedding as a float32 vector, or None (reported) when unusable."""
    if value is None:
        return None
    try:
        vector = np.asarray(value, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError):
        report.problem("embedding unreadable (re-embedded)", legacy_id)
        return None
    if vector.shape[0] != dimension:
        report.problem(f"embedding of wrong size (not {dimension}; re-embedded)", legacy_id)
        return None
    if not np.isfinite(vector).all() or not vector.any():
        report.problem("embedding not finite or zero (re-embedded)", legacy_id)
        return None
    return vector / np.float32(np.linalg.norm(vector))


def unique_rows(
    report: TableReport, rows: list[dict[str, Any]], key: str = "id"
) -> list[dict[str, Any]]:
    """Rows with a non-empty, first-seen id; later duplicates and empty ids are skipped."""
    seen: set[str] = set()
    kept = []
    for position, row in enumerate(rows):
        legacy_id = str(row.get(key) or "").strip()
        if not legacy_id:
            report.skip("empty id", f"row {position}")
            continue
        if legacy_id in seen:
            report.skip("duplicate id", legacy_id)
            continue
        seen.add(legacy_id)
        row[key] = legacy_id
        kept.append(row)
    return kept
