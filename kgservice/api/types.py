"""GraphQL types shared by every domain: the Node interface and its registry, health and version.

Each domain module registers the GraphQL type of each node table it owns with
:func:`register_node_type`; :func:`node_object` turns any stored node into its type (tables
without one become a :class:`GraphNode`). The schema checks that every ``Node`` type it
exposes is registered.
"""

from __future__ import annotations

from collections.abc import Callable
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


#: How node(id) turns a stored node into its GraphQL type, by table.
NodeConverter = Callable[[dict[str, Any]], Node]
NODE_TYPES: dict[str, NodeConverter] = {}


def register_node_type(label: str, convert: NodeConverter) -> None:
    """Register the GraphQL type of node table ``label`` (once per table)."""
    if label in NODE_TYPES and NODE_TYPES[label] is not convert:
        raise ValueError(f"node table {label!r} has a GraphQL type already")
    NODE_TYPES[label] = convert


def node_object(record: NodeRecord) -> Node:
    """The GraphQL object for a stored node."""
    convert = NODE_TYPES.get(record.label)
    return convert(record.properties) if convert else GraphNode.from_record(record)


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
