from __future__ import annotations

from pathlib import Path

import pytest

from kgservice.errors import QueryError
from kgservice.stores.query_catalog import QueryCatalog, parse_query


def test_parameters_ignore_strings_and_comments() -> None:
    query = parse_query(
        "t", "// uses $ghost\nMATCH (n {id: $id}) WHERE n.name = '$not' RETURN n /* $nor */"
    )
    assert query.parameters == {"id"}
    assert not query.writes


def test_write_detection() -> None:
    assert parse_query("t", "MATCH (n {id: $id}) SET n.x = 1").writes
    assert parse_query("t", "CREATE (:A {id: $id})").writes
    assert not parse_query("t", "MATCH (n) WHERE n.name = 'CREATE' RETURN n").writes


def test_parameters_must_match_exactly() -> None:
    query = parse_query("t", "MATCH (n {id: $id}) RETURN n")
    query.check_parameters({"id": "x"})
    with pytest.raises(QueryError, match="missing id"):
        query.check_parameters({})
    with pytest.raises(QueryError, match="unexpected other"):
        query.check_parameters({"id": "x", "other": 1})


def test_label_slot_takes_only_allowed_tables() -> None:
    query = parse_query("t", "MATCH (n:__LABEL__ {id: $id}) RETURN n")
    assert query.for_label("Entity", {"Entity"}).text == "MATCH (n:Entity {id: $id}) RETURN n"
    for bad in ["Nope", "Entity) DETACH DELETE (m", "Entity`"]:
        with pytest.raises(QueryError, match="unknown table"):
            query.for_label(bad, {"Entity", bad if bad != "Nope" else "x"})


def test_catalog_loads_every_query_in_the_repo() -> None:
    catalog = QueryCatalog()
    assert "core/node_by_id" in catalog
    assert catalog["core/node_by_id"].labelled
    with pytest.raises(QueryError, match="unknown query"):
        catalog["core/missing"]


def test_catalog_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "q.cypher").write_text("RETURN $x AS x;\n")
    (tmp_path / "a" / "empty.cypher").write_text("// nothing\n")
    with pytest.raises(QueryError, match="empty"):
        QueryCatalog(tmp_path)
    (tmp_path / "a" / "empty.cypher").unlink()
    catalog = QueryCatalog(tmp_path)
    assert catalog.names() == ["a/q"]
    assert catalog["a/q"].text == "RETURN $x AS x"
