"""Edges as returned to visualisers, built from the engine's relationship values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgservice.services.nodes import NodeRecord
from kgservice.stores.graph import GraphStore


@dataclass(frozen=True)
class EdgeRecord:
    """One relationship: its table (``label``), its ends, and its own properties.

    ``id`` is the relation's id for RELATED edges, else ``LABEL:from:to`` (other tables
    hold at most one edge per pair).
    """

    id: str
    source: str
    target: str
    label: str
    type: str | None
    properties: dict[str, Any]


def meta(value: dict[str, Any], name: str) -> Any:
    """The engine's own field ``name`` of a node or relationship value (``_id``, ``_src``...).

    Kuzu spells these lower-case, Ladybug upper-case.
    """
    key = f"_{name}"
    return value[key] if key in value else value[key.upper()]


def internal_key(value: Any) -> tuple[int, int]:
    """The engine's internal id of a node or relationship end, as a hashable pair."""
    return int(value["table"]), int(value["offset"])


def node_record(graph: GraphStore, label: str, node: dict[str, Any]) -> NodeRecord:
    """A NodeRecord holding only the properties of table ``label``."""
    return NodeRecord(label, {name: node.get(name) for name in graph.columns(label)})


def edge_record(
    graph: GraphStore, label: str, rel: dict[str, Any], ids: dict[tuple[int, int], str]
) -> EdgeRecord:
    """An EdgeRecord from a relationship value; ``ids`` maps internal ids to node ids."""
    source = ids[internal_key(meta(rel, "src"))]
    target = ids[internal_key(meta(rel, "dst"))]
    properties = {name: rel.get(name) for name in graph.columns(label)}
    edge_id = properties.get("id") or f"{label}:{source}:{target}"
    kind = properties.get("type") if label == "RELATED" else None
    return EdgeRecord(str(edge_id), source, target, label, kind, properties)
