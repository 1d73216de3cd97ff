"""``GET /metrics`` with a large graph: scrape latency, and what the background refresh costs.

Run: ``uv run kgservice bench metrics_scrape``. Loads N code-graph nodes (Symbol) by COPY
(1,000,000; 100,000 with --quick), times gathering the store figures once in-process (what
the background refresher does every ``metrics_refresh_s``), then scrapes ``/metrics`` of a
uvicorn server on loopback over a keep-alive connection. The scrape only renders the last
snapshot, so its cost does not grow with the data.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
from prometheus_client.parser import text_string_to_metric_families

from bench.common import latencies_ms, median_seconds, running_server, target
from kgservice.ids import new_id
from kgservice.services.metrics import gather
from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores

CHUNK = 250_000


def symbol_table(count: int) -> pa.Table:
    """``count`` Symbol nodes in the table's column order."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pa.table(
        {
            "id": pa.array([new_id("Symbol") for _ in range(count)], pa.string()),
            "namespace": pa.array(["bench"] * count, pa.string()),
            "created_at": pa.array([now] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "name": pa.array([f"f{i}" for i in range(count)], pa.string()),
            "qualname": pa.array([f"m{i % 1000}.f{i}" for i in range(count)], pa.string()),
            "kind": pa.array(["function"] * count, pa.string()),
            "lineno": pa.array([i % 500 for i in range(count)], pa.int64()),
        }
    )


def run(quick: bool = False) -> dict[str, Any]:
    """Load the nodes, time a gathering, then time scrapes."""
    nodes, samples = (100_000, 50) if quick else (1_000_000, 200)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        data_dir = Path(folder) / "data"
        settings = load_settings(data_dir=data_dir, backfill_on_start=False)
        with open_stores(settings) as stores:
            start = time.perf_counter()
            for offset in range(0, nodes, CHUNK):
                stores.graph.copy_from_arrow("Symbol", symbol_table(min(CHUNK, nodes - offset)))
            load_s = time.perf_counter() - start
            gather_s = median_seconds(lambda: gather(stores), 3)
            assert gather(stores).nodes["Symbol"] == nodes
        env = {"KG_BACKFILL_ON_START": "false"}
        with (
            running_server(data_dir, Path(folder) / "server.log", env) as (url, _server),
            httpx.Client(timeout=60) as client,
        ):
            metrics_url = url.removesuffix("/graphql") + "/metrics"
            for _ in range(100):  # the first snapshot is taken on start
                text = client.get(metrics_url).text
                if f'kgservice_graph_nodes{{table="Symbol"}} {float(nodes)}' in text:
                    break
                time.sleep(0.2)
            families = {f.name for f in text_string_to_metric_families(text)}
            assert "kgservice_graph_nodes" in families, families
            scrape = latencies_ms([lambda: client.get(metrics_url) for _ in range(samples)])
            size = len(client.get(metrics_url).content)
    return {
        "benchmark": "metrics_scrape",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "nodes": nodes,
        "figures": {
            "copy_load_s": round(load_s, 2),
            "copy_nodes_per_s": round(nodes / load_s),
            "gather_store_figures_s": round(gather_s, 3),
            "scrape": scrape,
            "scrape_bytes": size,
        },
        "targets": {"scrape_p50_ms": target(scrape["p50_ms"], 20, at_least=False)},
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
