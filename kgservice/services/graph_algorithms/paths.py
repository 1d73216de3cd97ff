"""``shortestPath``: a shortest chain of current relations between two entities."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.errors import InputError, NotFoundError
from kgservice.services import nodes
from kgservice.services.graph_algorithms.edges import (
    EdgeRecord,
    edge_record,
    internal_key,
    meta,
    node_record,
)
from kgservice.services.nodes import NodeRecord
from kgservice.stores.graph import GraphStore

MAX_PATH_DEPTH = 8  # the bound written in queries/algorithms/shortest_path.cypher


@dataclass(frozen=True)
class GraphPath:
    """Nodes from ``from`` to ``to`` and the edges between consecutive ones."""

    nodes: list[NodeRecord]
    edges: list[EdgeRecord]

    @property
    def length(self) -> int:
        """Number of edges."""
        return len(self.edges)


def _entity(graph: GraphStore, field: str, node_id: str) -> NodeRecord:
    record = nodes.find_node(graph, node_id)
    if record is None:
        raise NotFoundError(node_id, "entity")
    if record.label != "Entity":
        raise InputError(field, f"{node_id} is a {record.label}, not an entity")
    return record


def shortest_path(graph: GraphStore, source: str, target: str, max_depth: int) -> GraphPath | None:
    """A shortest path over current relations (either direction), or None if none is short enough.

    Raises:
        InputError: ``max_depth`` outside 1..8, or an end that is not an entity.
        NotFoundError: an end does not exist.
    """
    if not 1 <= max_depth <= MAX_PATH_DEPTH:
        raise InputError("maxDepth", f"must be between 1 and {MAX_PATH_DEPTH}")
    start = _entity(graph, "from", source)
    _entity(graph, "to", target)
    if source == target:
        return GraphPath([start], [])
    rows = graph.run("graph_algorithms/shortest_path", {"source": source, "target": target})
    if not rows or len(rows[0]["rels"]) > max_depth:
        return None
    raw_nodes = rows[0]["nodes"]
    ids = {internal_key(meta(node, "id")): node["id"] for node in raw_nodes}
    return GraphPath(
        [node_record(graph, meta(node, "label"), node) for node in raw_nodes],
        [edge_record(graph, meta(rel, "label"), rel, ids) for rel in rows[0]["rels"]],
    )
