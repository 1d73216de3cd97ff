"""Reflections: ``reflections_v2`` and the older ``reflections`` of ``reflection.duckdb``
become Reflection nodes (tags, importance) in their project; the other legacy fields
(category, conversation, related entities...) are kept in ``metadata``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kgservice.services.imports.records import (
    TableReport,
)
from kgservice.services.imports.sources import LegacyTable
from kgservice.services.imports.text_tables import TextTableMapper

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
_OWN = frozenset({"id", "content", "timestamp", "created_at", "embedding", "project", "tags"})
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


def _reflection_properties(
    report: TableReport, row: Mapping[str, Any], legacy_id: str
) -> dict[str, Any]:
    importance = row.get("importance_score")
    if importance is not None and importance_of(importance) != importance:
        report.problem("importance outside 0..1 (clamped)", legacy_id)
    return {"tags": tag_list(row.get("tags")), "importance": importance_of(importance)}


REFLECTIONS = TextTableMapper(
    family="reflections",
    tables=(REFLECTIONS_V2, REFLECTIONS_V1),
    label="Reflection",
    own=_OWN,
    later_time="created_at",
    properties=_reflection_properties,
)
