"""The Node registry: each domain registers its node types; the schema checks them."""

from __future__ import annotations

import pytest
import strawberry

from kgservice.api.schema import build_schema, check_node_types
from kgservice.api.types import NODE_TYPES, GraphNode, Node, node_object, register_node_type
from kgservice.errors import SchemaDefinitionError
from kgservice.services.nodes import NodeRecord


@strawberry.type
class Unregistered(Node):
    note: str


@strawberry.type
class SmallQuery:
    @strawberry.field
    def anything(self) -> Node | None:
        return None


def test_the_real_schema_registers_every_node_type() -> None:
    build_schema()  # raises when a Node type is not registered
    assert {"Project", "Session", "Thread", "Message", "Entity", "Job"} <= NODE_TYPES.keys()


def test_an_unregistered_node_type_is_refused() -> None:
    schema = strawberry.Schema(query=SmallQuery, types=[Unregistered])
    with pytest.raises(SchemaDefinitionError, match="Unregistered"):
        check_node_types(schema)


def test_a_table_is_registered_once() -> None:
    with pytest.raises(ValueError, match="Project"):
        register_node_type(
            "Project", lambda node: GraphNode(id=strawberry.ID("x"), label="", properties={})
        )


def test_a_table_without_a_type_becomes_a_graph_node() -> None:
    record = NodeRecord("LegacyKey", {"id": "01J", "key": "md5", "namespace": None})
    found = node_object(record)
    assert isinstance(found, GraphNode)
    assert found.label == "LegacyKey"
