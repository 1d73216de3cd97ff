"""A small relation graph with obvious structure, loaded by COPY, for graph-algorithm tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from kgservice.ids import new_id
from kgservice.stores.graph import GraphStore


@dataclass(frozen=True)
class SeededGraph:
    """Ids of the seeded entities: three 5-cliques (a, b, c) joined by bridges, and more.

    - ``cliques[i]`` — 5 entities, every pair related (10 edges each, directed i->j, i<j);
    - bridges ``a[4]->b[0]`` (uses) and ``b[4]->c[0]`` (depends_on);
    - ``hub`` — related from every entity of clique a (part_of);
    - ``isolated`` — no relation; ``rejected``/``retired`` — only a rejected / retired edge;
    - ``other`` — two related entities in namespace "other".
    """

    cliques: list[list[str]]
    hub: str
    isolated: str
    rejected: str
    retired: str
    other: list[str]
    reflection: str

    @property
    def default_ids(self) -> list[str]:
        """Every entity of namespace "default"."""
        flat = [node for clique in self.cliques for node in clique]
        return [*flat, self.hub, self.isolated, self.rejected, self.retired]


def _entities(names: list[str], namespace: str) -> pa.Table:
    now = datetime.now(UTC).replace(tzinfo=None)
    count = len(names)
    return pa.table(
        {
            "id": [new_id("Entity") for _ in names],
            "namespace": [namespace] * count,
            "created_at": pa.array([now] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "name": names,
            "name_key": names,
            "kind": ["concept"] * count,
            "observations": pa.array([[] for _ in names], pa.list_(pa.string())),
            "aliases": pa.array([[] for _ in names], pa.list_(pa.string())),
            "properties": pa.nulls(count, pa.string()),
            "updated_at": pa.array([now] * count, pa.timestamp("us")),
        }
    )


def _relations(edges: list[tuple[str, str, str, str, bool]]) -> pa.Table:
    """Edges as (from, to, type, status, retired)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    count = len(edges)
    return pa.table(
        {
            "from": [e[0] for e in edges],
            "to": [e[1] for e in edges],
            "type": [e[2] for e in edges],
            "confidence": [0.9] * count,
            "score": [0.9] * count,
            "method": ["manual"] * count,
            "evidence": ['["seeded"]'] * count,
            "status": [e[3] for e in edges],
            "valid_from": pa.array([now] * count, pa.timestamp("us")),
            "valid_to": pa.array([now if e[4] else None for e in edges], pa.timestamp("us")),
            "job_id": pa.nulls(count, pa.string()),
            "id": [new_id() for _ in edges],
        }
    )


def seed_graph(graph: GraphStore) -> SeededGraph:
    """Load the graph described by :class:`SeededGraph` (plus one reflection mentioning a[0])."""
    names = [f"{group}{i}" for group in "abc" for i in range(5)]
    names += ["hub", "isolated", "rejected", "retired"]
    table = _entities(names, "default")
    ids = table.column("id").to_pylist()
    cliques = [ids[0:5], ids[5:10], ids[10:15]]
    hub, isolated, rejected, retired = ids[15:19]
    other_table = _entities(["x", "y"], "other")
    other = other_table.column("id").to_pylist()
    edges: list[tuple[str, str, str, str, bool]] = []
    for clique in cliques:
        for i in range(5):
            for j in range(i + 1, 5):
                edges.append((clique[i], clique[j], "related_to", "accepted", False))
    edges.append((cliques[0][4], cliques[1][0], "uses", "accepted", False))
    edges.append((cliques[1][4], cliques[2][0], "depends_on", "proposed", False))
    edges.extend((node, hub, "part_of", "accepted", False) for node in cliques[0])
    edges.append((rejected, cliques[2][1], "uses", "rejected", False))
    edges.append((retired, cliques[2][2], "uses", "accepted", True))
    edges.append((other[0], other[1], "uses", "accepted", False))
    graph.copy_from_arrow("Entity", table)
    graph.copy_from_arrow("Entity", other_table)
    graph.copy_from_arrow("RELATED", _relations(edges))
    now = datetime.now(UTC).replace(tzinfo=None)
    reflection = new_id("Reflection")
    graph.copy_from_arrow(
        "Reflection",
        pa.table(
            {
                "id": [reflection],
                "namespace": ["default"],
                "created_at": pa.array([now], pa.timestamp("us")),
                "legacy_id": pa.nulls(1, pa.string()),
                "content": ["a0 is mentioned here"],
                "tags": pa.array([[]], pa.list_(pa.string())),
                "importance": [0.5],
            }
        ),
    )
    graph.copy_from_arrow(
        "MENTIONS",
        pa.table({"from": [reflection], "to": [cliques[0][0]]}),
        pair=("Reflection", "Entity"),
    )
    return SeededGraph(cliques, hub, isolated, rejected, retired, other, reflection)
