"""Quality-run input: checking each figure, and the rows and Arrow tables that store runs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.services.quality.analysis import QualityRunRecord
from kgservice.services.validation import MAX_NAME, require_choice, require_id, require_text

BUILD_STATUSES = ("PASSED", "FAILED")
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # naive UTC, as stored
MAX_AHEAD = timedelta(days=1)
SCORE_FIELDS = ("lint_score", "security_score", "type_score")
#: Stored columns of QualityRun after its identity (id, namespace, created_at, legacy_id).
RUN_COLUMNS = (
    "command",
    "run_at",
    "build_status",
    "lint_score",
    "security_score",
    "type_score",
    "complexity",
    "tests_passed",
    "tests_failed",
    "coverage",
    "duration_seconds",
)


@dataclass(frozen=True)
class QualityRunInput:
    """One run as a caller reports it; ``check`` refuses figures out of range."""

    project_id: str
    command: str
    at: datetime | None = None
    build_status: str | None = None
    lint_score: float | None = None
    security_score: float | None = None
    type_score: float | None = None
    complexity: float | None = None
    tests_passed: int | None = None
    tests_failed: int | None = None
    coverage: float | None = None
    duration_seconds: float | None = None
    session_id: str | None = None

    def check(self, prefix: str = "") -> None:
        """Raise InputError naming the first invalid field (``prefix`` locates it in a batch)."""
        require_id(f"{prefix}projectId", self.project_id, "Project")
        if self.session_id is not None:
            require_id(f"{prefix}sessionId", self.session_id, "Session")
        require_text(f"{prefix}command", self.command, max_length=MAX_NAME)
        if self.at is not None:
            _require_time(f"{prefix}at", self.at)
        if self.build_status is not None:
            require_choice(f"{prefix}buildStatus", self.build_status, BUILD_STATUSES)
        for name in SCORE_FIELDS:
            _require_range(f"{prefix}{_camel(name)}", getattr(self, name), 0.0, 100.0)
        _require_range(f"{prefix}coverage", self.coverage, 0.0, 1.0)
        _require_range(f"{prefix}complexity", self.complexity, 0.0, math.inf)
        _require_range(f"{prefix}durationSeconds", self.duration_seconds, 0.0, math.inf)
        for name in ("tests_passed", "tests_failed"):
            count = getattr(self, name)
            if count is not None and count < 0:
                raise InputError(f"{prefix}{_camel(name)}", f"must not be negative (got {count})")

    def record(self, run_id: str, at: datetime) -> QualityRunRecord:
        """The run as it is stored, with its id and time."""
        return QualityRunRecord(
            id=run_id,
            command=self.command,
            at=at,
            **{name: getattr(self, name) for name in RUN_COLUMNS[2:]},
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _require_range(field: str, value: float | None, low: float, high: float) -> None:
    if value is None:
        return
    if not math.isfinite(value):
        raise InputError(field, f"must be a finite number (got {value})")
    if not low <= value <= high:
        bound = f"at least {low:g}" if high == math.inf else f"in {low:g}..{high:g}"
        raise InputError(field, f"must be {bound} (got {value:g})")


def _require_time(field: str, moment: datetime) -> None:
    """Refuse a run time before 1970 or more than a day ahead of the clock."""
    try:
        at = naive_utc(moment)
    except OverflowError:
        at = EARLIEST - timedelta(days=1)
    if not EARLIEST <= at <= utc_now() + MAX_AHEAD:
        raise InputError(field, "must be between 1970-01-01 and a day from now (UTC)")


def naive_utc(moment: datetime) -> datetime:
    """The engine's TIMESTAMP form: naive, in UTC (naive input is taken as UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def run_params(record: QualityRunRecord) -> dict[str, Any]:
    """The stored columns of a run, by column name."""
    return {
        "command": record.command,
        "run_at": naive_utc(record.at),
        **{name: getattr(record, name) for name in RUN_COLUMNS[2:]},
    }


def run_record(node: Mapping[str, Any]) -> QualityRunRecord:
    """A stored QualityRun node (its properties by column name) as a record."""
    return QualityRunRecord(
        id=node["id"],
        command=node["command"],
        at=node["run_at"],
        **{name: node.get(name) for name in RUN_COLUMNS[2:]},
    )


_COLUMN_TYPES: dict[str, pa.DataType] = {
    "command": pa.string(),
    "run_at": pa.timestamp("us"),
    "build_status": pa.string(),
    "tests_passed": pa.int64(),
    "tests_failed": pa.int64(),
}


def run_table(
    records: Sequence[QualityRunRecord], namespaces: Sequence[str], now: datetime
) -> pa.Table:
    """The runs as a COPY source for QualityRun, in its column order."""
    rows = [run_params(r) for r in records]
    columns: dict[str, pa.Array] = {
        "id": pa.array([r.id for r in records], pa.string()),
        "namespace": pa.array(list(namespaces), pa.string()),
        "created_at": pa.array([naive_utc(now)] * len(records), pa.timestamp("us")),
        "legacy_id": pa.nulls(len(records), pa.string()),
    }
    for name in RUN_COLUMNS:
        columns[name] = pa.array([row[name] for row in rows], _COLUMN_TYPES.get(name, pa.float64()))
    return pa.table(columns)


def link_table(from_ids: Sequence[str], to_ids: Sequence[str]) -> pa.Table:
    """Edges as a COPY source for a rel table without properties."""
    return pa.table(
        {"from": pa.array(list(from_ids), pa.string()), "to": pa.array(list(to_ids), pa.string())}
    )
