"""``search``: messages, conversations, reflections, entities and code by meaning and words."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kgservice.api.mcp.results import node_summary
from kgservice.api.mcp.tooling import Arguments, Tool, ToolContext
from kgservice.services.search import MAX_RESULTS, SearchMode
from kgservice.services.search_rerank import RERANK_DEFAULT, RERANK_DEPTH

#: The searchable kinds (the text index's TEXT_KINDS; a test keeps them in step).
Kind = Literal["Message", "Conversation", "Reflection", "Entity", "CodeFile", "Symbol"]


class SearchArguments(Arguments):
    text: str = Field(description="What to look for, in plain words.")
    kinds: list[Kind] | None = Field(
        default=None, description="Only these kinds of node (default: all of them)."
    )
    k: int = Field(default=10, description=f"How many hits, 1..{MAX_RESULTS}.")
    mode: Literal["HYBRID", "VECTOR", "TEXT"] = Field(
        default="HYBRID",
        description="HYBRID fuses meaning and words (best default); VECTOR: meaning only "
        "(cosine); TEXT: words only (BM25).",
    )
    namespace: str | None = Field(
        default=None, description="Only this namespace (default: every namespace you may see)."
    )
    rerank: bool | None = Field(
        default=None,
        description=f"HYBRID only: reorder the fused top {RERANK_DEPTH} by the reranker "
        "(the hit's and its neighbouring turns' closeness, shared words, the speaker the "
        f"question names, dates for when-questions). Default: {str(RERANK_DEFAULT).lower()}.",
    )


async def search(context: ToolContext, args: SearchArguments) -> dict[str, Any]:
    request = context.request
    namespace = args.namespace
    allowed = request.access.namespaces
    if namespace is not None:
        request.check_namespace(namespace)
    elif allowed is not None and len(allowed) == 1:
        namespace = next(iter(allowed))  # a key scoped to one namespace searches it
    service = context.services.search
    hits = await request.run(
        lambda: service.search(
            text=args.text,
            kinds=args.kinds,
            namespace=namespace,
            k=args.k,
            mode=SearchMode(args.mode),
            rerank=args.rerank,
        )
    )
    return {
        "hits": [
            {**node_summary(hit.node), "score": hit.score}
            for hit in hits
            if request.visible(hit.node.properties.get("namespace"))
        ]
    }


TOOLS = (
    Tool(
        name="search",
        description=(
            "Search stored memory: messages, conversations, reflections and knowledge-graph "
            "entities. Returns hits best first, each with id, kind, namespace, score (higher "
            "is better) and a snippet of its text; read a hit further with `entity` (entities) "
            "or the kgservice://thread/{id} resource."
        ),
        arguments=SearchArguments,
        handler=search,
        writes=False,
    ),
)
