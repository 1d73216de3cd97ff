"""Look up any node by its ULID or by a legacy identifier kept from an import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kgservice.ids import NODE_LABELS, label_of
from kgservice.services.context_pool import ContextThreadPool
from kgservice.stores.graph import GraphStore, Row


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
    if not keys or keys[0]["label"] not in NODE_LABELS:  # an edge's key (an imported relation)
        return None
    rows = graph.run("core/node_by_id", {"id": keys[0]["node_id"]}, label=keys[0]["label"])
    return _record(graph, keys[0]["label"], rows[0]["node"]) if rows else None


def find_nodes(graph: GraphStore, node_ids: list[str]) -> dict[str, NodeRecord]:
    """The nodes among ``node_ids`` that exist, by id (untagged ids are not looked up)."""
    by_label: dict[str, list[str]] = {}
    for node_id in node_ids:
        label = label_of(node_id)
        if label is not None:
            by_label.setdefault(label, []).append(node_id)
    found: dict[str, NodeRecord] = {}
    for label, ids in by_label.items():
        for node in nodes_of_table(graph, label, ids):
            record = _record(graph, label, node)
            found[record.id] = record
    return found


#: Up to this many ids, a batch is looked up id by id through the primary-key index
#: (~0.2-0.4 ms each); larger batches scan the table once (tens of ms at 100k+ nodes).
PER_ID_LOOKUP_LIMIT = 64


def nodes_of_table(graph: GraphStore, label: str, ids: list[str]) -> list[dict[str, Any]]:
    """The stored nodes of table ``label`` among ``ids`` (missing ids are left out)."""
    unique = list(dict.fromkeys(ids))
    if len(unique) > PER_ID_LOOKUP_LIMIT:
        return [row["node"] for row in graph.run("core/nodes_by_ids", {"ids": unique}, label=label)]

    def lookup(node_id: str) -> list[Row]:
        return graph.run("core/node_by_id", {"id": node_id}, label=label)

    # Lookups run on the store's pooled readers in parallel (the engine releases the GIL).
    found = _LOOKUPS.map(lookup, unique) if len(unique) > 1 else map(lookup, unique)
    return [row["node"] for rows in found for row in rows]


_LOOKUPS = ContextThreadPool(max_workers=4, thread_name_prefix="kg-lookup")


def _record(graph: GraphStore, label: str, node: dict[str, Any]) -> NodeRecord:
    return NodeRecord(label, {name: node.get(name) for name in graph.columns(label)})
