"""Node and edge writes: prepared per-row statements in one transaction vs bulk COPY.

Run: ``uv run kgservice bench graph_writes`` (or ``python -m bench.graph_writes``).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from bench.common import median_seconds, scratch_stores, target
from kgservice.ids import new_id
from kgservice.stores.graph import GraphStore


def entity_table(count: int) -> pa.Table:
    """``count`` Entity rows with fresh ULIDs, in the table's column order."""
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = [new_id("Entity") for _ in range(count)]
    names = [f"entity-{i}" for i in range(count)]
    return pa.table(
        {
            "id": ids,
            "namespace": ["bench"] * count,
            "created_at": pa.array([now] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "name": names,
            "name_key": names,
            "kind": ["concept"] * count,
            "observations": pa.array([[] for _ in range(count)], pa.list_(pa.string())),
            "aliases": pa.array([[] for _ in range(count)], pa.list_(pa.string())),
            "properties": pa.nulls(count, pa.string()),
            "updated_at": pa.array([now] * count, pa.timestamp("us")),
        }
    )


def related_table(ids: list[str], count: int, rng: random.Random) -> pa.Table:
    """``count`` RELATED edges between random pairs of ``ids`` (from, to, then properties)."""
    sources = [ids[rng.randrange(len(ids))] for _ in range(count)]
    targets = [ids[rng.randrange(len(ids))] for _ in range(count)]
    return pa.table(
        {
            "from": sources,
            "to": targets,
            "type": ["related_to"] * count,
            "confidence": [0.5] * count,
            "score": [0.5] * count,
            "method": ["bench"] * count,
            "evidence": pa.nulls(count, pa.string()),
            "status": ["accepted"] * count,
            "valid_from": pa.nulls(count, pa.timestamp("us")),
            "valid_to": pa.nulls(count, pa.timestamp("us")),
            "job_id": pa.nulls(count, pa.string()),
            "id": [new_id() for _ in range(count)],
        }
    )


def write_rows(graph: GraphStore, rows: pa.Table) -> None:
    """Create nodes one prepared statement at a time, in a single transaction."""
    with graph.transaction() as tx:
        for row in rows.select(
            ["id", "namespace", "created_at", "name", "name_key", "kind"]
        ).to_pylist():
            tx.run("bench/create_entity", row)


def write_edges(graph: GraphStore, edges: pa.Table) -> None:
    """Create edges one prepared statement at a time, in a single transaction."""
    with graph.transaction() as tx:
        for edge in edges.select(["from", "to", "type", "confidence"]).to_pylist():
            tx.run(
                "bench/create_related",
                {
                    "from_id": edge["from"],
                    "to_id": edge["to"],
                    "type": edge["type"],
                    "confidence": edge["confidence"],
                },
            )


def mentions_table(
    sources: list[str], targets: list[str], count: int, rng: random.Random
) -> pa.Table:
    """``count`` MENTIONS edges (no properties) from Reflection to Entity nodes."""
    return pa.table(
        {
            "from": [sources[rng.randrange(len(sources))] for _ in range(count)],
            "to": [targets[rng.randrange(len(targets))] for _ in range(count)],
        }
    )


def reflection_table(count: int) -> pa.Table:
    """``count`` minimal Reflection rows."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pa.table(
        {
            "id": [new_id("Reflection") for _ in range(count)],
            "namespace": ["bench"] * count,
            "created_at": pa.array([now] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "content": [f"note {i}" for i in range(count)],
            "tags": pa.array([[] for _ in range(count)], pa.list_(pa.string())),
            "importance": [0.5] * count,
        }
    )


def fresh_edge_load(engine: str, nodes: int, edges: int, rng: random.Random) -> float:
    """Seconds to COPY ``edges`` RELATED edges into a fresh store holding ``nodes`` entities."""
    with scratch_stores(engine) as stores:
        base = entity_table(nodes)
        stores.graph.copy_from_arrow("Entity", base)
        table = related_table(base.column("id").to_pylist(), edges, rng)
        start = time.perf_counter()
        stores.graph.copy_from_arrow("RELATED", table)
        return time.perf_counter() - start


def run(quick: bool = False, engine: str = "kuzu") -> dict[str, Any]:
    """Measure write rates; returns figures, ratios and targets.

    Every input table is built before its timer starts, so only the store's work is timed.
    """
    rng = random.Random(7)
    per_row_nodes, bulk_nodes = (500, 20_000) if quick else (5_000, 100_000)
    per_row_edges, bulk_edges = (500, 50_000) if quick else (5_000, 500_000)
    repeats = 3
    with scratch_stores(engine) as stores:
        graph = stores.graph
        base = entity_table(bulk_nodes)
        graph.copy_from_arrow("Entity", base)
        ids = base.column("id").to_pylist()
        notes = reflection_table(bulk_nodes // 10)
        graph.copy_from_arrow("Reflection", notes)
        note_ids = notes.column("id").to_pylist()

        def timed(make: Any, load: Any) -> float:
            inputs = [make() for _ in range(repeats)]
            return median_seconds(lambda: load(inputs.pop()), repeats)

        node_row = timed(lambda: entity_table(per_row_nodes), lambda t: write_rows(graph, t))
        node_bulk = timed(
            lambda: entity_table(bulk_nodes), lambda t: graph.copy_from_arrow("Entity", t)
        )
        edge_row = timed(
            lambda: related_table(ids, per_row_edges, rng), lambda t: write_edges(graph, t)
        )
        plain_bulk = timed(
            lambda: mentions_table(note_ids, ids, bulk_edges, rng),
            lambda t: graph.copy_from_arrow("MENTIONS", t, pair=("Reflection", "Entity")),
        )
        # Appending to a rel table that already holds edges rewrites more of it: measure that
        # separately from a first load (an import into a fresh store).
        edge_append = timed(
            lambda: related_table(ids, bulk_edges, rng),
            lambda t: graph.copy_from_arrow("RELATED", t),
        )
    edge_bulk = statistics.median(
        fresh_edge_load(engine, bulk_nodes, bulk_edges, rng) for _ in range(repeats)
    )
    figures = {
        "nodes_per_s_per_row_tx": round(per_row_nodes / node_row),
        "nodes_per_s_bulk_copy": round(bulk_nodes / node_bulk),
        "edges_per_s_per_row_tx": round(per_row_edges / edge_row),
        "edges_per_s_bulk_copy": round(bulk_edges / edge_bulk),
        "edges_per_s_bulk_copy_append": round(bulk_edges / edge_append),
        "plain_edges_per_s_bulk_copy": round(bulk_edges / plain_bulk),
    }
    return {
        "benchmark": "graph_writes",
        "engine": engine,
        "sizes": {
            "per_row_nodes": per_row_nodes,
            "bulk_nodes": bulk_nodes,
            "per_row_edges": per_row_edges,
            "bulk_edges": bulk_edges,
            "repeats": repeats,
        },
        "notes": (
            "edges_*: RELATED with 11 properties (bulk: first load into a fresh store; append: "
            "into a table already holding edges); plain_edges: MENTIONS with none"
        ),
        "figures": figures,
        "ratios": {
            "node_bulk_vs_per_row": round(node_row / per_row_nodes / (node_bulk / bulk_nodes), 1),
            "edge_bulk_vs_per_row": round(edge_row / per_row_edges / (edge_bulk / bulk_edges), 1),
        },
        "targets": {
            "bulk_edge_load_edges_per_s": target(
                figures["edges_per_s_bulk_copy"], 50_000, at_least=True
            )
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
