"""The graph-algorithm service: validates arguments, picks the engine, runs the algorithm."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.errors import InputError
from kgservice.services.graph_algorithms import kuzu_engine, networkx_engine
from kgservice.services.graph_algorithms.engines import (
    AlgorithmEngine,
    EngineSetting,
    choose_engine,
)
from kgservice.services.graph_algorithms.metrics import GraphMetrics, measure
from kgservice.services.graph_algorithms.neighborhood import MAX_LIMIT, Neighborhood, neighborhood
from kgservice.services.graph_algorithms.paths import GraphPath, shortest_path
from kgservice.services.graph_algorithms.results import (
    Community,
    RankedEntity,
    ordered_communities,
)
from kgservice.stores.graph import GraphStore
from kgservice.stores.vectors import VectorStore

MAX_K = 100
MAX_RESOLUTION = 100.0


@dataclass(frozen=True)
class PageRankResult:
    """The top entities by PageRank and the engine that computed them."""

    engine: AlgorithmEngine
    entities: list[RankedEntity]


@dataclass(frozen=True)
class CommunityResult:
    """Every Louvain community of a namespace, largest first, and the engine used."""

    engine: AlgorithmEngine
    communities: list[Community]


def _check_namespace(namespace: str) -> None:
    if not namespace:
        raise InputError("namespace", "must not be empty")


class GraphAlgorithms:
    """Metrics and algorithms over a namespace's entity relation graph.

    The relation graph holds a namespace's entities and its current relations (RELATED
    edges accepted or proposed, not retired). ``engine`` is the ``graph_algorithms``
    setting: ``auto`` uses Kuzu's algo extension where it is loaded, else networkx.
    """

    def __init__(
        self, graph: GraphStore, vectors: VectorStore, engine: EngineSetting = "auto"
    ) -> None:
        self.graph = graph
        self.vectors = vectors
        self.engine_setting: EngineSetting = engine

    def engine_for(self, namespace: str) -> AlgorithmEngine:
        """The engine that runs algorithms on ``namespace``."""
        return choose_engine(self.engine_setting, self.graph, namespace)

    def metrics(self, namespace: str = "default") -> GraphMetrics:
        """Counts, connectivity, degrees, embedding coverage and components of ``namespace``."""
        _check_namespace(namespace)
        return measure(self.graph, self.vectors, namespace, self.engine_for(namespace))

    def page_rank(self, namespace: str = "default", k: int = 10) -> PageRankResult:
        """The ``k`` (1..100) entities of highest PageRank; scores of a namespace sum to 1."""
        if not 1 <= k <= MAX_K:
            raise InputError("k", f"must be between 1 and {MAX_K}")
        _check_namespace(namespace)
        engine = self.engine_for(namespace)
        if engine == "kuzu":
            return PageRankResult(engine, kuzu_engine.page_rank(self.graph, namespace, k))
        return PageRankResult(engine, networkx_engine.page_rank(self.graph, namespace, k))

    def communities(
        self, namespace: str = "default", resolution: float = 1.0, seed: int | None = None
    ) -> CommunityResult:
        """Louvain communities, largest first.

        Kuzu's Louvain runs at resolution 1 and in parallel (``seed`` does not apply); any
        other resolution runs in networkx, where ``seed`` makes the result reproducible.
        """
        if not 0 < resolution <= MAX_RESOLUTION:
            raise InputError("resolution", f"must be above 0 and at most {MAX_RESOLUTION:g}")
        _check_namespace(namespace)
        engine = self.engine_for(namespace)
        if engine == "kuzu" and resolution != 1.0:
            if self.engine_setting == "kuzu":
                raise InputError("resolution", "Kuzu's Louvain runs at resolution 1 only")
            engine = "networkx"
        if engine == "kuzu":
            groups = kuzu_engine.louvain(self.graph, namespace)
        else:
            groups = networkx_engine.louvain(self.graph, namespace, resolution, seed)
        return CommunityResult(engine, ordered_communities(groups))

    def shortest_path(self, source: str, target: str, max_depth: int = 4) -> GraphPath | None:
        """A shortest path of current relations between two entities, or None."""
        return shortest_path(self.graph, source, target, max_depth)

    def neighborhood(
        self,
        node_id: str,
        depth: int = 1,
        rel_types: list[str] | None = None,
        limit: int = MAX_LIMIT,
    ) -> Neighborhood:
        """Nodes and edges within ``depth`` (1..3) hops of any node."""
        return neighborhood(self.graph, node_id, depth, rel_types, limit)
