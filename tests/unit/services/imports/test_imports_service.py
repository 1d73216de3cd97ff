"""The session-buddy import on real stores: a full import, a repeat, a dry run, a stop and
resume, a rollback, and the records' ids, times, keys, vectors and relations."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from kgservice.ids import id_time, label_of
from kgservice.services import nodes
from kgservice.services.imports.job import ImportParameters
from kgservice.services.registry import Services
from kgservice.stores.vector_lookups import has_vectors, vector_of
from tests.imports_seed import CODE_NODES, LegacyInstall, table_counts

TEXT_TABLES = ("conversations_v2", "conversations", "reflections_v2")
#: Imported nodes without a vector after the import: no text, or (code) left to the backfill.
#: What an import embeds at once (code texts wait for the backfill; skills are not texts).
EMBEDDED = ("Conversation", "Reflection", "Entity")


def code_graphs_of(install: LegacyInstall) -> set[str]:
    """Legacy ids of every code_graphs row, imported or skipped."""
    return {*install.code_graphs, *(k for k in install.skipped if k.startswith("/home/les/"))}


def run_import(services: Services, parameters: ImportParameters) -> dict[str, Any]:
    job = services.imports.create(parameters)
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded", finished.errors
    return {"job_id": job.id, **finished.counts}


def counts_of(services: Services) -> dict[str, int]:
    return table_counts(services.stores.graph, services.stores.vectors)


def test_full_import_maps_every_table(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    report = run_import(services, parameters)
    tables = report["tables"]
    conversations = tables["conversations_v2"]
    assert conversations["imported"] == len(install.conversations_v2)
    assert conversations["skipped"] == {
        "content entirely [REDACTED]": 1,
        "duplicate id": 1,
        "empty content": 2,
    }
    assert conversations["source"] == conversations["imported"] + sum(
        conversations["skipped"].values()
    )
    assert conversations["problems"]["[REDACTED] markers (imported as is)"] == 1
    assert tables["conversations"]["imported"] == 2
    assert tables["conversations"]["problems"] == {
        "embedding of wrong size (not 384; re-embedded)": 1
    }
    assert tables["reflections_v2"]["imported"] == 4
    entities = tables["kg_entities"]
    assert (entities["source"], entities["imported"], entities["skipped"]) == (
        9,
        8,
        {"empty name": 1},
    )
    assert len(entities["examples"]["merged"]) == 2
    relations = tables["kg_relationships"]
    assert relations["imported"] == len(install.relations)
    assert set(relations["skipped"]) == {
        "relation to a missing entity",
        "relation of an entity to itself (after merging)",
        "duplicate relation (same ends and type)",
    }
    assert tables["skill_invocation"]["imported"] == sum(install.skill_uses.values())
    code_graphs = tables["code_graphs"]
    assert (code_graphs["source"], code_graphs["imported"]) == (5, len(install.code_graphs))
    assert code_graphs["skipped"] == {
        reason: 1 for key, reason in install.skipped.items() if key in code_graphs_of(install)
    }
    assert code_graphs["problems"]["unparsable timestamp (a later time column used)"] == 1
    assert report["skipped_families"] == {}
    assert report["verification"]["ok"] is True
    assert {s["table"] for s in report["verification"]["samples"]} >= {
        *TEXT_TABLES,
        "kg_entities",
        "kg_relationships",
        "code_graphs",
    }
    assert report["verification"]["created_nodes"] == {
        "Conversation": len(install.conversations_v2) + 2,
        "Entity": 6,
        "Modality": 2,
        "Project": 3,
        "Reflection": 4,
        **CODE_NODES,
        "Skill": 4,
        "SkillCategory": 5,
        "SkillInvocation": sum(install.skill_uses.values()),
    }
    assert report["mentions"]["Conversation"] > 0


def test_every_kind_of_legacy_id_answers_with_its_original_time(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    run_import(services, parameters)
    graph = services.stores.graph
    expected = {
        **dict.fromkeys(install.conversations_v2, "Conversation"),  # sha256 prefixes
        **dict.fromkeys(install.conversations_v1, "Conversation"),  # md5
        **dict.fromkeys(install.reflections, "Reflection"),  # uuid7 hex
        **dict.fromkeys(install.entities, "Entity"),  # uuid4
        **dict.fromkeys(install.code_graphs, "Commit"),  # repo:commit
    }
    found = {}
    for legacy_id, label in expected.items():
        record = nodes.find_node_by_legacy_id(graph, legacy_id)
        assert record is not None, legacy_id
        assert record.label == label == label_of(record.id)
        found[legacy_id] = record
        if legacy_id in install.times:
            original = install.times[legacy_id]
            assert id_time(record.id).replace(tzinfo=None) == original.replace(
                microsecond=original.microsecond // 1000 * 1000
            )
            assert record.properties["created_at"] == original
        if label != "Entity":
            assert record.properties["legacy_id"] == legacy_id
    # Two conversations share a timestamp and still have distinct ids.
    same = [found[install.conversations_v2[2]].id, found[install.conversations_v2[3]].id]
    assert same[0] != same[1]
    assert same[0][:10] == same[1][:10]
    # Entities differing in case or punctuation are one node, answering to both ids.
    by_name = {name: found[i].id for i, name in install.entities.items()}
    assert by_name["kgservice"] == by_name["KGService"]
    assert by_name["session-buddy"] == by_name["Session Buddy"]
    assert len(set(by_name.values())) == 6
    assert found[install.conversations_v2[0]].properties["content"].startswith("Kuzu keeps")
    for key in install.skipped:
        assert nodes.find_node_by_legacy_id(graph, key) is None


def test_relations_keep_type_status_and_time(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    report = run_import(services, parameters)
    graph = services.stores.graph
    kgservice = nodes.find_node_by_legacy_id(graph, next(iter(install.entities)))
    assert kgservice is not None
    relations = services.relations.of_entity(kgservice.id)
    types = sorted(r.type for r in relations)
    assert types == ["depends_on", "related_to", "uses"]
    unknown = next(r for r in relations if r.type == "related_to")
    evidence = json.loads(unknown.evidence or "{}")
    assert evidence["original_type"] == "inspired_by"
    assert all(r.status == "accepted" and r.job_id == report["job_id"] for r in relations)
    first = next(r for r in relations if r.type == "uses")
    assert first.valid_from == install.times[install.relations[0]]
    # A relation's legacy id is recorded too (it is no node, so node(legacyId) is null).
    keys = graph.run("imports/legacy_keys", {"keys": install.relations})
    assert {k["key"] for k in keys} == set(install.relations)
    assert {k["label"] for k in keys} == {"RELATED"}
    assert nodes.find_node_by_legacy_id(graph, install.relations[0]) is None


def test_stored_vectors_are_reused_and_others_embedded(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    report = run_import(services, parameters)
    vectors = report["vectors"]
    assert vectors["conversations_v2"]["check"]["reuse"] is True
    assert vectors["conversations_v2"]["check"]["median_cosine"] >= 0.99
    assert vectors["conversations_v2"]["embedded"] == 2  # no embedding, and infinite time
    assert vectors["kg_entities"]["check"]["reuse"] is False  # another model's vectors
    assert vectors["kg_entities"]["reused"] == 0
    store = services.stores.vectors
    created = services.stores.graph.run("imports/imported_nodes", {"job_id": report["job_id"]})
    texts = [r["node_id"] for r in created if r["label"] in EMBEDDED]
    assert has_vectors(store, texts) == set(texts)
    record = nodes.find_node_by_legacy_id(services.stores.graph, install.conversations_v2[0])
    assert record is not None
    fresh = services.index.embed([record.properties["content"]])[0]
    stored = vector_of(store, record.id)
    assert stored is not None
    assert float(np.dot(stored, fresh)) > 0.99


def test_a_second_run_imports_nothing(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    first = run_import(services, parameters)
    before = counts_of(services)
    second = run_import(services, parameters)
    after = counts_of(services)
    assert after == {**before, "node Job": before["node Job"] + 1}
    assert second["imported"] == 0
    assert second["already"] == first["imported"]
    assert sum(second["mentions"].values()) == 0


def test_a_dry_run_writes_nothing(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    before = counts_of(services)
    report = services.imports.dry_run(parameters)
    assert counts_of(services) == before
    tables = report["tables"]
    assert tables["conversations_v2"]["imported"] == len(install.conversations_v2)
    problems = tables["conversations_v2"]["problems"]
    assert problems["unparsable timestamp (the import time used)"] == 1
    assert tables["kg_relationships"]["problems"]["relation to a missing entity"] == 1
    assert tables["conversations"]["problems"] == {
        "embedding of wrong size (not 384; re-embedded)": 1
    }
    assert report["vectors"]["conversations_v2"]["check"]["reuse"] is True
    # As a job it writes only the job.
    job = services.imports.create(ImportParameters.checked(kg_db=install.kg_db, dry_run=True))
    finished = services.jobs.run(job.id)
    assert finished.counts["dry_run"] is True
    assert counts_of(services) == {**before, "node Job": before.get("node Job", 0) + 1}


def test_a_stopped_import_resumes_with_every_record_once(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    services.imports.batch_size = 7
    job = services.imports.create(parameters)
    stop = threading.Event()
    seen: list[Mapping[str, Any]] = []

    def stop_after_second_batch(progress: float, counts: Mapping[str, Any]) -> None:
        seen.append(counts)
        if len(seen) == 2:
            stop.set()  # the runner stopping: the job ends after this batch commits

    stopped = services.jobs.run(job.id, stop, stop_after_second_batch)
    assert stopped.status == "running"
    assert stopped.checkpoint == {"phase": "writing", "table": "conversations_v2", "written": 14}
    partial = services.stores.graph.run("imports/imported_nodes", {"job_id": job.id})
    assert 14 <= len(partial) < len(install.conversations_v2)
    resumed = services.jobs.run(job.id)
    assert resumed.status == "succeeded", resumed.errors
    assert resumed.counts["tables"]["conversations_v2"]["imported"] == len(install.conversations_v2)
    graph = services.stores.graph
    for legacy_id in [*install.conversations_v2, *install.reflections]:
        keys = graph.run("imports/legacy_keys", {"keys": [legacy_id]})
        assert len(keys) == 1
    conversations = [
        r
        for r in graph.run("imports/imported_nodes", {"job_id": job.id})
        if r["label"] == "Conversation"
    ]
    assert len(conversations) == len({r["node_id"] for r in conversations})
    assert len(conversations) == len(install.conversations_v2) + 2
    assert has_vectors(services.stores.vectors, [r["node_id"] for r in conversations]) == {
        r["node_id"] for r in conversations
    }


def test_a_resume_stores_vectors_a_kill_lost(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    """A kill between a batch's commit and its vector write: the resume writes them."""
    services.imports.batch_size = 10
    job = services.imports.create(parameters)
    stop = threading.Event()
    services.jobs.run(job.id, stop, lambda progress, counts: stop.set())
    committed = services.stores.graph.run("imports/imported_nodes", {"job_id": job.id})
    texts = [r["node_id"] for r in committed if r["label"] == "Conversation"]
    services.stores.vectors.delete(texts)  # as if killed before the vector write
    assert services.jobs.run(job.id).status == "succeeded"
    assert has_vectors(services.stores.vectors, texts) == set(texts)


def test_rollback_restores_every_table(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    project = services.sessions.create_project("kgservice")  # reused by the import
    services.memory.store_conversation(
        "Kuzu and DuckDB were compared before the import happened, at length.", project.id
    )
    kuzu = services.entities.create("Kuzu", "library", observations=["graph database"])
    before = counts_of(services)
    report = run_import(services, parameters)
    graph = services.stores.graph
    merged = nodes.find_node_by_legacy_id(
        graph, next(i for i, name in install.entities.items() if name == "Kuzu")
    )
    assert merged is not None
    assert merged.id == kuzu.id
    assert counts_of(services) != before
    job = services.imports.rollback(report["job_id"])
    assert counts_of(services) == {**before, "node Job": before.get("node Job", 0) + 1}
    assert job.counts["rolled_back"]["nodes"]["Conversation"] == len(install.conversations_v2) + 2
    assert services.entities.get(kuzu.id) is not None
    assert graph.run("imports/legacy_keys", {"keys": list(install.entities)}) == []
    assert project.id in services.reads.projects([project.id])
    # The import can run again afterwards.
    assert run_import(services, parameters)["imported"] == report["imported"]


def test_rollback_refuses_what_is_not_a_finished_import(services: Services) -> None:
    from kgservice.errors import ConflictError, InputError

    other = services.jobs.create("discovery", {}, "default")
    with pytest.raises(InputError, match="not an import"):
        services.imports.rollback(other.id)
    running = services.imports.create(ImportParameters.checked(kg_db="/x/knowledge.duckdb"))
    with pytest.raises(ConflictError, match="queued"):
        services.imports.rollback(running.id)


def test_mentions_are_linked_only_where_the_import_makes_them(
    services: Services, install: LegacyInstall, parameters: ImportParameters
) -> None:
    """An older text naming an older entity stays unlinked (not the import's to add); older
    texts naming imported entities, and imported texts naming older entities, are linked."""
    graph = services.stores.graph
    project = services.sessions.create_project("elsewhere")
    old_entity = services.entities.create("Typer", "library")
    text = services.memory.store_conversation(
        "Typer and DuckDB both showed up in the command line work this week.", project.id
    )
    # Unlink it, as a bulk load would have left it (its IN_PROJECT edge goes too).
    graph.run("imports/delete_edges_from", {"ids": [text.id]}, label="Conversation")
    run_import(services, parameters)
    duckdb_node = nodes.find_node_by_legacy_id(
        graph, next(i for i, name in install.entities.items() if name == "DuckDB")
    )
    assert duckdb_node is not None
    linked = {
        r["entity_id"]
        for r in graph.run(
            "knowledge/mention_existing",
            {"namespace": "default", "first_id": text.id, "last_id": text.id},
            label="Conversation",
        )
    }
    assert linked == {duckdb_node.id}
    assert old_entity.id not in linked
    imported = nodes.find_node_by_legacy_id(graph, install.conversations_v2[4])
    assert imported is not None
    assert "Typer" in imported.properties["content"]
    mentioned = graph.run(
        "knowledge/mention_existing",
        {"namespace": "default", "first_id": imported.id, "last_id": imported.id},
        label="Conversation",
    )
    assert old_entity.id in {r["entity_id"] for r in mentioned}
