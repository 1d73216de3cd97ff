"""The algorithms in networkx, over the relation graph read from the store."""

from __future__ import annotations

import networkx as nx

from kgservice.services.graph_algorithms.results import ComponentSummary, RankedEntity
from kgservice.stores.graph import GraphStore

DAMPING = 0.85


def relation_graph(graph: GraphStore, namespace: str) -> nx.MultiDiGraph:
    """Entities of ``namespace`` and their current relations (one edge per relation)."""
    result = nx.MultiDiGraph()
    rows = graph.run("graph_algorithms/entity_ids", {"namespace": namespace})
    result.add_nodes_from(row["id"] for row in rows)
    edges = graph.run("graph_algorithms/current_relations", {"namespace": namespace})
    result.add_edges_from((row["source"], row["target"]) for row in edges)
    return result


def components(graph: GraphStore, namespace: str) -> ComponentSummary:
    """Weakly connected components: how many, and the size of the largest."""
    relations = relation_graph(graph, namespace)
    sizes = [len(part) for part in nx.weakly_connected_components(relations)]
    return ComponentSummary(len(sizes), max(sizes, default=0))


def page_rank(graph: GraphStore, namespace: str, k: int) -> list[RankedEntity]:
    """The ``k`` entities of highest PageRank (damping 0.85), scores summing to 1."""
    relations = relation_graph(graph, namespace)
    if relations.number_of_nodes() == 0:
        return []
    scores = nx.pagerank(relations, alpha=DAMPING, max_iter=100, tol=1e-8)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [RankedEntity(node_id, float(score)) for node_id, score in ranked]


def louvain(
    graph: GraphStore, namespace: str, resolution: float, seed: int | None
) -> list[list[str]]:
    """Louvain communities of the undirected relation graph as lists of member ids."""
    relations = nx.MultiGraph(relation_graph(graph, namespace))
    parts = nx.community.louvain_communities(relations, resolution=resolution, seed=seed)
    return [list(part) for part in parts]
