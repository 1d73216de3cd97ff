"""Graph algorithms on 100k entities / 500k relations: Kuzu's algo extension vs networkx.

Times ``graphMetrics`` (median of a few runs on each engine), ``pageRank``, ``communities``
and ``neighborhood`` depth 2 through the service. networkx's Louvain takes minutes at full
size, so communities are compared on a second namespace of a tenth of the size.

Run: ``uv run kgservice bench graph_metrics`` (or ``python -m bench.graph_metrics``).
"""

from __future__ import annotations

import json
import random
import time
from functools import partial
from typing import Any

import pyarrow as pa

from bench.common import latencies_ms, median_seconds, scratch_stores, target
from bench.graph_writes import entity_table, related_table
from kgservice.services.graph_algorithms import GraphAlgorithms
from kgservice.stores.graph import GraphStore


def load_namespace(
    graph: GraphStore, namespace: str, nodes: int, edges: int, rng: random.Random
) -> list[str]:
    """COPY ``nodes`` entities of ``namespace`` and ``edges`` random relations among them."""
    table = entity_table(nodes)
    table = table.set_column(1, "namespace", pa.array([namespace] * nodes, pa.string()))
    ids: list[str] = table.column("id").to_pylist()
    graph.copy_from_arrow("Entity", table)
    graph.copy_from_arrow("RELATED", related_table(ids, edges, rng))
    return ids


def _seconds(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run(quick: bool = False, engine: str = "kuzu") -> dict[str, Any]:
    """Load the graphs by COPY, then time each algorithm on both implementations."""
    rng = random.Random(5)
    nodes, edges, repeats, samples = (
        (10_000, 50_000, 3, 50) if quick else (100_000, 500_000, 3, 300)
    )
    small_nodes, small_edges = nodes // 10, edges // 10
    with scratch_stores(engine) as stores:
        graph = stores.graph
        start = time.perf_counter()
        ids = load_namespace(graph, "bench", nodes, edges, rng)
        load_namespace(graph, "small", small_nodes, small_edges, rng)
        load_s = time.perf_counter() - start
        by_kuzu = GraphAlgorithms(graph, stores.vectors, "auto")
        by_networkx = GraphAlgorithms(graph, stores.vectors, "networkx")
        algo = by_kuzu.engine_for("bench")
        metrics = by_kuzu.metrics("bench")  # warms the buffer pool
        reference = by_networkx.metrics("bench")
        figures: dict[str, Any] = {
            "load_s": round(load_s, 2),
            "algo_engine": algo,
            "components": metrics.components.count,
            "largest_component": metrics.components.largest,
            "connectivity_ratio": round(metrics.connectivity_ratio, 4),
            "engines_agree_on_components": metrics.components == reference.components,
        }
        metrics_s = median_seconds(partial(by_kuzu.metrics, "bench"), repeats)
        metrics_nx_s = median_seconds(partial(by_networkx.metrics, "bench"), repeats)
        figures["graph_metrics_s"] = {algo: round(metrics_s, 3), "networkx": round(metrics_nx_s, 3)}
        rank_s = _seconds(partial(by_kuzu.page_rank, "bench", 10))
        rank_nx_s = _seconds(partial(by_networkx.page_rank, "bench", 10))
        figures["page_rank_s"] = {algo: round(rank_s, 3), "networkx": round(rank_nx_s, 3)}
        top_kuzu = [e.id for e in by_kuzu.page_rank("bench", 10).entities]
        top_nx = [e.id for e in by_networkx.page_rank("bench", 10).entities]
        figures["page_rank_top10_overlap"] = len(set(top_kuzu) & set(top_nx))
        communities_s = _seconds(partial(by_kuzu.communities, "bench"))
        small_s = _seconds(partial(by_kuzu.communities, "small"))
        small_nx_s = _seconds(partial(by_networkx.communities, "small", 1.0, 1))
        figures["communities_s"] = {
            f"{algo}_full": round(communities_s, 3),
            f"{algo}_tenth": round(small_s, 3),
            "networkx_tenth": round(small_nx_s, 3),
        }
        figures["communities_found"] = len(by_kuzu.communities("bench").communities)
        starts = [ids[rng.randrange(nodes)] for _ in range(samples)]
        for node_id in starts[:10]:  # warm the statement caches
            by_kuzu.neighborhood(node_id, depth=2)
        sizes: list[int] = []

        def around(node_id: str) -> None:
            sizes.append(len(by_kuzu.neighborhood(node_id, depth=2).nodes))

        two = latencies_ms([partial(around, node_id) for node_id in starts])
        figures["neighborhood_2hop"] = two
        figures["neighborhood_2hop_mean_nodes"] = round(sum(sizes) / len(sizes), 1)
    return {
        "benchmark": "graph_metrics",
        "engine": engine,
        "sizes": {"nodes": nodes, "edges": edges, "tenth": [small_nodes, small_edges]},
        "figures": figures,
        "ratios": {
            "graph_metrics_networkx_vs_algo": round(metrics_nx_s / max(metrics_s, 1e-9), 1),
            "page_rank_networkx_vs_algo": round(rank_nx_s / max(rank_s, 1e-9), 1),
            "communities_tenth_networkx_vs_algo": round(small_nx_s / max(small_s, 1e-9), 1),
        },
        "targets": {
            "graph_metrics_s": target(round(metrics_s, 3), 2.0, at_least=False),
            "neighborhood_2hop_p50_ms": target(two["p50_ms"], 20.0, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
