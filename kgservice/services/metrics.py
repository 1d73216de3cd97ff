"""Figures about the stores for ``/metrics``, gathered in the background.

Counting every table's rows costs time that grows with the data (about a second at a
million nodes), so a scrape never does it: a :class:`StoreFigureRefresher` thread gathers
:class:`StoreFigures` every ``interval`` seconds and a scrape reads the latest snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from kgservice.services.text_index import TEXT_KINDS
from kgservice.stores.opening import Stores
from kgservice.stores.schema_dump import TRACKING_TABLES

log = logging.getLogger("kgservice.metrics")

#: Node tables that record skill invocations, by preference (the first present is counted).
SKILL_INVOCATION_TABLES = ("SkillInvocation", "Invocation")


@dataclass(frozen=True)
class StoreFigures:
    """A snapshot of the stores' sizes and contents."""

    taken_at: float
    took_seconds: float
    graph_bytes: int
    vector_bytes: int
    nodes: dict[str, int]
    relationships: dict[str, int]
    vectors: int
    text_nodes: int
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)
    job_progress: dict[tuple[str, str], float] = field(default_factory=dict)
    skill_invocations: int | None = None

    @property
    def vector_coverage(self) -> float:
        """Vectors stored per text-bearing node, at most 1 (1 when there are none)."""
        return 1.0 if self.text_nodes == 0 else min(self.vectors / self.text_nodes, 1.0)


def gather(stores: Stores) -> StoreFigures:
    """Count every table's rows, the vectors, the jobs, and measure the store files."""
    start = time.perf_counter()
    graph = stores.graph
    tables = {
        row["name"]: row["type"]
        for row in graph.execute_catalog("CALL show_tables() RETURN name, type")
        if row["name"] not in TRACKING_TABLES
    }
    nodes = {
        name: int(graph.run("metrics/count_nodes_of", label=name)[0]["count"])
        for name, kind in sorted(tables.items())
        if kind == "NODE"
    }
    relationships = {
        name: int(graph.run("metrics/count_rels_of", label=name)[0]["count"])
        for name, kind in sorted(tables.items())
        if kind == "REL"
    }
    jobs: dict[tuple[str, str], int] = {}
    progress: dict[tuple[str, str], float] = {}
    if "Job" in nodes:
        for row in graph.run("metrics/job_counts"):
            jobs[(row["kind"] or "", row["status"] or "")] = int(row["count"])
        for row in graph.run("metrics/running_jobs"):
            progress[(row["id"], row["kind"] or "")] = float(row["progress"] or 0.0)
    invocations = next((nodes[t] for t in SKILL_INVOCATION_TABLES if t in nodes), None)
    wal = graph.path.with_name(graph.path.name + ".wal")
    return StoreFigures(
        taken_at=time.time(),
        took_seconds=time.perf_counter() - start,
        graph_bytes=sum(p.stat().st_size for p in (graph.path, wal) if p.exists()),
        vector_bytes=stores.vectors.size_bytes(),
        nodes=nodes,
        relationships=relationships,
        vectors=stores.vectors.vector_count(),
        text_nodes=sum(nodes.get(kind, 0) for kind in TEXT_KINDS),
        jobs=jobs,
        job_progress=progress,
        skill_invocations=invocations,
    )


class StoreFigureRefresher:
    """Keeps :attr:`latest` fresh: gathers figures now, then every ``interval`` seconds."""

    def __init__(self, stores: Stores, interval: float) -> None:
        self.stores = stores
        self.interval = interval
        self.latest: StoreFigures | None = None
        self.failures = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> StoreFigures | None:
        """Gather figures now (in the caller's thread); keep the last good ones on failure."""
        try:
            self.latest = gather(self.stores)
        except Exception:  # a failed count must not stop the service or the refresher
            self.failures += 1
            log.exception("gathering store figures for /metrics failed")
        return self.latest

    def start(self) -> None:
        """Run the refresher thread."""
        self._thread = threading.Thread(target=self._loop, name="kg-metrics", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask for a refresh soon, without waiting for it."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._wake.wait(self.interval)
            self._wake.clear()
