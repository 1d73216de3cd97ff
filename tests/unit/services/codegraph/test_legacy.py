"""Importing legacy ``code_graphs`` rows into the code graph model."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from kgservice.errors import InputError
from kgservice.services.codegraph.impact import call_chain, impact
from kgservice.services.codegraph.legacy import import_legacy_code_graph
from kgservice.services.nodes import find_node_by_legacy_id
from kgservice.services.registry import Services

ROW_ID = "/home/me/proj:0123abcd"
GRAPH = {
    "nodes": [
        {"id": "f1", "type": "file", "path": "proj/__init__.py"},
        {"id": "f2", "type": "file", "path": "proj/core.py"},
        {"id": "f3", "type": "file", "path": "proj/cli.py"},
        {
            "id": "c1",
            "type": "class",
            "name": "Engine",
            "file_id": "f2",
            "start_line": 1,
            "end_line": 9,
            "docstring": "Runs things.",
        },
        {
            "id": "m1",
            "type": "function",
            "name": "Engine.run",
            "file_id": "f2",
            "start_line": 3,
            "end_line": 5,
        },
        {"id": "g1", "type": "function", "name": "main", "file_id": "f3", "calls": ["Engine.run"]},
        {"id": "i1", "type": "import", "name": "proj.core", "file_id": "f3"},
        {"id": "c2", "type": "class", "name": "Turbo", "file_id": "f2"},
    ],
    "edges": [
        {"source": "c2", "target": "c1", "type": "inherits"},
        {"source": "f2", "target": "c1", "type": "contains"},
        {"source": "g1", "target": "nowhere", "type": "calls"},
    ],
}


def test_row_imports_into_the_model(services: Services) -> None:
    stores = services.stores
    created = datetime(2024, 5, 1, 12, 0)
    result = import_legacy_code_graph(stores, ROW_ID, json.dumps(GRAPH), created, "default", "J1")
    assert (result.files, result.imports, result.calls, result.inherits) == (3, 1, 1, 1)
    assert result.unresolved_edges == 1
    again = import_legacy_code_graph(stores, ROW_ID, GRAPH, created, "default", "J1")
    assert again.already_imported
    assert again.commit_id == result.commit_id
    assert again.repository_id == result.repository_id
    record = find_node_by_legacy_id(stores.graph, ROW_ID)
    assert record is not None
    assert record.label == "Commit"
    assert record.properties["sha"] == "0123abcd"

    graph = services.codegraph.commit_graph("/home/me/proj", None, "default")
    assert graph.module_imports() == [("proj.cli", "proj.core")]
    assert [i.symbol.qualname for i in impact(graph, "proj.core.Engine.run")] == ["proj.cli.main"]
    chain = call_chain(graph, "proj.cli.main", "Engine.run")
    assert chain is not None
    assert [s.qualname for s in chain] == ["proj.cli.main", "proj.core.Engine.run"]
    assert graph.by_qualname["proj.core.Engine"].docstring == "Runs things."


@pytest.mark.parametrize(
    ("row_id", "data", "field"),
    [
        ("no-colon", GRAPH, "id"),
        (ROW_ID, "not json", "graph_data"),
        (ROW_ID, {"vertices": []}, "graph_data"),
        (ROW_ID, {"nodes": [{"id": "x", "type": "lambda"}]}, "graph_data"),
        (
            ROW_ID,
            {"nodes": [], "edges": [{"source": "a", "target": "b", "type": "x"}]},
            "graph_data",
        ),
    ],
)
def test_unknown_shapes_are_refused(
    services: Services, row_id: str, data: object, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        import_legacy_code_graph(services.stores, row_id, data, None, "default")  # type: ignore[arg-type]
    assert caught.value.field == field
    assert services.stores.graph.run("codegraph/legacy_commit", {"key": row_id}) == []
