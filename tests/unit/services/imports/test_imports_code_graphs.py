"""Legacy ``code_graphs`` rows through the import: the code graph model they become, a
stop and resume inside the table, a dry run, and a rollback next to an older repository."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kgservice.services import nodes
from kgservice.services.codegraph.impact import impact
from kgservice.services.codegraph.legacy import import_legacy_code_graph
from kgservice.services.consistency import backfill
from kgservice.services.imports.job import ImportParameters
from kgservice.services.imports.records import MappedEdge, MappedNode
from kgservice.services.imports.writing import batched
from kgservice.services.registry import Services
from kgservice.stores.vector_lookups import has_vectors
from tests.imports_seed import CODE_NODES, KGSERVICE_LATER, LegacyInstall, table_counts

CODE_TEXTS = ("CodeFile", "Symbol")


def run(services: Services, parameters: ImportParameters) -> dict[str, Any]:
    job = services.imports.create(parameters)
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded", finished.errors
    return {"job_id": job.id, **finished.counts}


def test_batches_never_split_a_node_from_its_parts() -> None:
    def node(parts: int) -> MappedNode:
        return MappedNode("Commit", "c", {}, parts=[MappedNode("Symbol", "s", {})] * parts)

    edge = MappedEdge("CALLS", "Symbol", "a", "Symbol", "b")
    items: list[MappedNode | MappedEdge] = [node(1), node(9), edge, edge, node(2), edge]
    sizes = [
        [len(i.parts) if isinstance(i, MappedNode) else "e" for i in b] for b in batched(items, 4)
    ]
    assert sizes == [[1], [9], ["e", "e"], [2, "e"]]
    assert list(batched([edge] * 5, 2)) == [[edge] * 2, [edge] * 2, [edge]]


def test_rows_become_a_usable_code_graph(services: Services, install: LegacyInstall) -> None:
    report = run(services, ImportParameters.checked(reflection_db=install.reflection_db))
    table = report["tables"]["code_graphs"]
    assert table["file"].startswith("reflection.duckdb (")
    texts = CODE_NODES["CodeFile"] + CODE_NODES["Symbol"]
    assert report["vectors"]["code_graphs"] == {
        **report["vectors"]["code_graphs"],
        "reused": 0,
        "embedded": 0,
        "deferred": texts,
    }
    assert report["verification"]["created_nodes"] == {
        **report["verification"]["created_nodes"],
        **CODE_NODES,
    }
    graph = services.codegraph.commit_graph("/home/les/kgservice", "a3f5c2e", "default")
    assert graph.module_imports() == [
        ("kgservice.services.imports.job", "kgservice.ids"),
        ("kgservice.services.imports.job", "kgservice.stores.graph"),
    ]
    callers = impact(graph, "kgservice.ids.new_id")
    assert [i.symbol.qualname for i in callers] == [
        "kgservice.services.imports.job.ImportService.run_job"
    ]
    assert (
        graph.by_qualname["kgservice.stores.graph.GraphStore"].docstring == "Kuzu behind one lock."
    )
    # Both kgservice commits hang off one repository.
    later = services.codegraph.commit_graph("/home/les/kgservice", "7c1e9d0", "default")
    assert later.repository.id == graph.repository.id
    commit = nodes.find_node_by_legacy_id(services.stores.graph, "/home/les/kgservice:7c1e9d0")
    assert commit is not None
    assert commit.properties["sha"] == "7c1e9d0"
    assert commit.properties["indexed_at"] == install.times["/home/les/kgservice:7c1e9d0"]
    # Files and symbols are searchable at once; the backfill embeds them.
    store = services.stores.vectors
    hits = store.text_search("GraphStore", 5, ["Symbol"], "default")
    symbol = graph.by_qualname["kgservice.stores.graph.GraphStore"]
    assert symbol.id in {node_id for node_id, _ in hits}
    assert has_vectors(store, [symbol.id]) == set()
    backfilled = backfill(services.stores.graph, services.index)
    assert backfilled.per_kind["Symbol"] == CODE_NODES["Symbol"]
    assert has_vectors(store, [symbol.id]) == {symbol.id}


def test_a_dry_run_counts_code_graphs_and_writes_nothing(
    services: Services, install: LegacyInstall
) -> None:
    before = table_counts(services.stores.graph, services.stores.vectors)
    report = services.imports.dry_run(ImportParameters.checked(reflection_db=install.reflection_db))
    table = report["tables"]["code_graphs"]
    assert (table["source"], table["imported"], sum(table["skipped"].values())) == (5, 3, 2)
    assert report["vectors"]["code_graphs"]["check"]["sampled"] == 0  # none stored
    assert set(table["examples"]) >= set(table["skipped"])
    assert table_counts(services.stores.graph, services.stores.vectors) == before


def test_a_stop_inside_code_graphs_resumes_with_each_row_once(
    services: Services, install: LegacyInstall
) -> None:
    services.imports.batch_size = 4  # each commit is a batch of its own
    job = services.imports.create(ImportParameters.checked(reflection_db=install.reflection_db))
    stop = threading.Event()

    def stop_in_code_graphs(progress: float, counts: Mapping[str, Any]) -> None:
        if counts.get("current", {}).get("table") == "code_graphs":
            stop.set()

    stopped = services.jobs.run(job.id, stop, stop_in_code_graphs)
    assert stopped.status == "running"
    assert stopped.checkpoint == {"phase": "writing", "table": "code_graphs", "written": 1}
    graph = services.stores.graph
    partial = [r for r in graph.run("imports/imported_nodes", {"job_id": job.id})]
    code = [r["node_id"] for r in partial if r["label"] in CODE_TEXTS]
    assert code
    services.stores.vectors.delete(code)  # as if killed before the text write
    resumed = services.jobs.run(job.id)
    assert resumed.status == "succeeded", resumed.errors
    assert resumed.counts["tables"]["code_graphs"]["imported"] == 3
    keys = graph.run("imports/legacy_keys", {"keys": install.code_graphs})
    assert sorted(k["key"] for k in keys) == sorted(install.code_graphs)
    created = graph.run("imports/imported_nodes", {"job_id": job.id})
    by_label: dict[str, int] = {}
    for row in created:
        by_label[row["label"]] = by_label.get(row["label"], 0) + 1
    assert {label: by_label[label] for label in CODE_NODES} == CODE_NODES
    counts = {r["label"]: r["count"] for r in graph.run("core/count_nodes")}
    assert {label: counts[label] for label in CODE_NODES} == CODE_NODES
    texts = [r["node_id"] for r in created if r["label"] in CODE_TEXTS]
    assert stored_texts(services, texts) == set(texts)


def stored_texts(services: Services, node_ids: list[str]) -> set[str]:
    """The nodes among ``node_ids`` whose text the vector store holds."""
    rows = services.stores.vectors.query(
        "SELECT node_id FROM node_text WHERE node_id IN (SELECT value FROM json_each(?))",
        (json.dumps(node_ids),),
    )
    return {node_id for (node_id,) in rows}


def test_rollback_leaves_an_earlier_repository_and_commit(
    services: Services, install: LegacyInstall
) -> None:
    earlier = import_legacy_code_graph(
        services.stores,
        "/home/les/kgservice:0000001",
        KGSERVICE_LATER,
        datetime(2025, 1, 2, 3, 4, 5),
        "default",
    )
    before = table_counts(services.stores.graph, services.stores.vectors)
    report = run(services, ImportParameters.checked(reflection_db=install.reflection_db))
    created = report["verification"]["created_nodes"]
    assert created["Repository"] == 1  # the kgservice commits join the earlier repository
    graph = services.stores.graph
    joined = nodes.find_node_by_legacy_id(graph, install.code_graphs[0])
    assert joined is not None
    latest = services.codegraph.commit_graph("/home/les/kgservice", "a3f5c2e", "default")
    assert latest.repository.id == earlier.repository_id
    services.imports.rollback(report["job_id"])
    assert table_counts(graph, services.stores.vectors) == {
        **before,
        "node Job": before.get("node Job", 0) + 1,
    }
    for key in install.code_graphs:
        assert nodes.find_node_by_legacy_id(graph, key) is None
    kept = nodes.find_node_by_legacy_id(graph, "/home/les/kgservice:0000001")
    assert kept is not None
    assert kept.id == earlier.commit_id


def test_mentions_of_imported_code_are_linked(services: Services, install: LegacyInstall) -> None:
    """Imported texts naming code of the latest imported commit, and older texts naming it,
    get MENTIONS edges; a rollback takes them away with the code."""
    graph = services.stores.graph
    project = services.sessions.create_project("kgservice")
    older = services.memory.store_conversation(
        "Where does kgservice.ids.id_at take the random part of a ULID from?", project.id
    )
    before = table_counts(graph, services.stores.vectors)
    report = run(services, ImportParameters.checked(reflection_db=install.reflection_db))
    latest = services.codegraph.commit_graph("/home/les/kgservice", None, "default")
    assert latest.commit.sha == "7c1e9d0"
    ids_file = next(f.id for f in latest.files if f.path == "kgservice/ids.py")
    id_at = latest.by_qualname["kgservice.ids.id_at"].id

    def code_mentioned_by(text_id: str) -> set[str]:
        bounds = {"namespace": "default", "first_id": text_id, "last_id": text_id}
        rows = graph.run("codegraph/mention_existing", bounds, label="Conversation")
        return {r["target_id"] for r in rows}

    assert code_mentioned_by(older.id) == {id_at}
    naming = [
        key for key in install.conversations_v2 if "kgservice/ids.py" in content_of(graph, key)
    ]
    assert naming
    for key in naming:
        record = nodes.find_node_by_legacy_id(graph, key)
        assert record is not None
        assert code_mentioned_by(record.id) == {ids_file}
    assert report["mentions"]["Conversation"] >= len(naming) + 1
    services.imports.rollback(report["job_id"])
    assert code_mentioned_by(older.id) == set()
    assert table_counts(graph, services.stores.vectors) == {
        **before,
        "node Job": before.get("node Job", 0) + 1,
    }


def content_of(graph: Any, legacy_id: str) -> str:
    record = nodes.find_node_by_legacy_id(graph, legacy_id)
    return "" if record is None else str(record.properties.get("content") or "")
