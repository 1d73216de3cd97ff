"""GraphQL surface of the graph algorithms: metrics, PageRank, communities, paths, neighbourhoods.

Bad arguments and unknown ids are GraphQL errors (``extensions.code`` VALIDATION with
``field``, or NOT_FOUND with ``id``), raised before any algorithm runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.api.context import KgInfo
from kgservice.api.errors import bounded, call_service
from kgservice.api.types import Node, _plain, node_object
from kgservice.services import nodes
from kgservice.services.graph_algorithms.edges import EdgeRecord
from kgservice.services.graph_algorithms.metrics import GraphMetrics as MetricsRecord
from kgservice.services.graph_algorithms.neighborhood import MAX_LIMIT
from kgservice.services.graph_algorithms.paths import GraphPath as PathRecord
from kgservice.services.graph_algorithms.relation_graph import MAX_NODES, relation_graph
from kgservice.services.nodes import NodeRecord

MAX_COMMUNITIES = 100
MAX_MEMBERS = 1_000


@strawberry.type(description="An edge between two nodes, for visualisers.")
class GraphEdge:
    id: strawberry.ID = strawberry.field(
        description="The relation id of a RELATED edge, else `LABEL:from:to`."
    )
    from_: strawberry.ID = strawberry.field(name="from")
    to: strawberry.ID
    label: str = strawberry.field(description="The relationship table (RELATED, MENTIONS, ...).")
    type: str | None = strawberry.field(description="RELATED's relation type (uses, ...).")
    properties: JSON = strawberry.field(description="The edge's stored properties.")

    @classmethod
    def from_record(cls, record: EdgeRecord) -> Self:
        """Build from a service record, rendering times as ISO 8601 strings."""
        return cls(
            id=strawberry.ID(record.id),
            from_=strawberry.ID(record.source),
            to=strawberry.ID(record.target),
            label=record.label,
            type=record.type,
            properties=cast(JSON, {k: _plain(v) for k, v in record.properties.items()}),
        )


@strawberry.type(description="Relations of one status.")
class StatusCount:
    status: str
    count: int


@strawberry.type(description="Entities whose degree lies in low..high (high null: unbounded).")
class DegreeBucket:
    low: int
    high: int | None
    entities: int


@strawberry.type(description="Degrees over current relations, either direction.")
class DegreeDistribution:
    buckets: list[DegreeBucket]
    max: int
    mean: float


@strawberry.type(
    description=(
        "Metrics of a namespace's relation graph: its entities and current relations "
        "(accepted or proposed, not retired)."
    )
)
class GraphMetrics:
    namespace: str
    engine: str = strawberry.field(description="`kuzu` (algo extension) or `networkx`.")
    entities: int
    relations: int = strawberry.field(description="Current relations: accepted + proposed.")
    relations_by_status: list[StatusCount] = strawberry.field(
        description="Relations not retired, by status (rejected included)."
    )
    retired_relations: int
    connectivity_ratio: float = strawberry.field(
        description="Share of entities with at least one current relation, 0..1."
    )
    isolated: int = strawberry.field(description="Entities without a current relation.")
    degree: DegreeDistribution
    embedded_entities: int
    embedding_coverage: float = strawberry.field(description="Share of entities with a vector.")
    components: int = strawberry.field(description="Weakly connected components.")
    largest_component: int = strawberry.field(description="Entities in the largest component.")

    @classmethod
    def from_record(cls, record: MetricsRecord) -> Self:
        """Build from the service's metrics."""
        return cls(
            namespace=record.namespace,
            engine=record.engine,
            entities=record.entities,
            relations=record.relations,
            relations_by_status=[
                StatusCount(status=s, count=n) for s, n in record.relations_by_status.items()
            ],
            retired_relations=record.retired_relations,
            connectivity_ratio=record.connectivity_ratio,
            isolated=record.isolated,
            degree=DegreeDistribution(
                buckets=[
                    DegreeBucket(low=b.low, high=b.high, entities=b.entities)
                    for b in record.degrees.buckets
                ],
                max=record.degrees.max,
                mean=record.degrees.mean,
            ),
            embedded_entities=record.embedded_entities,
            embedding_coverage=record.embedding_coverage,
            components=record.components.count,
            largest_component=record.components.largest,
        )


@strawberry.type(description="An entity and its PageRank score.")
class RankedEntity:
    rank: int = strawberry.field(description="1 for the highest score.")
    id: strawberry.ID
    score: float = strawberry.field(description="Scores of a namespace sum to 1.")
    node: Node | None


@strawberry.type(description="The top entities by PageRank (damping 0.85, edges followed forward).")
class PageRank:
    engine: str
    entities: list[RankedEntity]


@strawberry.type(description="One Louvain community.")
class Community:
    index: int = strawberry.field(description="Position among all communities, largest first.")
    size: int
    member_ids: list[strawberry.ID] = strawberry.field(
        description="Sorted; capped by membersFirst."
    )
    members_truncated: bool


@strawberry.type(description="Louvain communities of a namespace, largest first.")
class Communities:
    engine: str
    total_count: int = strawberry.field(description="Communities in all (singletons included).")
    communities: list[Community]


@strawberry.type(description="A path: nodes from `from` to `to` and the edges between them.")
class GraphPath:
    length: int
    nodes: list[Node]
    edges: list[GraphEdge]


@strawberry.type(description="Nodes (the start first) and edges near a node.")
class Neighborhood:
    nodes: list[Node]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(description="Whether the node or edge limit cut it short.")


def _node(record: NodeRecord) -> Node:
    return node_object(record)


def _path(record: PathRecord) -> GraphPath:
    return GraphPath(
        length=record.length,
        nodes=[_node(n) for n in record.nodes],
        edges=[GraphEdge.from_record(e) for e in record.edges],
    )


@strawberry.type
class GraphQuery:
    @strawberry.field(description="Size, connectivity, degrees, coverage and components.")
    async def graph_metrics(self, info: KgInfo, namespace: str = "default") -> GraphMetrics:
        info.context.check_namespace(namespace)
        service = info.context.services.graph_algorithms
        return GraphMetrics.from_record(await call_service(info, service.metrics, namespace))

    @strawberry.field(description="The k (1..100) entities of highest PageRank.")
    async def page_rank(self, info: KgInfo, k: int = 10, namespace: str = "default") -> PageRank:
        info.context.check_namespace(namespace)
        service = info.context.services.graph_algorithms
        result = await call_service(info, service.page_rank, namespace, k)
        ids = [entry.id for entry in result.entities]
        found = await info.context.run(nodes.find_nodes, info.context.stores.graph, ids)
        return PageRank(
            engine=result.engine,
            entities=[
                RankedEntity(
                    rank=position,
                    id=strawberry.ID(entry.id),
                    score=entry.score,
                    node=_node(found[entry.id]) if entry.id in found else None,
                )
                for position, entry in enumerate(result.entities, start=1)
            ],
        )

    @strawberry.field(
        description=(
            "Louvain communities, largest first. `resolution` other than 1 runs in networkx, "
            "where `seed` makes the result reproducible (Kuzu's parallel Louvain has no seed)."
        )
    )
    async def communities(
        self,
        info: KgInfo,
        namespace: str = "default",
        resolution: float = 1.0,
        seed: int | None = None,
        first: int = 20,
        offset: int = 0,
        members_first: int = 100,
    ) -> Communities:
        info.context.check_namespace(namespace)
        bounded("first", first, 1, MAX_COMMUNITIES)
        bounded("offset", offset, 0, 1_000_000)
        bounded("membersFirst", members_first, 1, MAX_MEMBERS)
        service = info.context.services.graph_algorithms
        result = await call_service(info, service.communities, namespace, resolution, seed)
        page = result.communities[offset : offset + first]
        return Communities(
            engine=result.engine,
            total_count=len(result.communities),
            communities=[
                Community(
                    index=offset + position,
                    size=community.size,
                    member_ids=[strawberry.ID(m) for m in community.member_ids[:members_first]],
                    members_truncated=community.size > members_first,
                )
                for position, community in enumerate(page)
            ],
        )

    @strawberry.field(
        description=(
            "A shortest path (maxDepth 1..8) of current relations between two entities, "
            "either direction; null when there is none that short."
        )
    )
    async def shortest_path(
        self,
        info: KgInfo,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_depth: int = 4,
    ) -> GraphPath | None:
        await info.context.check_node(str(from_))
        await info.context.check_node(str(to))
        service = info.context.services.graph_algorithms
        found = await call_service(info, service.shortest_path, str(from_), str(to), max_depth)
        return _path(found) if found else None

    @strawberry.field(description="Nodes and edges within depth (1..3) hops of a node.")
    async def neighborhood(
        self,
        info: KgInfo,
        id: strawberry.ID,
        depth: int = 1,
        rel_types: list[str] | None = None,
        limit: int = MAX_LIMIT,
    ) -> Neighborhood:
        await info.context.check_node(str(id))
        service = info.context.services.graph_algorithms
        found = await call_service(info, service.neighborhood, str(id), depth, rel_types, limit)
        shown = [n for n in found.nodes if info.context.visible(n.properties.get("namespace"))]
        shown_ids = {n.id for n in shown}
        return Neighborhood(
            nodes=[_node(n) for n in shown],
            edges=[
                GraphEdge.from_record(e)
                for e in found.edges
                if e.source in shown_ids and e.target in shown_ids
            ],
            truncated=found.truncated,
        )

    @strawberry.field(
        description=(
            "A namespace's entities, most related first (limit 1..5000), and the accepted or "
            "proposed relations among them valid at `asOf` (default now), or every one "
            "(retired included) with `includeRetired`."
        )
    )
    async def relation_graph(
        self,
        info: KgInfo,
        namespace: str = "default",
        limit: int = 2_000,
        as_of: datetime | None = None,
        include_retired: bool = False,
    ) -> Neighborhood:
        info.context.check_namespace(namespace)
        bounded("limit", limit, 1, MAX_NODES)
        graph = info.context.stores.graph
        found = await call_service(
            info, relation_graph, graph, namespace, limit, as_of, include_retired
        )
        return Neighborhood(
            nodes=[_node(n) for n in found.nodes],
            edges=[GraphEdge.from_record(e) for e in found.edges],
            truncated=found.truncated,
        )
