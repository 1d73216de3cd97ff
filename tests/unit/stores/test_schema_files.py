"""schema/graph.cypher and schema/vectors.sql must be what the migrations produce."""

from __future__ import annotations

from kgservice.resources import resource_dir
from kgservice.stores.opening import Stores
from kgservice.stores.schema_dump import render_graph_schema, render_vector_schema


def test_schema_files_match_the_migrations(stores: Stores) -> None:
    folder = resource_dir("schema")
    hint = "schema files drifted from migrations/; run: uv run kgservice migrate schema"
    assert (folder / "graph.cypher").read_text() == render_graph_schema(stores.graph), hint
    assert (folder / "vectors.sql").read_text() == render_vector_schema(stores.vectors), hint


def test_every_node_table_has_an_id_code(stores: Stores) -> None:
    from kgservice.ids import NODE_LABELS
    from kgservice.stores.schema_dump import TRACKING_TABLES

    tables = stores.graph.execute_catalog("CALL show_tables() RETURN name, type")
    index_tables = {"LegacyKey", "ImportedNode"}  # bookkeeping of imports, no ULID ids
    nodes = {t["name"] for t in tables if t["type"] == "NODE"} - TRACKING_TABLES - index_tables
    assert nodes == set(NODE_LABELS)
