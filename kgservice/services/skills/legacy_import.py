"""The skills model the session-buddy importer writes into (:class:`SkillsModel`).

The taxonomy first (categories, the skills' categories, their modalities), then the
invocations, so skills named by both are created once. session-buddy's co-use table and its
A/B tests are counted and reported skipped: kgservice recomputes co-use from the imported
invocations (the ``skill_dependencies`` job), and its experiments assign units differently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import TableReport
from kgservice.services.imports.skills import INVOCATIONS
from kgservice.services.skills.legacy_invocations import FILE, SkillIndex, map_invocations
from kgservice.services.skills.legacy_taxonomy import (
    map_categories,
    map_category_mapping,
    map_modalities,
)

#: Legacy tables read but not imported, and why.
NOT_IMPORTED = {
    "skill_dependencies": "co-use is recomputed from the invocations (skill dependencies job)",
    "ab_test_configs": "session-buddy A/B tests are not imported as experiments",
    "ab_test_assignments": "session-buddy A/B tests are not imported as experiments",
    "ab_test_outcomes": "session-buddy A/B tests are not imported as experiments",
}


class LegacySkills:
    """Maps ``skills.db`` onto Skill, SkillCategory, Modality and SkillInvocation."""

    def map_skill_tables(
        self, rows: Mapping[str, list[dict[str, Any]]], context: MapContext
    ) -> Iterator[MappedTable]:
        """One mapped table per present legacy table, each written before the next maps."""
        skills = SkillIndex.load(context)
        categories: dict[str, str] = {}
        if "skill_categories" in rows:
            yield map_categories(rows["skill_categories"], context, categories, skills)
        if "skill_category_mapping" in rows:
            yield map_category_mapping(rows["skill_category_mapping"], context, categories, skills)
        if "skill_modalities" in rows:
            yield map_modalities(rows["skill_modalities"], context, skills)
        if INVOCATIONS.name in rows:
            yield map_invocations(rows[INVOCATIONS.name], context, skills)
        for table, reason in NOT_IMPORTED.items():
            found = rows.get(table)
            if found:
                report = TableReport(file=FILE, table=table, source=len(found), note=reason)
                report.skipped[reason] = len(found)
                yield MappedTable(report)
