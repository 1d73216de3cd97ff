"""``neighborhood``: the nodes and edges within a few hops of a node, for visualisers."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.errors import InputError, NotFoundError
from kgservice.services import nodes
from kgservice.services.context_pool import ContextThreadPool
from kgservice.services.graph_algorithms.edges import (
    EdgeRecord,
    edge_record,
    internal_key,
    node_record,
)
from kgservice.services.knowledge.relations import RELATION_TYPES
from kgservice.services.nodes import NodeRecord
from kgservice.stores.graph import GraphStore, Row
from kgservice.stores.schema_dump import DERIVED_TABLES

MAX_DEPTH = 3
MAX_LIMIT = 500


@dataclass(frozen=True)
class RelFilter:
    """Which edges to follow: every edge of ``tables``, and RELATED edges of ``types``."""

    tables: tuple[str, ...]
    types: tuple[str, ...]


@dataclass(frozen=True)
class Neighborhood:
    """Nodes (the start first) and the edges followed; ``truncated`` when a cap was hit."""

    nodes: list[NodeRecord]
    edges: list[EdgeRecord]
    truncated: bool


_REL_TABLES: dict[frozenset[str], tuple[str, ...]] = {}


def rel_tables(graph: GraphStore) -> tuple[str, ...]:
    """Names of the graph's relationship tables but derived ones (the ``relTypes`` allowlist)."""
    schema = frozenset(graph.table_names())
    cached = _REL_TABLES.get(schema)
    if cached is None:
        rows = graph.execute_catalog("CALL show_tables() RETURN name, type")
        names = {row["name"] for row in rows if row["type"] == "REL"} - DERIVED_TABLES
        cached = tuple(sorted(names))
        _REL_TABLES[schema] = cached
    return cached


def rel_filter(graph: GraphStore, rel_types: list[str] | None) -> RelFilter:
    """Parse ``relTypes``: table names (``MENTIONS``) or relation types (``uses``, ``USES``).

    Raises:
        InputError: a value names neither a relationship table nor a relation type.
    """
    tables = rel_tables(graph)
    if rel_types is None:
        return RelFilter(tables, ())
    chosen_tables: list[str] = []
    chosen_types: list[str] = []
    for value in rel_types:
        if value in tables:
            chosen_tables.append(value)
        elif value.lower() in RELATION_TYPES:
            chosen_types.append(value.lower())
        else:
            raise InputError(
                "relTypes",
                f"unknown relationship type {value!r}: use a relation type "
                f"({', '.join(RELATION_TYPES)}) or a table ({', '.join(tables)})",
            )
    return RelFilter(tuple(dict.fromkeys(chosen_tables)), tuple(dict.fromkeys(chosen_types)))


def check_bounds(depth: int, limit: int) -> None:
    """Refuse a depth outside 1..3 or a limit outside 1..500."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError("depth", f"must be between 1 and {MAX_DEPTH}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError("limit", f"must be between 1 and {MAX_LIMIT}")


def neighborhood(
    graph: GraphStore,
    node_id: str,
    depth: int = 1,
    rel_types: list[str] | None = None,
    limit: int = MAX_LIMIT,
) -> Neighborhood:
    """Breadth-first from ``node_id`` up to ``depth`` hops over the chosen edges.

    At most ``limit`` nodes and ``limit`` edges are returned; the edges are those followed
    from nodes closer than ``depth`` (so edges among the outermost nodes are left out).

    Raises:
        InputError: bad depth, limit or relTypes (checked before anything runs).
        NotFoundError: no node has id ``node_id``.
    """
    check_bounds(depth, limit)
    follow = rel_filter(graph, rel_types)
    start = nodes.find_node(graph, node_id)
    if start is None:
        raise NotFoundError(node_id)
    found: dict[str, str] = {start.id: start.label}  # node id -> table, in visiting order
    edges: dict[str, EdgeRecord] = {}
    frontier = [(start.id, start.label)]
    truncated = False
    for _ in range(depth):
        steps = _STEPS.map(lambda node: _step(graph, node, follow, limit), frontier)
        next_frontier: list[tuple[str, str]] = []
        for (node_id, _label), rows in zip(frontier, steps, strict=True):
            truncated = truncated or len(rows) > limit
            for row in rows[:limit]:
                other = row["node_id"]
                if other not in found:
                    if len(found) >= limit:
                        truncated = True
                        continue
                    found[other] = row["node_label"]
                    next_frontier.append((other, row["node_label"]))
                if len(edges) >= limit:
                    truncated = True
                    continue
                known = {internal_key(row["origin"]): node_id, internal_key(row["node_key"]): other}
                edge = edge_record(graph, row["label"], row["rel"], known)
                edges.setdefault(edge.id, edge)
        frontier = next_frontier
        if not frontier:
            break
    records = _records(graph, {k: v for k, v in found.items() if k != start.id})
    ordered = [start, *(records[node_id] for node_id in found if node_id in records)]
    returned = {record.id for record in ordered}
    kept = [e for e in edges.values() if e.source in returned and e.target in returned]
    return Neighborhood(ordered, kept, truncated)


def _records(graph: GraphStore, labels: dict[str, str]) -> dict[str, NodeRecord]:
    """Nodes by id, looked up by primary key in small parallel batches (never a table scan)."""
    by_label: dict[str, list[str]] = {}
    for node_id, label in labels.items():
        by_label.setdefault(label, []).append(node_id)
    found: dict[str, NodeRecord] = {}
    for label, ids in by_label.items():
        for start in range(0, len(ids), nodes.PER_ID_LOOKUP_LIMIT):
            batch = ids[start : start + nodes.PER_ID_LOOKUP_LIMIT]
            for node in nodes.nodes_of_table(graph, label, batch):
                record = node_record(graph, label, node)
                found[record.id] = record
    return found


def _step(graph: GraphStore, node: tuple[str, str], follow: RelFilter, limit: int) -> list[Row]:
    return graph.run(
        "graph_algorithms/neighborhood_step",
        {
            "id": node[0],
            "tables": list(follow.tables),
            "types": list(follow.types),
            "limit": limit + 1,
        },
        label=node[1],
    )


#: Steps from the nodes of one level run side by side on the store's pooled readers.
_STEPS = ContextThreadPool(max_workers=4, thread_name_prefix="kg-neighborhood")
