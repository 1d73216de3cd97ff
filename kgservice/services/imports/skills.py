"""Skills: ``skill_invocation`` and the V4 taxonomy tables of ``skills.db``.

They map onto the skills model (Skill, SkillCategory, Modality, Invocation, experiments).
Until a :class:`SkillsModel` is wired in, every row is counted and reported as skipped
with :data:`UNAVAILABLE` as the reason, in dry runs and verification reports alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kgservice.services.imports.mapping import MapContext, MappedTable, skipped_tables
from kgservice.services.imports.sources import LegacyFile, LegacyTable

UNAVAILABLE = "skills model not available"
INVOCATIONS = LegacyTable(
    name="skill_invocation",
    required=("id", "skill_name", "invoked_at"),
    optional=(
        "session_id",
        "workflow_path",
        "completed",
        "duration_seconds",
        "user_query",
        "alternatives_considered",
        "selection_rank",
        "follow_up_actions",
        "error_type",
        "created_at",
        "embedding",
        "workflow_phase",
        "workflow_step_id",
    ),
    times=("invoked_at", "created_at"),
    vector="embedding",
)
#: The V4 taxonomy and experiment tables, read when present.
TAXONOMY = (
    LegacyTable(
        "skill_categories",
        ("category_id", "category_name"),
        ("parent_category_id", "description", "domain", "created_at"),
        times=("created_at",),
        supplementary=True,
    ),
    LegacyTable(
        "skill_category_mapping",
        ("skill_name", "category_id"),
        ("confidence_score", "assigned_at"),
        times=("assigned_at",),
        supplementary=True,
    ),
    LegacyTable(
        "skill_modalities",
        ("skill_name", "modality_type"),
        ("input_format", "output_format", "requires_human_review", "created_at"),
        times=("created_at",),
        supplementary=True,
    ),
    LegacyTable(
        "skill_dependencies",
        ("skill_a", "skill_b"),
        ("co_occurrence_count", "lift_score", "last_updated"),
        times=("last_updated",),
        supplementary=True,
    ),
    LegacyTable(
        "ab_test_configs",
        ("test_id", "test_name"),
        (
            "description",
            "control_strategy",
            "treatment_strategy",
            "start_date",
            "end_date",
            "min_sample_size",
            "metrics",
            "assignment_ratio",
            "status",
            "created_at",
        ),
        times=("start_date", "end_date", "created_at"),
        supplementary=True,
    ),
    LegacyTable(
        "ab_test_assignments",
        ("assignment_id", "test_id", "user_id", "group_name"),
        ("assigned_at",),
        times=("assigned_at",),
        supplementary=True,
    ),
    LegacyTable(
        "ab_test_outcomes",
        ("outcome_id", "test_id", "user_id", "skill_name"),
        ("completed", "duration_seconds", "user_rating", "recorded_at"),
        times=("recorded_at",),
        supplementary=True,
    ),
)


def invocation_key(legacy_id: Any) -> str:
    """The legacy key of a skill invocation (its integer id alone would be ambiguous)."""
    return f"skill_invocation:{legacy_id}"


def category_key(legacy_id: Any) -> str:
    """The legacy key of a V4 skill category (``skill_categories.category_id``)."""
    return f"skill_categories:{legacy_id}"


class SkillsModel(Protocol):
    """What the skills service provides to import skills.

    ``rows`` holds every present table of :data:`INVOCATIONS` and :data:`TAXONOMY` by name,
    as dicts of the declared columns (times as text, the embedding as a float32 array or
    None). Yield one :class:`MappedTable` per legacy table, nodes carrying their legacy keys
    (:func:`invocation_key` for invocations) and ids from
    ``seeded_id(moment, label, context.seed(table, legacy_id))``.
    """

    def map_skill_tables(
        self, rows: Mapping[str, list[dict[str, Any]]], context: MapContext
    ) -> Iterator[MappedTable]: ...


@dataclass
class SkillsMapper:
    """skill_invocation and the taxonomy -> the skills model (when wired in)."""

    model: SkillsModel | None = None
    family: str = "skills"
    option: str = "skills_db"
    tables: tuple[LegacyTable, ...] = (INVOCATIONS, *TAXONOMY)
    required: bool = True

    def unavailable(self) -> str | None:
        """Why skills cannot be imported (None once the model is wired in)."""
        return UNAVAILABLE if self.model is None else None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Hand the present tables to the model, or report them skipped."""
        if self.model is None:
            counts = {t.name: legacy.count(t.name) for t in self.tables}
            yield from skipped_tables(self, legacy, UNAVAILABLE, counts)
            return
        rows: dict[str, list[dict[str, Any]]] = {}
        for table in self.tables:
            if legacy.has(table.name):
                found, vectors = legacy.read(table)
                if table.vector is not None:
                    for row, vector in zip(found, vectors, strict=True):
                        row[table.vector] = vector
                rows[table.name] = found
        yield from self.model.map_skill_tables(rows, context)
