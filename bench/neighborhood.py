"""The ``neighborhood`` field as clients call it, on a uniform and on a power-law graph.

Each graph has 100k entities and 500k relations, loaded by COPY. The figure users see is
the GraphQL field (request, service, node and edge objects, response) through the ASGI app
in this process; the service call alone is timed beside it. A uniform random graph has no
hubs; in the power-law graph (preferential attachment, 5 edges per new node) depth-2
neighbourhoods reach hubs, as real knowledge graphs do.

Run: ``uv run kgservice bench neighborhood`` (or ``python -m bench.neighborhood``).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
from starlette.testclient import TestClient

from bench.common import latencies_ms, machine_state, target
from bench.graph_writes import entity_table, related_table
from kgservice.api.app import create_app
from kgservice.services.graph_algorithms.neighborhood import neighborhood
from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores

FIELD = """query($id: ID!, $depth: Int!) { neighborhood(id: $id, depth: $depth) {
  truncated nodes { id __typename ... on Entity { name kind } }
  edges { id from to label type } } }"""


def power_law_edges(ids: list[str], per_node: int, seed: int) -> pa.Table:
    """RELATED edges of a preferential-attachment graph over ``ids`` (``per_node`` each)."""
    graph = nx.barabasi_albert_graph(len(ids), per_node, seed=seed)
    pairs = list(graph.edges())
    rng = random.Random(seed)
    rows = related_table(ids, len(pairs), rng)  # the right columns; endpoints replaced
    oriented = [(a, b) if rng.random() < 0.5 else (b, a) for a, b in pairs]
    return rows.set_column(0, "from", pa.array([ids[a] for a, _ in oriented])).set_column(
        1, "to", pa.array([ids[b] for _, b in oriented])
    )


def measure(shape: str, node_count: int, edge_count: int, samples: int) -> dict[str, Any]:
    """Load one graph, then time the API field at depth 1 and 2 and the id-only query."""
    rng = random.Random(11)
    nodes = entity_table(node_count)
    ids = nodes.column("id").to_pylist()
    if shape == "uniform":
        edges = related_table(ids, edge_count, rng)
    else:
        edges = power_law_edges(ids, edge_count // node_count, seed=11)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        settings = load_settings(data_dir=Path(folder), backfill_on_start=False)
        with open_stores(settings) as stores:
            began = time.perf_counter()
            stores.graph.copy_from_arrow("Entity", nodes)
            stores.graph.copy_from_arrow("RELATED", edges)
            load_s = time.perf_counter() - began
            starts = [ids[rng.randrange(node_count)] for _ in range(samples)]
            sizes: dict[int, list[int]] = {1: [], 2: []}
            with TestClient(create_app(settings, stores=stores, close_stores=False)) as http:

                def call(node_id: str, depth: int) -> None:
                    body = http.post(
                        "/graphql",
                        json={"query": FIELD, "variables": {"id": node_id, "depth": depth}},
                    ).json()
                    sizes[depth].append(len(body["data"]["neighborhood"]["nodes"]))

                for node_id in starts[:10]:  # warm the buffer pool and the caches of plans
                    call(node_id, 2)
                sizes[2].clear()
                field = {d: latencies_ms([partial(call, i, d) for i in starts]) for d in (1, 2)}
                service = latencies_ms([partial(neighborhood, stores.graph, i, 2) for i in starts])
    return {
        "load_s": round(load_s, 2),
        "edges": edges.num_rows,
        "field_depth1": field[1],
        "field_depth2": field[2],
        "service_depth2": service,
        "mean_nodes_depth1": round(sum(sizes[1]) / len(sizes[1]), 1),
        "mean_nodes_depth2": round(sum(sizes[2]) / len(sizes[2]), 1),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Time the neighborhood field on a uniform and on a power-law graph."""
    node_count, edge_count, samples = (10_000, 50_000, 40) if quick else (100_000, 500_000, 200)
    before = machine_state()
    figures = {
        shape: measure(shape, node_count, edge_count, samples) for shape in ("uniform", "power_law")
    }
    return {
        "benchmark": "neighborhood",
        "what": "the GraphQL neighborhood field through the ASGI app (at most 500 nodes)",
        "sizes": {"nodes": node_count, "edges": edge_count, "samples": samples},
        "machine": {"before": before, "after": machine_state()},
        "figures": figures,
        "ratios": {
            f"{shape}_field_over_service_depth2_p50": round(
                figures[shape]["field_depth2"]["p50_ms"]
                / max(figures[shape]["service_depth2"]["p50_ms"], 1e-9),
                1,
            )
            for shape in figures
        },
        "targets": {
            f"{shape}_field_depth2_p50_ms": target(
                figures[shape]["field_depth2"]["p50_ms"], 20.0, at_least=False
            )
            for shape in figures
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
