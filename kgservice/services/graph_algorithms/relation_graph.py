"""``relationGraph``: a namespace's entities and the relations among them, for visualisers.

The most connected entities come first; at most ``limit`` of them are returned, with the
relations among those. Relations are the accepted or proposed ones valid at a time (now by
default), or every one, retired included.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.services import nodes
from kgservice.services.graph_algorithms.edges import EdgeRecord
from kgservice.services.graph_algorithms.neighborhood import Neighborhood
from kgservice.services.nodes import NodeRecord
from kgservice.stores.graph import GraphStore

MAX_NODES = 5_000
#: Read the whole namespace when it holds at most this many times the entities wanted.
SCAN_SHARE = 2
#: What a visualiser styles an edge by (the relation itself is one ``relation(id)`` away).
EDGE_COLUMNS = ("status", "valid_from", "valid_to")


def relation_graph(
    graph: GraphStore,
    namespace: str,
    limit: int = 2_000,
    as_of: datetime | None = None,
    include_retired: bool = False,
) -> Neighborhood:
    """Entities of ``namespace`` (most relations first, at most ``limit``) and their relations.

    Raises:
        InputError: ``limit`` outside 1..5000.
    """
    if not 1 <= limit <= MAX_NODES:
        raise InputError("limit", f"must be between 1 and {MAX_NODES}")
    moment = as_of or utc_now()
    if moment.tzinfo is not None:  # the graph stores naive UTC times
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    rows = graph.run(
        "graph_algorithms/relation_graph",
        {"namespace": namespace, "as_of": moment, "all_times": include_retired},
    )
    degree: Counter[str] = Counter()
    for row in rows:
        degree[row["source"]] += 1
        degree[row["target"]] += 1
    ids = [row["id"] for row in graph.run("graph_algorithms/entity_ids", {"namespace": namespace})]
    ranked = sorted(ids, key=lambda node_id: (-degree[node_id], node_id))
    chosen = ranked[:limit]
    kept = set(chosen)
    if len(ids) <= SCAN_SHARE * len(chosen):  # most are wanted: one scan beats lookups by id
        scanned = graph.run("graph_algorithms/namespace_entities", {"namespace": namespace})
        found = {row["node"]["id"]: row["node"] for row in scanned if row["node"]["id"] in kept}
    else:
        found = {node["id"]: node for node in nodes.nodes_of_table(graph, "Entity", chosen)}
    records = [NodeRecord("Entity", found[node_id]) for node_id in chosen if node_id in found]
    edges = [
        EdgeRecord(
            id=row["id"],
            source=row["source"],
            target=row["target"],
            label="RELATED",
            type=row["type"],
            properties={name: row[name] for name in EDGE_COLUMNS},
        )
        for row in rows
        if row["source"] in kept and row["target"] in kept
    ]
    return Neighborhood(records, edges, truncated=len(ids) > limit)
