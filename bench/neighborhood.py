"""1-hop and 2-hop neighbourhood queries on 100k nodes / 500k edges.

Run: ``uv run kgservice bench neighborhood`` (or ``python -m bench.neighborhood``).
"""

from __future__ import annotations

import json
import random
import time
from functools import partial
from typing import Any

from bench.common import latencies_ms, scratch_stores, target
from bench.graph_writes import entity_table, related_table


def run(quick: bool = False, engine: str = "kuzu") -> dict[str, Any]:
    """Load a random graph with bulk COPY, then time neighbourhood queries from random nodes."""
    rng = random.Random(11)
    node_count, edge_count, samples = (10_000, 50_000, 50) if quick else (100_000, 500_000, 300)
    with scratch_stores(engine) as stores:
        graph = stores.graph
        nodes = entity_table(node_count)
        ids = nodes.column("id").to_pylist()
        edges = related_table(ids, edge_count, rng)
        start = time.perf_counter()
        graph.copy_from_arrow("Entity", nodes)
        graph.copy_from_arrow("RELATED", edges)
        load_s = time.perf_counter() - start
        starts = [ids[rng.randrange(node_count)] for _ in range(samples)]
        sizes: dict[str, list[int]] = {"1hop": [], "2hop": []}

        def query(name: str, node_id: str, key: str) -> None:
            sizes[key].append(len(graph.run(name, {"id": node_id}, label="Entity")))

        for node_id in starts[:10]:  # warm the buffer pool and the statement caches
            graph.run("graph/neighbors_2hop", {"id": node_id}, label="Entity")
        one = latencies_ms([partial(query, "graph/neighbors_1hop", i, "1hop") for i in starts])
        two = latencies_ms([partial(query, "graph/neighbors_2hop", i, "2hop") for i in starts])
    mean_2hop = sum(sizes["2hop"]) / len(sizes["2hop"])
    return {
        "benchmark": "neighborhood",
        "engine": engine,
        "sizes": {"nodes": node_count, "edges": edge_count, "samples": samples},
        "figures": {
            "load_s": round(load_s, 2),
            "load_rows_per_s": round((node_count + edge_count) / load_s),
            "1hop": one,
            "2hop": two,
            "mean_1hop_neighbours": round(sum(sizes["1hop"]) / len(sizes["1hop"]), 1),
            "mean_2hop_neighbours": round(mean_2hop, 1),
        },
        "ratios": {"2hop_vs_1hop_p50": round(two["p50_ms"] / max(one["p50_ms"], 1e-9), 1)},
        "targets": {"2hop_p50_ms": target(two["p50_ms"], 20.0, at_least=False)},
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
