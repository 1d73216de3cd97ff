"""Reflections: ``reflections_v2`` and the older ``reflections`` of ``reflection.duckdb``
become Reflection nodes (tags, importance) in their project; the other legacy fields
(category, conversation, related entities...) are kept in ``metadata``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kgservice.services.imports.conversations import legacy_metadata
from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    MappedEdge,
    MappedNode,
    TableReport,
    check_content,
    check_embedding,
    first_time,
    seeded_id,
    unique_rows,
)
from kgservice.services.imports.sources import LegacyFile, LegacyTable

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
        report = TableReport(file=legacy.label, table=table.name)
        rows, vectors = legacy.read(table)
        report.source = len(rows)
        for row, vector in zip(rows, vectors, strict=True):
            row["embedding"] = vector
        rows = unique_rows(report, rows)
        known = context.known(row["id"] for row in rows)
        mapped = MappedTable(report)
        for row in rows:
            legacy_id = row["id"]
            content = check_content(report, legacy_id, row["content"])
            if content is None:
                continue
            embedding = check_embedding(report, legacy_id, row["embedding"], context.dimension)
            earlier = known.get(legacy_id)
            if earlier is not None:
                if earlier.job_id != context.job_id or context.job_id is None:
                    report.already += 1
                    continue
                report.imported += 1
                mapped.nodes.append(
                    MappedNode(
                        "Reflection", earlier.node_id, {}, [], content, embedding, existing=True
                    )
                )
                continue
            moment = first_time(
                report, legacy_id, context.started, row["timestamp"], row.get("created_at")
            )
            importance = row.get("importance_score")
            if importance is not None and importance_of(importance) != importance:
                report.problem("importance outside 0..1 (clamped)", legacy_id)
            node_id = seeded_id(moment, "Reflection", context.seed(table.name, legacy_id))
            node = MappedNode(
                label="Reflection",
                id=node_id,
                keys=[legacy_id],
                properties={
                    "namespace": context.namespace,
                    "created_at": moment,
                    "legacy_id": legacy_id,
                    "content": content,
                    "tags": tag_list(row.get("tags")),
                    "importance": importance_of(importance),
                    "metadata": legacy_metadata(table.name, row, _OWN),
                },
                text=content,
                embedding=embedding,
            )
            project = context.project_id(row.get("project"), moment)
            node.edges.append(MappedEdge("IN_PROJECT", "Reflection", node_id, "Project", project))
            mapped.nodes.append(node)
            report.imported += 1
        return mapped
