"""Conversations: ``conversations_v2`` and the older ``conversations`` (MD5 ids) of
``reflection.duckdb`` become Conversation nodes in their project.

The legacy fields without a column of their own (category, tier, session, reasoning, the
legacy metadata...) are kept in the node's ``metadata`` JSON under ``legacy``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

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

CONVERSATIONS_V2 = LegacyTable(
    name="conversations_v2",
    required=("id", "content", "timestamp"),
    optional=(
        "embedding",
        "category",
        "subcategory",
        "importance_score",
        "memory_tier",
        "access_count",
        "last_accessed",
        "project",
        "namespace",
        "session_id",
        "user_id",
        "reasoning",
        "metadata",
        "source_type",
        "turn_parent_id",
        "causal_parent_id",
    ),
    times=("timestamp", "last_accessed"),
    vector="embedding",
)
CONVERSATIONS_V1 = LegacyTable(
    name="conversations",
    required=("id", "content", "timestamp"),
    optional=("embedding", "project", "metadata"),
    times=("timestamp",),
    vector="embedding",
)
#: Columns that become the node's own fields rather than legacy metadata.
_OWN = {"id", "content", "timestamp", "embedding", "project"}


def legacy_json(value: Any) -> Any:
    """A legacy JSON text as its value (text that is not JSON stays text)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def legacy_metadata(table: str, row: Mapping[str, Any], own: set[str]) -> str:
    """The legacy fields of a row as the node's metadata JSON."""
    fields = {
        key: legacy_json(value) if key == "metadata" else value
        for key, value in row.items()
        if key not in own and value is not None
    }
    legacy = {"legacy": {"source": "session-buddy", "table": table, **fields}}
    return orjson.dumps(legacy, option=orjson.OPT_SORT_KEYS, default=str).decode()


@dataclass
class ConversationsMapper:
    """conversations_v2 and conversations -> Conversation (IN_PROJECT its project)."""

    family: str = "conversations"
    option: str = "reflection_db"
    tables: tuple[LegacyTable, ...] = (CONVERSATIONS_V2, CONVERSATIONS_V1)
    required: bool = True

    def unavailable(self) -> str | None:
        """Conversations always have a model."""
        return None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Map each present conversation table."""
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
                report.imported += 1  # committed before this job was stopped
                mapped.nodes.append(
                    MappedNode(
                        "Conversation", earlier.node_id, {}, [], content, embedding, existing=True
                    )
                )
                continue
            moment = first_time(
                report, legacy_id, context.started, row["timestamp"], row.get("last_accessed")
            )
            node_id = seeded_id(moment, "Conversation", context.seed(table.name, legacy_id))
            node = MappedNode(
                label="Conversation",
                id=node_id,
                keys=[legacy_id],
                properties={
                    "namespace": context.namespace,
                    "created_at": moment,
                    "legacy_id": legacy_id,
                    "content": content,
                    "metadata": legacy_metadata(table.name, row, _OWN),
                },
                text=content,
                embedding=embedding,
            )
            project = context.project_id(row.get("project"), moment)
            node.edges.append(MappedEdge("IN_PROJECT", "Conversation", node_id, "Project", project))
            mapped.nodes.append(node)
            report.imported += 1
        return mapped
