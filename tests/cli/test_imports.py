"""``kgservice import session-buddy`` and ``kgservice import rollback`` through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.embedding import Embedder
from kgservice.ids import id_time, new_id
from kgservice.services import nodes
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores
from tests.imports_seed import LegacyInstall, build_install, table_counts

runner = CliRunner()


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> LegacyInstall:
    return build_install(tmp_path_factory.mktemp("legacy"), embedder.embed)


@pytest.fixture(autouse=True)
def _shared_model_cache(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> None:
    """The commands load the model from the session's cache instead of building it again."""
    monkeypatch.setenv("KG_CACHE_DIR", str(embedder.cache_dir))


def kgservice(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import", *args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def files(install: LegacyInstall) -> list[str]:
    return [
        "--reflection-db",
        str(install.reflection_db),
        "--kg-db",
        str(install.kg_db),
        "--skills-db",
        str(install.skills_db),
    ]


def counts(settings: Settings) -> dict[str, int]:
    with open_stores(settings) as stores:
        return table_counts(stores.graph, stores.vectors)


def test_import_then_again_then_rollback(
    data_dir: Path, settings: Settings, install: LegacyInstall
) -> None:
    before = counts(settings)
    code, out, err = kgservice(data_dir, "session-buddy", *files(install))
    assert code == 0, err
    match = re.match(r"imported (\d+) records \(0 already there, (\d+) skipped\) in job (\S+)", out)
    assert match, out
    job_id = match.group(3)
    assert "  conversations_v2: 47 found, 43 imported, 0 already there, 4 skipped" in out
    assert "  skill_invocation: 18 found, 14 imported, 0 already there, 4 skipped" in out
    assert "  code_graphs: 5 found, 3 imported, 0 already there, 2 skipped (" in out
    for key, reason in install.skipped.items():
        if key.startswith("/home/les/"):
            assert f"{reason} 1" in out
    assert "code graphs: skipped" not in out
    assert "verification: ok" in out
    assert f"undo with: kgservice import rollback {job_id}" in out
    legacy_ids = (install.conversations_v2[0], install.conversations_v1[0], *install.code_graphs)
    with open_stores(settings) as stores:
        for legacy_id in legacy_ids:
            record = nodes.find_node_by_legacy_id(stores.graph, legacy_id)
            assert record is not None
            assert id_time(record.id).replace(tzinfo=None) == install.times[legacy_id]
        commit = nodes.find_node_by_legacy_id(stores.graph, install.code_graphs[0])
        assert commit is not None
        assert (commit.label, commit.properties["sha"]) == ("Commit", "a3f5c2e")
    code, out, _ = kgservice(data_dir, "session-buddy", *files(install))
    assert code == 0
    assert out.startswith(f"imported 0 records ({match.group(1)} already there")
    code, out, err = kgservice(data_dir, "rollback", job_id)
    assert code == 0, err
    assert out.startswith(f"rolled back import {job_id}: removed nodes ")
    after = counts(settings)
    assert after == {**before, "node Job": 2}  # the two import jobs stay, as records
    with open_stores(settings) as stores:
        for legacy_id in legacy_ids:
            assert nodes.find_node_by_legacy_id(stores.graph, legacy_id) is None


def test_dry_run_reports_and_writes_nothing(
    data_dir: Path, settings: Settings, install: LegacyInstall
) -> None:
    before = counts(settings)
    code, out, err = kgservice(data_dir, "session-buddy", "--dry-run", *files(install))
    assert code == 0, err
    assert out.startswith("dry run: nothing was written\n")
    assert "    problem: [REDACTED] markers (imported as is): 1" in out
    assert "    problem: unparsable timestamp (the import time used): 1" in out
    assert "kg_relationships: 8 found, 5 imported" in out
    assert "(relation to a missing entity 1" in out or "relation to a missing entity 1" in out
    assert "conversations_v2 vectors: reused (median cosine" in out
    assert "kg_entities vectors: re-embedded" in out
    assert "  code_graphs: 5 found, 3 imported, 0 already there, 2 skipped (" in out
    assert "malformed graph_data: node 'n9' has unknown type 'lambda' 1" in out
    assert counts(settings) == before


@pytest.mark.parametrize(
    ("option", "name", "reason"),
    [
        ("--kg-db", "missing.duckdb", "no such file"),
        ("--reflection-db", "skills.db", "is a SQLite database, not a DuckDB database"),
        ("--reflection-db", "knowledge_graph.duckdb", "no table conversations_v2 or conversations"),
    ],
)
def test_bad_files_fail_with_one_line_naming_them(
    data_dir: Path,
    settings: Settings,
    install: LegacyInstall,
    option: str,
    name: str,
    reason: str,
) -> None:
    before = counts(settings)
    path = install.reflection_db.parent / name
    code, _, err = kgservice(data_dir, "session-buddy", option, str(path))
    assert code == 1
    assert err.startswith("kgservice: ")
    assert str(path) in err
    assert reason in err
    assert err.count("\n") == 1
    assert counts(settings) == before


def test_nothing_to_import_and_bad_jobs_are_refused(data_dir: Path) -> None:
    code, _, err = kgservice(data_dir, "session-buddy")
    assert code == 1
    assert "give at least one of" in err
    code, _, err = kgservice(data_dir, "session-buddy", "--resume", "not-a-job")
    assert code == 1
    code, _, err = kgservice(data_dir, "rollback", new_id("Job"))
    assert code == 1
    assert "not found" in err
