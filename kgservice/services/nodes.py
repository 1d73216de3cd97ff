"""Look up any node by its ULID or by a legacy identifier kept from an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgservice.ids import label_of
from kgservice.stores.graph import GraphStore


@dataclass(frozen=True)
class NodeRecord:
    """A node's table (label) and its own properties."""

    label: str
    properties: dict[str, Any]

    @property
    def id(self) -> str:
        """The node's ULID."""
        return str(self.properties["id"])


def find_node(graph: GraphStore, node_id: str) -> NodeRecord | None:
    """Return the node with ULID ``node_id``, or None.

    A kgservice id names its table, so this is one primary-key lookup; an untagged id
    (minted elsewhere) falls back to a scan of every table.
    """
    label = label_of(node_id)
    if label is not None:
        rows = graph.run("core/node_by_id", {"id": node_id}, label=label)
        return _record(graph, label, rows[0]["node"]) if rows else None
    rows = graph.run("core/node_by_id_any_table", {"id": node_id})
    return _record(graph, rows[0]["label"], rows[0]["node"]) if rows else None


def find_node_by_legacy_id(graph: GraphStore, legacy_id: str) -> NodeRecord | None:
    """Return the node an import recorded under ``legacy_id``, or None."""
    keys = graph.run("core/node_by_legacy_id", {"key": legacy_id})
    if not keys:
        return None
    rows = graph.run("core/node_by_id", {"id": keys[0]["node_id"]}, label=keys[0]["label"])
    return _record(graph, keys[0]["label"], rows[0]["node"]) if rows else None


def _record(graph: GraphStore, label: str, node: dict[str, Any]) -> NodeRecord:
    return NodeRecord(label, {name: node.get(name) for name in graph.columns(label)})
