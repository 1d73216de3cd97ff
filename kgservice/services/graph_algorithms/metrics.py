"""``graphMetrics``: size, connectivity, degrees, embedding coverage and components."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.services.context_pool import ContextThreadPool
from kgservice.services.graph_algorithms import kuzu_engine, networkx_engine
from kgservice.services.graph_algorithms.engines import AlgorithmEngine
from kgservice.services.graph_algorithms.results import ComponentSummary
from kgservice.stores.graph import GraphStore
from kgservice.stores.vector_lookups import has_vectors
from kgservice.stores.vectors import VectorStore

CURRENT_STATUSES = ("accepted", "proposed")


@dataclass(frozen=True)
class DegreeBucket:
    """Entities whose degree lies in ``low..high`` (``high`` None: no upper bound)."""

    low: int
    high: int | None
    entities: int


@dataclass(frozen=True)
class DegreeDistribution:
    """Degrees over current relations, either direction."""

    buckets: tuple[DegreeBucket, ...]
    max: int
    mean: float


@dataclass(frozen=True)
class GraphMetrics:
    """Metrics of one namespace's entity relation graph."""

    namespace: str
    engine: AlgorithmEngine
    entities: int
    relations: int
    relations_by_status: dict[str, int]
    retired_relations: int
    connected_entities: int
    isolated: int
    degrees: DegreeDistribution
    embedded_entities: int
    components: ComponentSummary

    @property
    def connectivity_ratio(self) -> float:
        """Share of entities with at least one current relation (0 when there are none)."""
        return self.connected_entities / self.entities if self.entities else 0.0

    @property
    def embedding_coverage(self) -> float:
        """Share of entities with a vector (1 when there are none)."""
        return self.embedded_entities / self.entities if self.entities else 1.0


def degree_buckets(histogram: dict[int, int]) -> tuple[DegreeBucket, ...]:
    """Power-of-two buckets 0, 1, 2-3, 4-7, ... up to the largest degree."""
    top = max(histogram, default=0)
    buckets = [DegreeBucket(0, 0, histogram.get(0, 0))]
    low = 1
    while low <= top:
        high = 2 * low - 1
        count = sum(n for degree, n in histogram.items() if low <= degree <= high)
        buckets.append(DegreeBucket(low, high, count))
        low *= 2
    return tuple(buckets)


def degree_distribution(graph: GraphStore, namespace: str) -> dict[int, int]:
    """How many entities have each degree."""
    rows = graph.run("graph_algorithms/degree_histogram", {"namespace": namespace})
    return {int(row["degree"]): int(row["entities"]) for row in rows}


def embedded_count(graph: GraphStore, vectors: VectorStore, namespace: str) -> int:
    """Entities of ``namespace`` that have a vector."""
    ids = [row["id"] for row in graph.run("graph_algorithms/entity_ids", {"namespace": namespace})]
    return len(has_vectors(vectors, ids)) if ids else 0


def components(graph: GraphStore, namespace: str, engine: AlgorithmEngine) -> ComponentSummary:
    """Weakly connected components, by ``engine``."""
    if engine == "kuzu":
        return kuzu_engine.components(graph, namespace)
    return networkx_engine.components(graph, namespace)


_WORKERS = ContextThreadPool(max_workers=3, thread_name_prefix="kg-metrics")


def measure(
    graph: GraphStore, vectors: VectorStore, namespace: str, engine: AlgorithmEngine
) -> GraphMetrics:
    """Compute every metric of ``namespace``; the three heavy parts run side by side."""
    parts = _WORKERS.submit(components, graph, namespace, engine)
    degrees = _WORKERS.submit(degree_distribution, graph, namespace)
    embedded = _WORKERS.submit(embedded_count, graph, vectors, namespace)
    status_rows = graph.run("graph_algorithms/relation_status_counts", {"namespace": namespace})
    by_status: dict[str, int] = {}
    retired = 0
    for row in status_rows:
        if row["current"]:
            key = row["status"] or "unknown"
            by_status[key] = by_status.get(key, 0) + int(row["relations"])
        else:
            retired += int(row["relations"])
    histogram = degrees.result()
    entities = sum(histogram.values())
    isolated = histogram.get(0, 0)
    total_degree = sum(degree * n for degree, n in histogram.items())
    return GraphMetrics(
        namespace=namespace,
        engine=engine,
        entities=entities,
        relations=sum(by_status.get(status, 0) for status in CURRENT_STATUSES),
        relations_by_status=dict(sorted(by_status.items())),
        retired_relations=retired,
        connected_entities=entities - isolated,
        isolated=isolated,
        degrees=DegreeDistribution(
            buckets=degree_buckets(histogram),
            max=max((d for d, n in histogram.items() if n), default=0),
            mean=total_degree / entities if entities else 0.0,
        ),
        embedded_entities=embedded.result(),
        components=parts.result(),
    )
