"""skills.db into the skills model: invocations (with their skills and sessions) and the V4
taxonomy, merged with the default taxonomy; repeated, dry-run and rolled back."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from kgservice.ids import id_time, label_of
from kgservice.services import nodes
from kgservice.services.imports.job import ImportParameters
from kgservice.services.imports.skills import category_key, invocation_key
from kgservice.services.registry import Services
from kgservice.services.skills.legacy_invocations import NO_SESSION
from kgservice.services.skills.taxonomy import define_skill, list_categories, list_skills
from tests.imports_seed import LegacyInstall, table_counts

SKILL_TABLES = ("skill_categories", "skill_category_mapping", "skill_modalities")


def run_import(services: Services, parameters: ImportParameters) -> dict[str, Any]:
    job = services.imports.create(parameters)
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded", finished.errors
    return {"job_id": job.id, **finished.counts}


def skills_only(install: LegacyInstall, dry_run: bool = False) -> ImportParameters:
    return ImportParameters.checked(skills_db=install.skills_db, dry_run=dry_run)


def session_of(services: Services, external_id: str) -> str:
    project = services.sessions.create_project("agents")
    return services.sessions.create_session(project.id, external_id).id


def test_invocations_become_skill_invocations_of_their_skills(
    services: Services, install: LegacyInstall
) -> None:
    stored = session_of(services, "sess-1")
    report = run_import(services, skills_only(install))
    table = report["tables"]["skill_invocation"]
    valid = sum(install.skill_uses.values())
    assert (table["source"], table["imported"], table["already"]) == (install.invocations, valid, 0)
    assert table["skipped"] == {
        "duplicate id": 1,
        "invalid durationMs: must be a finite number of at least 0": 1,
        "invalid selectionRank: must be at least 1": 1,
        "invalid skill: must not be empty": 1,
    }
    assert table["source"] == table["imported"] + sum(table["skipped"].values())
    assert table["problems"]["unparsable timestamp (a later time column used)"] == 1
    # Sessions sess-0 and sess-2 are not in the graph: kept without the link.
    assert table["problems"][NO_SESSION] == valid - 1 - 4
    assert report["skipped_families"] == {}
    assert report["tables"]["skill_dependencies"]["skipped"] == {
        "co-use is recomputed from the invocations (skill dependencies job)": 1
    }
    assert report["verification"]["ok"] is True
    graph = services.stores.graph
    skills = {s.name: s for s in list_skills(graph, "default")}
    assert set(skills) == {*install.skill_uses}  # pr-summary created on first use, stripped
    for number in (2, 14):
        record = nodes.find_node_by_legacy_id(graph, invocation_key(number))
        assert record is not None
        assert record.label == label_of(record.id) == "SkillInvocation"
        original = install.times[invocation_key(number)]
        assert record.properties["invoked_at"] == original
        assert id_time(record.id).replace(tzinfo=None) == original
        assert record.properties["skill_id"] == skills[record.properties["skill"]].id
    second = nodes.find_node_by_legacy_id(graph, invocation_key(2))
    assert second is not None
    assert second.properties["duration_ms"] == 1500.0
    assert second.properties["alternatives"] == ["crackerjack"]
    assert second.properties["selection_rank"] == 2
    assert second.properties["workflow_phase"] == "execution"
    first = nodes.find_node_by_legacy_id(graph, invocation_key(1))
    assert first is not None
    assert first.properties["completed"] is False
    assert first.properties["error_type"] == "TimeoutError"
    assert first.properties["user_query"] is None  # empty in the legacy row
    assert first.properties["duration_ms"] == 0.0
    missing = nodes.find_node_by_legacy_id(graph, invocation_key(6))
    assert missing is not None
    assert missing.properties["duration_ms"] is None
    assert table_counts(graph, services.stores.vectors)["rel DURING"] == 4  # sess-1's four
    in_session = nodes.find_node_by_legacy_id(graph, invocation_key(5))  # sess-1
    assert in_session is not None
    assert in_session.properties["session_id"] == stored
    assert first.properties["session_id"] is None  # sess-0: not stored
    for key in install.skipped:
        if key.startswith("skill_invocation:"):
            assert nodes.find_node_by_legacy_id(graph, key) is None


def test_the_taxonomy_is_merged_with_the_default_one_by_name(
    services: Services, install: LegacyInstall
) -> None:
    defaults = {c.name: c for c in list_categories(services.stores.graph)}
    report = run_import(services, skills_only(install))
    tables = report["tables"]
    categories = tables["skill_categories"]
    assert (categories["source"], categories["imported"]) == (6, 6)
    assert categories["problems"] == {
        "merged into an existing category": 1,
        "parent category cycle (kept at the top)": 2,
        "parent category missing (kept at the top)": 1,
    }
    mapping = tables["skill_category_mapping"]
    assert (mapping["imported"], mapping["skipped"]) == (
        3,
        {"the skill's more confident category kept": 1, "unknown category": 1},
    )
    assert tables["skill_modalities"]["imported"] == 3
    graph = services.stores.graph
    after = {c.name: c for c in list_categories(graph)}
    assert set(after) == {*defaults, "Static analysis", "Session management", "Loop A",
                          "Loop B", "Orphan"}  # fmt: skip
    assert after["code quality"].id == defaults["code quality"].id
    assert after["Static analysis"].parent == "code quality"
    assert after["Static analysis"].description == "Linters and type checkers (domain: engineering)"
    assert after["Loop A"].parent is None
    merged = nodes.find_node_by_legacy_id(graph, category_key(1))
    assert merged is not None
    assert merged.id == defaults["code quality"].id
    skills = {s.name: s for s in list_skills(graph, "default")}
    assert skills["crackerjack"].category == "Static analysis"
    assert skills["code-review"].category == "code quality"
    assert skills["session-checkpoint"].category == "Session management"
    assert skills["pr-summary"].category is None
    assert [(m.input_type, m.output_type) for m in skills["crackerjack"].modalities] == [
        ("code", "diagnostics")
    ]
    assert [(m.input_type, m.output_type) for m in skills["session-checkpoint"].modalities] == [
        ("text", "text")
    ]
    created = report["verification"]["created_nodes"]
    assert created == {
        "Modality": 2,
        "Skill": 4,
        "SkillCategory": 5,
        "SkillInvocation": sum(install.skill_uses.values()),
    }


def test_skills_already_there_are_linked_only_to_what_the_import_adds(
    services: Services, install: LegacyInstall
) -> None:
    graph = services.stores.graph
    define_skill(graph, "default", "session-checkpoint")  # its category is new: linked
    define_skill(graph, "default", "code-review")  # its category is a default one: not linked
    before = table_counts(graph, services.stores.vectors)
    report = run_import(services, skills_only(install))
    mapping = report["tables"]["skill_category_mapping"]
    assert mapping["imported"] == 2
    assert mapping["skipped"]["skill and category both existed before the import (not linked)"] == 1
    skills = {s.name: s for s in list_skills(graph, "default")}
    assert skills["session-checkpoint"].category == "Session management"
    assert skills["code-review"].category is None
    assert report["verification"]["created_nodes"]["Skill"] == 2
    services.imports.rollback(report["job_id"])
    after = table_counts(graph, services.stores.vectors)
    assert after == {**before, "node Job": before.get("node Job", 0) + 1}


def test_a_second_run_imports_nothing_and_a_rollback_restores_every_table(
    services: Services, install: LegacyInstall
) -> None:
    before = table_counts(services.stores.graph, services.stores.vectors)
    first = run_import(services, skills_only(install))
    middle = table_counts(services.stores.graph, services.stores.vectors)
    again = run_import(services, skills_only(install))
    assert again["imported"] == 0
    tables = again["tables"]
    assert tables["skill_invocation"]["already"] == first["tables"]["skill_invocation"]["imported"]
    for name in SKILL_TABLES:
        assert tables[name]["imported"] == 0, name
    assert again["verification"]["created_nodes"] == {}
    assert table_counts(services.stores.graph, services.stores.vectors) == {
        **middle,
        "node Job": middle["node Job"] + 1,
    }
    services.imports.rollback(again["job_id"])
    services.imports.rollback(first["job_id"])
    after = table_counts(services.stores.graph, services.stores.vectors)
    assert after == {**before, "node Job": before.get("node Job", 0) + 2}
    assert nodes.find_node_by_legacy_id(services.stores.graph, invocation_key(2)) is None


def test_a_dry_run_counts_and_writes_nothing(services: Services, install: LegacyInstall) -> None:
    before = table_counts(services.stores.graph, services.stores.vectors)
    report = services.imports.dry_run(skills_only(install, dry_run=True))
    assert report["dry_run"] is True
    table = report["tables"]["skill_invocation"]
    assert (table["source"], table["imported"]) == (
        install.invocations,
        sum(install.skill_uses.values()),
    )
    assert table["skipped"]["invalid durationMs: must be a finite number of at least 0"] == 1
    assert report["tables"]["skill_categories"]["imported"] == 6
    assert table_counts(services.stores.graph, services.stores.vectors) == before


def test_a_stopped_skills_import_resumes_with_every_record_once(
    services: Services, install: LegacyInstall
) -> None:
    graph = services.stores.graph
    before = table_counts(graph, services.stores.vectors)
    services.imports.batch_size = 3
    job = services.imports.create(skills_only(install))
    stop = threading.Event()
    seen: list[Mapping[str, Any]] = []

    def stop_after_fifth_batch(progress: float, counts: Mapping[str, Any]) -> None:
        seen.append(counts)
        if len(seen) == 5:
            stop.set()  # the job ends after this batch commits

    stopped = services.jobs.run(job.id, stop, stop_after_fifth_batch)
    assert stopped.status == "running"
    resumed = services.jobs.run(job.id)
    assert resumed.status == "succeeded", resumed.errors
    tables = resumed.counts["tables"]
    valid = sum(install.skill_uses.values())
    assert [tables[name]["imported"] for name in (*SKILL_TABLES, "skill_invocation")] == [
        6,
        3,
        3,
        valid,
    ]
    assert resumed.counts["verification"]["ok"] is True
    after = table_counts(graph, services.stores.vectors)
    added = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert added == {
        "node ImportedNode": 4 + 5 + 2 + valid,
        "node Job": 1,
        "node LegacyKey": 6 + valid,
        "node Modality": 2,
        "node Skill": 4,
        "node SkillCategory": 5,
        "node SkillInvocation": valid,
        "rel HAS_MODALITY": 3,
        "rel INVOKED": valid,
        "rel IN_CATEGORY": 3,
        "rel SUBCATEGORY_OF": 1,
    }
