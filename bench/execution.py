"""CPU time of one GraphQL request for a page of 100 messages, per executor, in process.

Run: ``uv run kgservice bench execution``. The page query of ``bench sessions_api``
(``thread { messages(first: 100) { edges { node { idx role content } } } }``) is executed
through the service's schema with the message-page cache off, so every request reads its
page from the graph and completes 100 edges; the figure is process CPU time per request
(the event loop and the worker thread), which a busy shared machine disturbs less than a
request rate. Rounds alternate between the fast executor and strawberry's own
(``KG_FAST_EXECUTOR=false``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import strawberry

from bench.common import target
from kgservice.api.context import RequestContext
from kgservice.api.schema import build_schema
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder, open_stores

QUERY = (
    "query($t: ID!) { thread(id: $t) { messages(first: 100) "
    "{ edges { node { idx role content } } } } }"
)


def _schemas() -> dict[str, strawberry.Schema]:
    schemas = {"fast": build_schema()}
    if "fast_executor" in inspect.signature(build_schema).parameters:  # older code: no switch
        schemas["upstream"] = build_schema(fast_executor=False)
    return schemas


def _cpu_ms(schema: strawberry.Schema, services: Services, thread_id: str, requests: int) -> float:
    async def run() -> None:
        for _ in range(requests):
            result = await schema.execute(
                QUERY, variable_values={"t": thread_id}, context_value=RequestContext(services)
            )
            assert not result.errors
            assert result.data is not None
            assert len(result.data["thread"]["messages"]["edges"]) == 100

    asyncio.run(run())  # warm-up: parser and validation caches, plans of the first request
    start = time.process_time()
    asyncio.run(run())
    return (time.process_time() - start) / requests * 1000


def run(quick: bool = False) -> dict[str, Any]:
    """Measure CPU milliseconds per page request with each executor."""
    rounds, requests = (2, 50) if quick else (5, 200)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        settings = load_settings(
            data_dir=Path(folder), backfill_on_start=False, message_page_cache_mb=0
        )
        with open_stores(settings) as stores:
            services = Services.create(stores, load_embedder(settings))
            sessions = services.sessions
            project = sessions.create_project("bench")
            session = sessions.create_session(project.id, "bench-session")
            thread = sessions.create_thread(session.id, "bench")
            for batch in range(3):
                texts = [f"message {batch}-{i} about the graph " * 4 for i in range(50)]
                sessions.add_messages(thread.id, [NewMessage("user", t) for t in texts])
            schemas = _schemas()
            samples: dict[str, list[float]] = {name: [] for name in schemas}
            for _ in range(rounds):
                for name, schema in schemas.items():
                    samples[name].append(round(_cpu_ms(schema, services, thread.id, requests), 3))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    figures: dict[str, Any] = {
        "load_before_after": [load_before, os.getloadavg()],
        "requests_per_round": requests,
        "page_100_cpu_ms_rounds": samples,
        "page_100_cpu_ms_median": medians,
    }
    ratios: dict[str, float] = {}
    targets: dict[str, Any] = {}
    if "upstream" in medians:
        speedup = round(medians["upstream"] / medians["fast"], 2)
        ratios["fast_vs_upstream_executor"] = speedup
        targets["fast_vs_upstream_executor"] = target(speedup, 1.2, at_least=True)
    return {"benchmark": "execution", "figures": figures, "ratios": ratios, "targets": targets}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
