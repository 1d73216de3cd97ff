"""The extension point for the skills model: a model given to its mapper has its mapped
tables written, keyed, verified and rolled back like any other family.

The model here maps skill invocations onto the Skill and SkillInvocation tables in a
minimal way of its own, in place of the skills service's (which the registry wires in).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kgservice.ids import id_time, new_id
from kgservice.services import nodes
from kgservice.services.imports.job import ImportParameters, ImportService
from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    MappedEdge,
    MappedNode,
    TableReport,
    first_time,
    seeded_id,
    unique_rows,
)
from kgservice.services.imports.registry import mappers
from kgservice.services.imports.skills import INVOCATIONS, invocation_key
from kgservice.services.registry import Services
from tests.imports_seed import LegacyInstall, table_counts


class PlaceholderSkills:
    """Skill invocations onto the Skill/SkillInvocation tables (INVOKED edges)."""

    def map_skill_tables(
        self, rows: Mapping[str, list[dict[str, Any]]], context: MapContext
    ) -> Iterator[MappedTable]:
        report = TableReport(file="skills.db", table=INVOCATIONS.name)
        mapped = MappedTable(report)
        skills: dict[str, str] = {}
        report.source = len(rows[INVOCATIONS.name])
        for row in unique_rows(report, rows[INVOCATIONS.name]):
            key = invocation_key(row["id"])
            moment = first_time(report, key, context.started, row["invoked_at"])
            name = row["skill_name"]
            if name not in skills:
                skills[name] = new_id("Skill")
                mapped.nodes.append(
                    MappedNode(
                        "Skill", skills[name], {"namespace": context.namespace, "name": name}
                    )
                )
            node_id = seeded_id(moment, "SkillInvocation", context.seed(INVOCATIONS.name, key))
            node = MappedNode(
                "SkillInvocation",
                node_id,
                {
                    "namespace": context.namespace,
                    "created_at": moment,
                    "legacy_id": key,
                    "invoked_at": moment,
                    "completed": bool(row["completed"]),
                    "duration_ms": (row["duration_seconds"] or 0) * 1000,
                },
                keys=[key],
            )
            node.edges.append(
                MappedEdge("INVOKED", "SkillInvocation", node_id, "Skill", skills[name])
            )
            mapped.nodes.append(node)
            report.imported += 1
        yield mapped


def test_a_wired_skills_model_imports_invocations(
    services: Services, install: LegacyInstall
) -> None:
    imports = ImportService(
        services.stores.graph,
        services.index,
        services.jobs,
        services.job_runner,
        mappers=mappers(skills=PlaceholderSkills()),
    )
    before = table_counts(services.stores.graph, services.stores.vectors)
    job = imports.create(ImportParameters.checked(skills_db=install.skills_db))
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded", finished.errors
    table = finished.counts["tables"]["skill_invocation"]
    assert (table["source"], table["imported"]) == (install.invocations, install.invocations - 1)
    assert table["problems"] == {
        "duplicate id": 1,
        "unparsable timestamp (the import time used)": 1,
    }
    assert finished.counts["skipped_families"] == {}
    assert finished.counts["verification"]["ok"] is True
    record = nodes.find_node_by_legacy_id(services.stores.graph, invocation_key(2))
    assert record is not None
    assert record.label == "SkillInvocation"
    assert id_time(record.id).replace(tzinfo=None) == record.properties["invoked_at"]
    imports.rollback(job.id)
    after = table_counts(services.stores.graph, services.stores.vectors)
    assert after == {**before, "node Job": before.get("node Job", 0) + 1}
