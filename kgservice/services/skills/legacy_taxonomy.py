"""session-buddy's V4 taxonomy tables as the skills taxonomy, for the importer.

``skill_categories`` become SkillCategory nodes, merged by name (case aside, as the
taxonomy matches them) with the categories already there, the default taxonomy included;
their parents become ``SUBCATEGORY_OF`` edges. ``skill_category_mapping`` puts a skill in
one category (``IN_CATEGORY``, the most confident mapping of a skill), and
``skill_modalities`` gives skills their modalities (``HAS_MODALITY``, merged by input and
output type). Skills named there are found by name or created. An edge is drawn only when
one of its ends is new to this import, so a rollback removes it with that end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kgservice.errors import InputError
from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    MappedEdge,
    MappedNode,
    TableReport,
    first_time,
    parse_time,
    seeded_id,
    unique_rows,
)
from kgservice.services.imports.skills import category_key
from kgservice.services.skills.invocations import require_skill_name
from kgservice.services.skills.legacy_invocations import FILE, SkillIndex, invalid, text_or_none
from kgservice.services.skills.taxonomy import list_categories
from kgservice.services.validation import MAX_NAME, require_text

BOTH_EXISTED = "skill and {} both existed before the import (not linked)"


def _skill(
    report: TableReport,
    key: str,
    row: Mapping[str, Any],
    moment: datetime,
    skills: SkillIndex,
    nodes: list[MappedNode],
) -> str | None:
    try:
        name = require_skill_name("skill", str(row.get("skill_name") or ""))
    except InputError as error:
        invalid(report, key, error)
        return None
    return skills.skill_id(name, moment, nodes)


def _confidence(value: Any) -> float:
    """A mapping's confidence for ranking (unreadable or missing: 0)."""
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


def map_categories(
    rows: list[dict[str, Any]],
    context: MapContext,
    categories: dict[str, str],
    skills: SkillIndex,
) -> MappedTable:
    """``skill_categories`` -> SkillCategory (merged by name); fills legacy id -> node id."""
    report = TableReport(file=FILE, table="skill_categories")
    report.source = len(rows)
    rows = unique_rows(report, rows, key="category_id")
    keys = {row["category_id"]: category_key(row["category_id"]) for row in rows}
    known = context.known(keys.values())
    existing = {c.name.casefold(): c.id for c in list_categories(context.graph)}
    mapped = MappedTable(report)
    new: dict[str, MappedNode] = {}
    for row in rows:
        legacy_id, key = row["category_id"], keys[row["category_id"]]
        earlier = known.get(key)
        if earlier is not None:
            categories[legacy_id] = earlier.node_id
            ours = earlier.job_id == context.job_id and context.job_id is not None
            report.imported += ours
            report.already += not ours
            continue
        try:
            name = require_text(
                "name", str(row.get("category_name") or "").strip(), max_length=MAX_NAME
            )
        except InputError as error:
            invalid(report, key, error)
            continue
        found = existing.get(name.casefold())
        if found is not None:
            report.problem("merged into an existing category", key)
            mapped.nodes.append(MappedNode("SkillCategory", found, {}, [key], existing=True))
            categories[legacy_id] = found
            report.imported += 1
            continue
        moment = first_time(report, key, context.started, row.get("created_at"))
        node_id = seeded_id(moment, "SkillCategory", context.seed("skill_categories", legacy_id))
        description = text_or_none(row.get("description"))
        domain = text_or_none(row.get("domain"))
        if domain is not None:
            description = (
                f"{description} (domain: {domain})" if description else f"Domain: {domain}"
            )
        node = MappedNode(
            "SkillCategory",
            node_id,
            {
                "namespace": "default",  # categories are shared, as the taxonomy keeps them
                "created_at": moment,
                "legacy_id": key,
                "name": name,
                "description": description,
            },
            keys=[key],
        )
        existing[name.casefold()] = categories[legacy_id] = node_id
        skills.created.add(node_id)
        new[legacy_id] = node
        mapped.nodes.append(node)
        report.imported += 1
    parents = {row["category_id"]: str(row.get("parent_category_id") or "").strip() for row in rows}
    for legacy_id, node in new.items():
        parent = parents.get(legacy_id)
        if not parent:
            continue
        if parent not in categories:
            report.problem("parent category missing (kept at the top)", keys[legacy_id])
            continue
        step, seen = parent, {legacy_id}
        while step in new and step not in seen:
            seen.add(step)
            step = parents.get(step, "")
        if step in seen:
            report.problem("parent category cycle (kept at the top)", keys[legacy_id])
            continue
        node.edges.append(
            MappedEdge(
                "SUBCATEGORY_OF", "SkillCategory", node.id, "SkillCategory", categories[parent]
            )
        )
    return mapped


def map_category_mapping(
    rows: list[dict[str, Any]],
    context: MapContext,
    categories: Mapping[str, str],
    skills: SkillIndex,
) -> MappedTable:
    """``skill_category_mapping`` -> IN_CATEGORY (one category per skill, the most confident)."""
    report = TableReport(file=FILE, table="skill_category_mapping")
    report.source = len(rows)
    mapped = MappedTable(report)
    current = {
        row["id"]: row["category"]
        for row in context.graph.run("skills/skills_of_namespace", {"namespace": context.namespace})
    }
    names = {c.id: c.name for c in list_categories(context.graph)}
    ranked = sorted(
        enumerate(rows),
        key=lambda item: (
            -_confidence(item[1].get("confidence_score")),
            str(item[1].get("assigned_at") or ""),
        ),
    )
    placed: set[str] = set()
    for position, row in ranked:
        key = f"{row.get('skill_name')!r} -> {row.get('category_id')} (row {position})"
        category = categories.get(str(row.get("category_id") or "").strip())
        if category is None:
            report.skip("unknown category", key)
            continue
        moment = first_time(report, key, context.started, row.get("assigned_at"))
        skill = _skill(report, key, row, moment, skills, mapped.nodes)
        if skill is None:
            continue
        if skill in placed:
            report.skip("the skill's more confident category kept", key)
            continue
        placed.add(skill)
        there = current.get(skill)
        if there is not None:
            if there.casefold() == names.get(category, "").casefold():
                ours = skills.ours(skill, category) and context.job_id is not None
                report.imported += ours
                report.already += not ours
            else:
                report.skip("skill already in another category", key)
            continue
        if not skills.ours(skill, category):
            report.skip(BOTH_EXISTED.format("category"), key)
            continue
        mapped.edges.append(MappedEdge("IN_CATEGORY", "Skill", skill, "SkillCategory", category))
        report.imported += 1
    return mapped


def map_modalities(
    rows: list[dict[str, Any]], context: MapContext, skills: SkillIndex
) -> MappedTable:
    """``skill_modalities`` -> Modality (merged by input and output type) and HAS_MODALITY."""
    report = TableReport(file=FILE, table="skill_modalities")
    report.source = len(rows)
    mapped = MappedTable(report)
    modalities = {
        (r["input_type"], r["output_type"]): r["id"] for r in context.graph.run("skills/modalities")
    }
    linked = {
        (r["id"], (r["input_type"], r["output_type"]))
        for r in context.graph.run("skills/skill_modalities", {"namespace": context.namespace})
    }
    for position, row in enumerate(rows):
        key = f"{row.get('skill_name')!r} {row.get('modality_type')} (row {position})"
        kind = text_or_none(row.get("modality_type")) or ""
        try:
            pair = (
                require_text(
                    "input",
                    (text_or_none(row.get("input_format")) or kind).strip(),
                    max_length=MAX_NAME,
                ),
                require_text(
                    "output",
                    (text_or_none(row.get("output_format")) or kind).strip(),
                    max_length=MAX_NAME,
                ),
            )
        except InputError as error:
            invalid(report, key, error)
            continue
        moment = parse_time(row.get("created_at")) or context.started
        skill = _skill(report, key, row, moment, skills, mapped.nodes)
        if skill is None:
            continue
        modality = modalities.get(pair)
        if modality is None:
            modality = seeded_id(
                moment, "Modality", context.seed("skill_modalities", "\x00".join(pair))
            )
            modalities[pair] = modality
            skills.created.add(modality)
            mapped.nodes.append(
                MappedNode(
                    "Modality",
                    modality,
                    {
                        "namespace": "default",  # shared, as the taxonomy keeps them
                        "created_at": moment,
                        "name": f"{pair[0]} -> {pair[1]}",
                        "input_type": pair[0],
                        "output_type": pair[1],
                    },
                )
            )
        if (skill, pair) in linked:
            ours = skills.ours(skill, modality) and context.job_id is not None
            report.imported += ours
            report.already += not ours
            continue
        if not skills.ours(skill, modality):
            report.skip(BOTH_EXISTED.format("modality"), key)
            continue
        linked.add((skill, pair))
        mapped.edges.append(MappedEdge("HAS_MODALITY", "Skill", skill, "Modality", modality))
        report.imported += 1
    return mapped
