"""Reflections: ``reflections_v2`` and the older ``reflections`` of ``reflection.duckdb``
become Reflection nodes (tags, importance) in their project; the other legacy fields
(category, conversation, related entities...) are kept in ``metadata``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    TableReport,
)
from kgservice.services.imports.sources import LegacyFile, LegacyTable
from kgservice.services.imports.text_tables import map_text_table

REFLECTIONS_V2 = LegacyTable(
    name="reflections_v2",
    required=("id", "content", "timestamp"),
    optional=(
        "conversation_id",
        "embedding",
        "category",
        "subcategory",
        "importance_score",
        "memory_tier",
        "tags",
        "related_entities",
        "namespace",
        "project",
        "access_count",
        "last_accessed",
        "created_at",
        "updated_at",
        "metadata",
        "source_session_id",
        "source_artifact_uri",
    ),
    times=("timestamp", "created_at", "updated_at", "last_accessed"),
    vector="embedding",
)
REFLECTIONS_V1 = LegacyTable(
    name="reflections",
    required=("id", "content", "timestamp"),
    optional=("tags", "embedding", "project", "importance_score", "metadata"),
    times=("timestamp",),
    vector="embedding",
)
_OWN = {"id", "content", "timestamp", "created_at", "embedding", "project", "tags"}
DEFAULT_IMPORTANCE = 0.5


def tag_list(value: Any) -> list[str]:
    """Tags from a list, a JSON list or comma-separated text."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value.split(",")
        value = parsed if isinstance(parsed, list) else [parsed]
    return list(dict.fromkeys(str(tag).strip() for tag in value if str(tag).strip()))


def importance_of(value: Any) -> float:
    """An importance in [0, 1] (legacy scores outside it are clamped; none: 0.5)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return DEFAULT_IMPORTANCE
    if number != number:  # NaN
        return DEFAULT_IMPORTANCE
    return min(max(number, 0.0), 1.0)


@dataclass
class ReflectionsMapper:
    """reflections_v2 and reflections -> Reflection (IN_PROJECT its project)."""

    family: str = "reflections"
    option: str = "reflection_db"
    tables: tuple[LegacyTable, ...] = (REFLECTIONS_V2, REFLECTIONS_V1)
    required: bool = True

    def unavailable(self) -> str | None:
        """Reflections always have a model."""
        return None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Map each present reflection table."""
        for table in self.tables:
            if legacy.has(table.name):
                yield self._map_table(legacy, table, context)

    def _map_table(
        self, legacy: LegacyFile, table: LegacyTable, context: MapContext
    ) -> MappedTable:
        return map_text_table(
            legacy,
            table,
            context,
            label="Reflection",
            own=_OWN,
            later_time="created_at",
            properties=_reflection_properties,
        )


def _reflection_properties(
    report: TableReport, row: Mapping[str, Any], legacy_id: str
) -> dict[str, Any]:
    importance = row.get("importance_score")
    if importance is not None and importance_of(importance) != importance:
        report.problem("importance outside 0..1 (clamped)", legacy_id)
    return {"tags": tag_list(row.get("tags")), "importance": importance_of(importance)}
