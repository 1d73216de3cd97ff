"""GraphQL types shared by every domain: the Node interface, health and version."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from kgservice.services.nodes import NodeRecord


@strawberry.interface(description="Anything stored in the graph; `id` is a ULID.")
class Node:
    id: strawberry.ID


@strawberry.type(description="A node of a table that has no dedicated GraphQL type yet.")
class GraphNode(Node):
    label: str = strawberry.field(description="The node's table in the graph.")
    properties: JSON = strawberry.field(description="The node's stored properties.")

    @classmethod
    def from_record(cls, record: NodeRecord) -> GraphNode:
        """Build from a store record, rendering times as ISO 8601 strings."""
        return cls(
            id=strawberry.ID(record.id),
            label=record.label,
            properties=cast(JSON, {k: _plain(v) for k, v in record.properties.items()}),
        )


def json_object(value: Any) -> dict[str, Any] | None:
    """A JSON input typed as an object for the services (which reject other JSON values)."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else value


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@strawberry.type(description="Whether one store answered.")
class StoreHealth:
    ok: bool
    detail: str


@strawberry.type(description="Health of the service and each of its stores.")
class Health:
    ok: bool
    graph: StoreHealth
    vectors: StoreHealth


@strawberry.type(description="Versions of the service and of its stored schema.")
class Version:
    service: str
    schema: int = strawberry.field(description="Schema version the stores are at.")
    graph_engine: str
