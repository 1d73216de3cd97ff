"""The strawberry schema: the root Query and the extensions every request goes through."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from kgservice import __version__
from kgservice.api.context import KgInfo
from kgservice.api.types import GraphNode, Health, Node, StoreHealth, Version
from kgservice.errors import KgError
from kgservice.services import nodes, status


@strawberry.type
class Query:
    @strawberry.field(description="A node by its ULID, or by a legacy id kept from an import.")
    async def node(
        self, info: KgInfo, id: strawberry.ID | None = None, legacy_id: str | None = None
    ) -> Node | None:
        if (id is None) == (legacy_id is None):
            raise GraphQLError("node takes exactly one of id and legacyId")
        graph = info.context.stores.graph
        if id is not None:
            record = await info.context.run(nodes.find_node, graph, str(id))
        else:
            record = await info.context.run(nodes.find_node_by_legacy_id, graph, str(legacy_id))
        return GraphNode.from_record(record) if record else None

    @strawberry.field(description="Whether both stores answer.")
    async def health(self, info: KgInfo) -> Health:
        checks = await info.context.run(status.check_health, info.context.stores)
        parts = {name: StoreHealth(ok=c.ok, detail=c.detail) for name, c in checks.items()}
        return Health(ok=all(p.ok for p in parts.values()), **parts)

    @strawberry.field(description="Service version, schema version and graph engine.")
    async def version(self, info: KgInfo) -> Version:
        stores = info.context.stores
        migration = await info.context.run(lambda: stores.migrator().status())
        return Version(
            service=__version__, schema=migration.current, graph_engine=stores.graph.engine_name
        )


def _should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors; show GraphQL errors and kgservice's own user-facing ones."""
    original = error.original_error
    return original is not None and not isinstance(original, (KgError, GraphQLError))


def build_schema() -> strawberry.Schema:
    """Return the executable schema."""
    return strawberry.Schema(
        query=Query,
        types=[GraphNode],
        extensions=[lambda: MaskErrors(should_mask_error=_should_mask)],
    )
