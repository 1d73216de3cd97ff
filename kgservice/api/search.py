"""GraphQL surface of search: ``search`` and ``similar``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.types import Node, node_object
from kgservice.services.search import SearchHit as HitRecord
from kgservice.services.search import SearchMode
from kgservice.services.search_rerank import RERANK_DEFAULT, RERANK_DEPTH

SearchModeType = strawberry.enum(
    SearchMode,
    name="SearchMode",
    description=(
        "VECTOR: cosine similarity of embeddings; TEXT: FTS5 BM25; "
        "HYBRID: weighted reciprocal rank fusion of both."
    ),
)


@strawberry.type(description="A reranking feature of a hit: its value (0 to 1) and weight.")
class RerankFeature:
    name: str
    value: float
    weight: float


@strawberry.type(description="Why a hit ranks where it does: its score on each side.")
class HitWhy:
    vector: float | None = strawberry.field(
        description="Cosine similarity to the query (null: not among the vector candidates)."
    )
    text: float | None = strawberry.field(
        description="BM25 relevance of its words and, for a message, its neighbouring turns "
        "(null: not among the full-text candidates)."
    )
    rerank: float | None = strawberry.field(
        description="The reranker's score, the weighted sum of `features` (null: not reranked)."
    )
    features: list[RerankFeature] | None = strawberry.field(
        description="The reranker's features of this hit (null: not reranked)."
    )


def _why(hit: HitRecord) -> HitWhy:
    features = None
    if hit.why.features is not None:
        features = [
            RerankFeature(name=name, value=value, weight=weight)
            for name, (value, weight) in hit.why.features.items()
        ]
    return HitWhy(
        vector=hit.why.vector, text=hit.why.text, rerank=hit.why.rerank, features=features
    )


@strawberry.type(description="The messages around a message hit in its thread, in order.")
class HitContext:
    before: list[Node]
    after: list[Node]


@strawberry.type(description="A found node and its score (higher is better).")
class SearchHit:
    node: Node
    score: float
    why: HitWhy
    context: HitContext | None = strawberry.field(
        description="With search(window: n > 0): up to n messages before and after a message."
    )


def _hits(records: list[HitRecord], info: KgInfo) -> list[SearchHit]:
    """The hits the request may see (namespaces), as GraphQL objects."""
    visible = info.context.visible
    return [
        SearchHit(
            node=node_object(hit.node),
            score=hit.score,
            why=_why(hit),
            context=None
            if hit.context is None
            else HitContext(
                before=[node_object(n) for n in hit.context.before],
                after=[node_object(n) for n in hit.context.after],
            ),
        )
        for hit in records
        if visible(hit.node.properties.get("namespace"))
    ]


@strawberry.type
class SearchQuery:
    @strawberry.field(description="Find messages, conversations, reflections and entities.")
    async def search(
        self,
        info: KgInfo,
        text: str | None = None,
        vector: list[float] | None = None,
        kinds: list[str] | None = None,
        namespace: str | None = None,
        k: int = 10,
        mode: SearchModeType = SearchMode.HYBRID,  # type: ignore[valid-type]
        window: Annotated[
            int,
            strawberry.argument(
                description="Return up to this many messages before and after each message "
                "hit (0 to 10)."
            ),
        ] = 0,
        rerank: Annotated[
            bool | None,
            strawberry.argument(
                description=f"HYBRID only: reorder the fused top {RERANK_DEPTH} by the "
                "reranker (features of the hit, its neighbouring turns and the query; see "
                f"why.rerank). Null: {'on' if RERANK_DEFAULT else 'off'} in HYBRID mode."
            ),
        ] = None,
    ) -> list[SearchHit]:
        service = info.context.services.search
        allowed = info.context.access.namespaces
        if namespace is not None:
            info.context.check_namespace(namespace)
        elif allowed is not None and len(allowed) == 1:
            namespace = next(iter(allowed))  # a key scoped to one namespace searches it
        records = await info.context.run(
            lambda: service.search(
                text=text,
                vector=vector,
                kinds=kinds,
                namespace=namespace,
                k=k,
                mode=mode,
                window=window,
                rerank=rerank,
            )
        )
        return _hits(records, info)

    @strawberry.field(description="Nodes nearest in meaning to the node `id` (itself left out).")
    async def similar(self, info: KgInfo, id: strawberry.ID, k: int = 10) -> list[SearchHit]:
        service = info.context.services.search
        await info.context.check_node(str(id))
        records = await info.context.run(service.similar, str(id), k)
        return _hits(records, info)
