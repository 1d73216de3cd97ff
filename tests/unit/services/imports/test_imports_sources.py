"""Bad input stops an import before anything is written, with one error naming the file
and what is missing; and the pieces records are built from (times, ids, types)."""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from kgservice.errors import InputError
from kgservice.ids import id_time, label_of
from kgservice.services.imports.job import ImportParameters
from kgservice.services.imports.knowledge import entity_kind, relation_type
from kgservice.services.imports.records import parse_time, seeded_id
from kgservice.services.imports.reflections import importance_of, tag_list
from kgservice.services.registry import Services
from tests.imports_seed import LegacyInstall, table_counts
from tests.unit.services.imports.conftest import copy_of


def refused(services: Services, **files: Path) -> str:
    before = table_counts(services.stores.graph, services.stores.vectors)
    with pytest.raises(InputError) as caught:
        services.imports.start(ImportParameters.checked(**files))  # type: ignore[arg-type]
    assert table_counts(services.stores.graph, services.stores.vectors) == before
    return str(caught.value)


def test_a_missing_file_is_named(services: Services, tmp_path: Path) -> None:
    message = refused(services, kg_db=tmp_path / "nope.duckdb")
    assert message == f"kgDb: knowledge_graph.duckdb ({tmp_path / 'nope.duckdb'}): no such file"


def test_a_file_of_another_format_is_named(
    services: Services, install: LegacyInstall, tmp_path: Path
) -> None:
    message = refused(services, reflection_db=install.skills_db)
    assert "reflection.duckdb" in message
    assert "is a SQLite database, not a DuckDB database" in message
    message = refused(services, skills_db=install.kg_db)
    assert "is a DuckDB database, not a SQLite database" in message
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all\n" * 10)
    assert "is not a database" in refused(services, kg_db=text)


def test_a_database_without_the_tables_is_named(
    services: Services, install: LegacyInstall, tmp_path: Path
) -> None:
    message = refused(services, reflection_db=install.kg_db)
    assert message.startswith("reflectionDb: reflection.duckdb (")
    assert "no table conversations_v2 or conversations (for conversations)" in message
    assert "no table reflections_v2 or reflections (for reflections)" in message


def test_a_table_without_its_columns_is_named_and_nothing_is_half_imported(
    services: Services, install: LegacyInstall, tmp_path: Path
) -> None:
    damaged = copy_of(install, tmp_path / "old")
    connection = duckdb.connect(str(damaged.kg_db))
    connection.execute("ALTER TABLE kg_relationships DROP COLUMN relation_type")
    connection.close()
    with sqlite3.connect(damaged.skills_db) as skills:
        skills.execute("DROP TABLE skill_invocation")
    # The good reflection file comes first: it must not be imported either.
    message = refused(
        services,
        reflection_db=damaged.reflection_db,
        kg_db=damaged.kg_db,
        skills_db=damaged.skills_db,
    )
    assert message.startswith("files: ")
    assert "table kg_relationships lacks column(s) relation_type" in message
    assert "skills.db" in message
    assert "no table skill_invocation" in message


def test_no_file_at_all_is_refused() -> None:
    with pytest.raises(InputError, match="give at least one of"):
        ImportParameters.checked()


def test_timestamps_parse_or_are_refused() -> None:
    assert parse_time("2025-03-14 09:26:53.589") == datetime(2025, 3, 14, 9, 26, 53, 589000)
    assert parse_time("2025-03-14T10:26:53+01:00") == datetime(2025, 3, 14, 9, 26, 53)
    for bad in ("infinity", "-infinity", "yesterday", "", None, "0001-01-01 00:00:00"):
        assert parse_time(bad) is None


def test_seeded_ids_keep_the_time_and_differ_per_record() -> None:
    moment = datetime(2025, 3, 14, 9, 26, 53, 589000)
    a = seeded_id(moment, "Conversation", "default\x00conversations_v2\x00a3f5")
    b = seeded_id(moment, "Conversation", "default\x00conversations_v2\x00a3f6")
    assert a != b
    assert a == seeded_id(moment, "Conversation", "default\x00conversations_v2\x00a3f5")
    assert id_time(a) == moment.replace(tzinfo=UTC) == id_time(b)
    assert label_of(a) == "Conversation"


def test_legacy_values_map_onto_the_model() -> None:
    assert relation_type("depends_on") == "depends_on"
    assert relation_type("Depends-On") == "depends_on"
    assert relation_type("inherits_from") == "extends"
    assert relation_type("inspired_by") is None
    assert entity_kind("Project") == "project"
    assert entity_kind("Programming Language") == "programming_language"
    assert entity_kind("!!!") == "concept"
    assert tag_list('["a", "b", "a"]') == ["a", "b"]
    assert tag_list("x, y") == ["x", "y"]
    assert importance_of(1.5) == 1.0
    assert importance_of(None) == 0.5


def test_without_duckdb_the_error_says_how_to_install_it(
    services: Services, install: LegacyInstall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # as if the extra were not installed
    message = refused(services, kg_db=install.kg_db)
    assert message.endswith("reading DuckDB files needs the duckdb package: uv sync --extra legacy")
    assert str(install.kg_db) in message
