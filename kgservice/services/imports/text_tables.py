"""Legacy text tables (conversations, reflections): rows with an id, a content, a time and a
stored embedding become text nodes of one label in their project.

The legacy fields without a column of their own are kept in the node's ``metadata`` JSON
under ``legacy``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
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

#: A label's own properties of a row (beyond namespace, time, legacy id, content, metadata).
OwnProperties = Callable[[TableReport, Mapping[str, Any], str], dict[str, Any]]


def legacy_json(value: Any) -> Any:
    """A legacy JSON text as its value (text that is not JSON stays text)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def legacy_metadata(table: str, row: Mapping[str, Any], own: frozenset[str]) -> str:
    """The legacy fields of a row as the node's metadata JSON."""
    fields = {
        key: legacy_json(value) if key == "metadata" else value
        for key, value in row.items()
        if key not in own and value is not None
    }
    legacy = {"legacy": {"source": "session-buddy", "table": table, **fields}}
    return orjson.dumps(legacy, option=orjson.OPT_SORT_KEYS, default=str).decode()


def map_text_table(
    legacy: LegacyFile,
    table: LegacyTable,
    context: MapContext,
    *,
    label: str,
    own: frozenset[str],
    later_time: str,
    properties: OwnProperties,
) -> MappedTable:
    """Map one legacy text table to ``label`` nodes, each IN_PROJECT its project.

    ``own`` names the columns stored as properties (the rest go to ``metadata``),
    ``later_time`` the column that dates a row whose ``timestamp`` cannot be read, and
    ``properties`` adds the label's own properties of a row (reporting its problems).
    """
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
                MappedNode(label, earlier.node_id, {}, [], content, embedding, existing=True)
            )
            continue
        moment = first_time(
            report, legacy_id, context.started, row["timestamp"], row.get(later_time)
        )
        node_id = seeded_id(moment, label, context.seed(table.name, legacy_id))
        node = MappedNode(
            label=label,
            id=node_id,
            keys=[legacy_id],
            properties={
                "namespace": context.namespace,
                "created_at": moment,
                "legacy_id": legacy_id,
                "content": content,
                **properties(report, row, legacy_id),
                "metadata": legacy_metadata(table.name, row, own),
            },
            text=content,
            embedding=embedding,
        )
        project = context.project_id(row.get("project"), moment)
        node.edges.append(MappedEdge("IN_PROJECT", label, node_id, "Project", project))
        mapped.nodes.append(node)
        report.imported += 1
    return mapped


def no_properties(report: TableReport, row: Mapping[str, Any], legacy_id: str) -> dict[str, Any]:
    """No properties of a label's own beyond the common ones."""
    return {}


@dataclass(frozen=True)
class TextTableMapper:
    """One family of legacy text tables of ``reflection.duckdb`` -> ``label`` nodes."""

    family: str
    tables: tuple[LegacyTable, ...]
    label: str
    own: frozenset[str]
    later_time: str
    properties: OwnProperties = field(default=no_properties)
    option: str = "reflection_db"
    required: bool = True

    def unavailable(self) -> str | None:
        """Text tables always have a model."""
        return None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Map each present table of the family."""
        for table in self.tables:
            if legacy.has(table.name):
                yield map_text_table(
                    legacy,
                    table,
                    context,
                    label=self.label,
                    own=self.own,
                    later_time=self.later_time,
                    properties=self.properties,
                )
