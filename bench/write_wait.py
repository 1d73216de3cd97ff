"""One writer, many readers: how long interactive writes and reads wait behind long work.

Run: ``uv run kgservice bench write_wait``. Calls the services in one process, as the
server does: a long job runs in a background thread (bulk ``addMessages`` of the largest
batch, back to back; then the backfill embedding thousands of nodes; then a discovery job
over 10,000 entities) while an interactive client appends one message, and another reads a
page of messages, every few milliseconds.
Reports the latency distribution and the worst wait of each, next to the same operations
on an idle store.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import target
from bench.discovery import generate_world, load_entities, load_texts
from kgservice.services.consistency import backfill
from kgservice.services.discovery.job import DiscoveryParameters
from kgservice.services.registry import Services
from kgservice.services.sessions import MAX_BATCH, NewMessage
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder, open_stores

WORDS = ("graph", "vector", "index", "session", "thread", "writer", "reader", "kuzu", "page")


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))) + "."


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
        "samples": len(ordered),
    }


def _probe(action: Callable[[], object], stop: threading.Event, pause: float) -> list[float]:
    """Run ``action`` every ``pause`` seconds until ``stop``; return latencies in ms."""
    times: list[float] = []
    while not stop.is_set():
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(pause)
    return times


def _under_load(
    long_job: Callable[[threading.Event], dict[str, Any]],
    write: Callable[[], object],
    read: Callable[[], object],
) -> dict[str, Any]:
    stop = threading.Event()
    results: dict[str, Any] = {}

    def run_job() -> None:
        results["job"] = long_job(stop)
        stop.set()

    def run_probe(name: str, action: Callable[[], object]) -> None:
        results[name] = _probe(action, stop, 0.005)

    threads = [
        threading.Thread(target=run_job),
        threading.Thread(target=run_probe, args=("write", write)),
        threading.Thread(target=run_probe, args=("read", read)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "job": results["job"],
        "add_message": _summary(results["write"]),
        "read_page": _summary(results["read"]),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure interactive write and read waits behind bulk writes and behind the backfill."""
    rng = random.Random(7)
    bulk_batches = 3 if quick else 10
    backfill_nodes = 1_000 if quick else 5_000
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        settings = load_settings(data_dir=Path(folder), backfill_on_start=False)
        with open_stores(settings) as stores:
            services = Services.create(stores, load_embedder(settings))
            sessions = services.sessions
            project = sessions.create_project("wait")
            session = sessions.create_session(project.id, "wait-session")
            interactive = sessions.create_thread(session.id, "interactive")
            bulk = sessions.create_thread(session.id, "bulk")
            sessions.add_messages(interactive.id, [NewMessage("user", _sentence(rng))] * 60)

            def write() -> object:
                return sessions.add_messages(interactive.id, [NewMessage("user", _sentence(rng))])

            def read() -> object:
                return services.reads.message_page(interactive.id, 0, None, 51, False)

            idle_stop = threading.Event()
            timer = threading.Timer(3 if quick else 8, idle_stop.set)
            timer.start()
            idle_write = _summary(_probe(write, idle_stop, 0.005))
            idle_stop.clear()
            timer = threading.Timer(3 if quick else 8, idle_stop.set)
            timer.start()
            idle_read = _summary(_probe(read, idle_stop, 0.005))

            batch = [NewMessage("assistant", _sentence(rng)) for _ in range(MAX_BATCH)]

            def bulk_writes(stop: threading.Event) -> dict[str, Any]:
                holds = []
                for _ in range(bulk_batches):
                    start = time.perf_counter()
                    sessions.add_messages(bulk.id, batch)
                    holds.append(time.perf_counter() - start)
                return {
                    "kind": f"addMessages x{bulk_batches} of {MAX_BATCH}",
                    "seconds_per_batch": round(statistics.median(holds), 2),
                }

            under_bulk = _under_load(bulk_writes, write, read)

            # Nodes without vectors for the backfill: write them, then drop their vectors.
            backlog = sessions.create_thread(session.id, "backlog")
            ids: list[str] = []
            for _ in range(backfill_nodes // MAX_BATCH):
                ids += [m.id for m in sessions.add_messages(backlog.id, batch)]
            services.index.remove(ids)

            def run_backfill(stop: threading.Event) -> dict[str, Any]:
                start = time.perf_counter()
                report = backfill(stores.graph, services.index)
                return {
                    "kind": f"backfill of {report.embedded} nodes",
                    "seconds": round(time.perf_counter() - start, 1),
                }

            under_backfill = _under_load(run_backfill, write, read)

            # A discovery job over a generated namespace of entities and mentioning texts.
            entities, texts, mentions = generate_world(
                *((2_000, 4_000) if quick else (10_000, 20_000)), random.Random(5)
            )
            entity_ids = load_entities(stores, services.index, entities, "wait")
            load_texts(stores, texts, mentions, entity_ids, "wait")

            def run_discovery(stop: threading.Event) -> dict[str, Any]:
                parameters = DiscoveryParameters(namespace="wait")
                job = services.jobs.create("discovery", parameters.as_json(), "wait")
                start = time.perf_counter()
                finished = services.jobs.run(job.id)
                return {
                    "kind": f"discovery over {len(entities)} entities",
                    "written": finished.counts.get("written"),
                    "seconds": round(time.perf_counter() - start, 1),
                }

            under_discovery = _under_load(run_discovery, write, read)
    phases = (under_bulk, under_backfill, under_discovery)
    worst = max(phase["add_message"]["max_ms"] for phase in phases)
    worst_read = max(phase["read_page"]["max_ms"] for phase in phases)
    return {
        "benchmark": "write_wait",
        "figures": {
            "idle": {"add_message": idle_write, "read_page": idle_read},
            "during_bulk_writes": under_bulk,
            "during_backfill": under_backfill,
            "during_discovery": under_discovery,
            "worst_add_message_wait_ms": worst,
            "worst_read_wait_ms": worst_read,
        },
        "ratios": {
            "worst_add_message_vs_idle_p50": round(worst / idle_write["p50_ms"], 1),
            "read_p99_under_bulk_vs_idle": round(
                under_bulk["read_page"]["p99_ms"] / idle_read["p99_ms"], 1
            ),
        },
        "targets": {
            "worst_add_message_wait_ms": target(worst, 2_000, at_least=False),
            "worst_read_wait_ms": target(worst_read, 500, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
