"""Migrations of both stores: order, round trips that keep data, failures that restore."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from kgservice.errors import MigrationError, SchemaOutdatedError
from kgservice.ids import new_id
from kgservice.services.session_chain import SessionChain
from kgservice.settings import Settings
from kgservice.stores.migrations import Migration, Migrator, discover_migrations, split_cypher
from kgservice.stores.opening import Stores, ensure_current_schema, open_stores
from kgservice.stores.query_catalog import parse_query

NOW = datetime(2026, 1, 1)


def populate(stores: Stores) -> dict[str, int]:
    """Write a project, a session, two threads with messages, and vector-store rows."""
    graph = stores.graph
    project, session = new_id("Project"), new_id("Session")
    with graph.transaction() as tx:
        tx.execute_trusted(
            f"CREATE (:Project {{id: '{project}', name: 'p', created_at: timestamp('2026-01-01')}})"
        )
        tx.execute_trusted(f"CREATE (:Session {{id: '{session}', external_id: 'ext-1'}})")
        tx.execute_trusted(
            f"MATCH (p:Project {{id: '{project}'}}), (s:Session {{id: '{session}'}}) "
            "CREATE (p)-[:HAS_SESSION]->(s)"
        )
        for t in range(2):
            thread = new_id("Thread")
            tx.execute_trusted(f"CREATE (:Thread {{id: '{thread}', name: 't{t}'}})")
            tx.execute_trusted(
                f"MATCH (s:Session {{id: '{session}'}}), (t:Thread {{id: '{thread}'}}) "
                "CREATE (s)-[:HAS_THREAD]->(t)"
            )
            for i in range(3 + t):
                message = new_id("Message")
                tx.execute_trusted(
                    f"MATCH (t:Thread {{id: '{thread}'}}) "
                    f"CREATE (t)-[:HAS_MESSAGE]->(:Message {{id: '{message}', idx: {i}, role: 'user', content: 'm'}})"
                )
    with stores.vectors.transaction() as connection:
        connection.execute(
            "INSERT INTO node_text(node_id, kind, namespace, text, updated_at) VALUES (?, ?, ?, ?, ?)",
            (project, "Project", "", "some text", NOW.isoformat()),
        )
    return snapshot(stores)


def snapshot(stores: Stores) -> dict[str, int]:
    counts = {f"node:{r['label']}": r["count"] for r in stores.graph.run("core/count_nodes")}
    counts |= {f"rel:{r['label']}": r["count"] for r in stores.graph.run("core/count_rels")}
    for table in ("node_text", "node_fts"):
        counts[f"vec:{table}"] = stores.vectors.query(f"SELECT count(*) FROM {table}")[0][0]
    return counts


def message_counts(stores: Stores) -> list[int]:
    stores.graph.catalog._queries["test/message_counts"] = parse_query(
        "test/message_counts", "MATCH (t:Thread) RETURN t.message_count AS n ORDER BY n"
    )
    return [row["n"] for row in stores.graph.run("test/message_counts")]


def test_fresh_store_is_migrated_to_latest(stores: Stores) -> None:
    status = stores.migrator().status()
    assert status.current == status.latest == len(discover_migrations())
    assert status.up_to_date
    assert [m.name for m in status.applied] == [m.name for m in discover_migrations()]
    assert all(m.checksum for m in status.applied)


def test_down_and_up_again_keep_every_row(stores: Stores) -> None:
    before = populate(stores)
    migrator = stores.migrator()
    latest = migrator.status().latest
    assert [m.version for m in migrator.down(to=1)] == list(range(latest, 1, -1))
    assert migrator.status().current == 1
    assert [m.version for m in migrator.up()] == list(range(2, latest + 1))
    assert snapshot(stores) == before
    assert message_counts(stores) == [3, 4]  # the data step of 0002 recomputed the counters


def test_steps_to_and_dry_run(stores: Stores) -> None:
    migrator = stores.migrator()
    planned = migrator.down(steps=1, dry_run=True)
    assert len(planned) == 1
    assert migrator.status().up_to_date
    migrator.down(to=0)
    assert migrator.status().current == 0
    assert stores.graph.table_names() == {"SchemaMigration"}
    assert [m.version for m in migrator.up(steps=1)] == [1]
    with pytest.raises(MigrationError, match="cannot migrate up to"):
        migrator.up(to=99)
    with pytest.raises(MigrationError, match="cannot migrate down to"):
        migrator.down(to=5)
    migrator.up()
    assert migrator.status().up_to_date


def with_extra(stores: Stores, extra: Migration) -> Migrator:
    return Migrator(
        stores.graph,
        stores.vectors,
        stores.settings.backup_dir,
        migrations=[*discover_migrations(), extra],
    )


def test_failing_graph_step_leaves_previous_version(stores: Stores) -> None:
    before = populate(stores)
    version = len(discover_migrations()) + 1
    broken = Migration(
        version=version,
        name="broken",
        graph_up="CREATE NODE TABLE Extra(id STRING, PRIMARY KEY(id));\nTHIS IS NOT CYPHER;",
        graph_down="DROP TABLE Extra;",
    )
    migrator = with_extra(stores, broken)
    with pytest.raises(MigrationError, match="restored to the previous version"):
        migrator.up()
    assert migrator.status().current == version - 1
    assert "Extra" not in stores.graph.table_names()
    assert snapshot(stores) == before


def test_failing_vector_step_restores_the_graph_too(stores: Stores) -> None:
    before = populate(stores)
    version = len(discover_migrations()) + 1
    broken = Migration(
        version=version,
        name="broken_sql",
        graph_up="CREATE NODE TABLE Extra(id STRING, PRIMARY KEY(id));",
        graph_down="DROP TABLE Extra;",
        vectors_up="CREATE TABLE extra(x); INSERT INTO nope VALUES (1);",
        vectors_down="DROP TABLE extra;",
    )
    migrator = with_extra(stores, broken)
    with pytest.raises(MigrationError, match="broken_sql"):
        migrator.up()
    assert migrator.status().current == version - 1
    assert "Extra" not in stores.graph.table_names()
    assert "extra" not in stores.vectors.table_names()
    assert snapshot(stores) == before
    stores.graph.run("core/ping")  # the restored store is open and answers


def test_edited_applied_migration_is_refused(stores: Stores) -> None:
    migrations = discover_migrations()
    edited = replace(migrations[0], graph_up=migrations[0].graph_up + "\n// edited")
    migrator = Migrator(
        stores.graph,
        stores.vectors,
        stores.settings.backup_dir,
        migrations=[edited, *migrations[1:]],
    )
    assert migrator.status().edited == ["0001_initial"]
    with pytest.raises(MigrationError, match="0001_initial changed after being applied"):
        migrator.up()
    with pytest.raises(MigrationError, match="changed after being applied"):
        migrator.down()


def test_outdated_store_is_refused_with_the_command(settings: Settings) -> None:
    with open_stores(settings) as stores:
        stores.migrator().down(steps=1)
    with pytest.raises(SchemaOutdatedError, match="run: kgservice migrate up --data-dir"):
        open_stores(settings)
    with open_stores(settings, check_schema=False) as stores:
        stores.migrator().up()
        assert ensure_current_schema(stores).up_to_date


def test_backups_are_taken_and_pruned(stores: Stores) -> None:
    migrator = stores.migrator()
    migrator.backups_kept = 3
    for _ in range(3):
        migrator.down(steps=1)
        migrator.up()
    folders = sorted(stores.settings.backup_dir.iterdir())
    assert len(folders) == 3
    assert all((f / stores.graph.path.name).exists() for f in folders)
    assert all((f / stores.vectors.path.name).exists() for f in folders)


def test_migration_folders_are_checked(tmp_path: Path) -> None:
    (tmp_path / "0001_first").mkdir()
    (tmp_path / "0001_first" / "up.cypher").write_text(
        "CREATE NODE TABLE A(id STRING, PRIMARY KEY(id));"
    )
    (tmp_path / "0003_gap").mkdir()
    with pytest.raises(MigrationError, match="expected number 0002"):
        discover_migrations(tmp_path)
    (tmp_path / "0003_gap").rename(tmp_path / "Bad-Name")
    with pytest.raises(MigrationError, match="not named NNNN_name"):
        discover_migrations(tmp_path)
    (tmp_path / "Bad-Name").rmdir()
    (only,) = discover_migrations(tmp_path)
    assert only.label == "0001_first"
    assert only.graph_down == ""


def test_split_cypher_respects_quotes_and_comments() -> None:
    script = "// head; comment\nCREATE (:A {s: 'a;b'});\nMATCH (n) // tail; here\nRETURN n;\n\n"
    assert split_cypher(script) == ["CREATE (:A {s: 'a;b'})", "MATCH (n) \nRETURN n"]


def test_chain_links_are_numbered_in_the_old_chain_order(stores: Stores) -> None:
    """0003 copies every CONTINUED_AS edge onto its project, ordered by time then next id."""
    migrator = stores.migrator()
    migrator.down(to=2)
    project, sessions = new_id("Project"), sorted(new_id("Session") for _ in range(4))
    # (previous, next, time): two links share a time, and the edges are made out of order
    links = [(2, 3, "2026-01-03"), (0, 1, "2026-01-01"), (1, 0, "2026-01-02"), (0, 2, "2026-01-02")]
    with stores.graph.transaction() as tx:
        tx.execute_trusted(f"CREATE (:Project {{id: '{project}', name: 'p'}})")
        for session in sessions:
            tx.execute_trusted(
                f"MATCH (p:Project {{id: '{project}'}}) "
                f"CREATE (p)-[:HAS_SESSION]->(:Session {{id: '{session}', external_id: '{session}'}})"
            )
        for a, b, at in links:
            tx.execute_trusted(
                f"MATCH (a:Session {{id: '{sessions[a]}'}}), (b:Session {{id: '{sessions[b]}'}}) "
                f"CREATE (a)-[:CONTINUED_AS {{source: 'S{a}{b}', at: timestamp('{at}')}}]->(b)"
            )
    migrator.up()
    chain = SessionChain(stores.graph)
    order = [(0, 1), (1, 0), (0, 2), (2, 3)]  # by time; the tie by next session id
    want = [(sessions[a], sessions[b], f"S{a}{b}") for a, b in order]
    assert [(t.previous_id, t.next_id, t.source) for t in chain.chain(project)] == want
    assert [t.at for t in chain.chain(project)] == sorted(
        datetime.fromisoformat(at) for *_, at in links
    )
    migrator.down(to=2)
    assert "CHAIN_LINK" not in stores.graph.table_names()
    migrator.up()
    assert [(t.previous_id, t.next_id, t.source) for t in chain.chain(project)] == want
