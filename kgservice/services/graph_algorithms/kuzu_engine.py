"""The algorithms on Kuzu's bundled algo extension, over a projection of one namespace."""

from __future__ import annotations

from kgservice.services.graph_algorithms.results import ComponentSummary, RankedEntity
from kgservice.stores.graph import GraphStore
from kgservice.stores.graph_projection import projected_graph

PROJECTION = "graph_algorithms/project_relations"


def components(graph: GraphStore, namespace: str) -> ComponentSummary:
    """Weakly connected components: how many, and the size of the largest."""
    with projected_graph(graph, PROJECTION, namespace) as projection:
        rows = projection.run("graph_algorithms/components_summary", {"namespace": namespace})
    row = rows[0] if rows else {}
    return ComponentSummary(int(row.get("components") or 0), int(row.get("largest") or 0))


def page_rank(graph: GraphStore, namespace: str, k: int) -> list[RankedEntity]:
    """The ``k`` entities of highest PageRank (damping 0.85), scores summing to 1."""
    with projected_graph(graph, PROJECTION, namespace) as projection:
        rows = projection.run("graph_algorithms/page_rank_top", {"namespace": namespace, "k": k})
    return [RankedEntity(row["id"], float(row["score"])) for row in rows]


def louvain(graph: GraphStore, namespace: str) -> list[list[str]]:
    """Louvain communities (resolution 1) as lists of member ids; unrelated entities alone."""
    with projected_graph(graph, PROJECTION, namespace) as projection:
        rows = projection.run("graph_algorithms/louvain_communities", {"namespace": namespace})
    groups: list[list[str]] = []
    for row in rows:
        if row["community"] < 0:  # entities without a current relation
            groups.extend([member] for member in row["members"])
        else:
            groups.append(list(row["members"]))
    return groups
