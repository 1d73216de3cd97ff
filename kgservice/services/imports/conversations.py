"""Conversations: ``conversations_v2`` and the older ``conversations`` (MD5 ids) of
``reflection.duckdb`` become Conversation nodes in their project.

The legacy fields without a column of their own (category, tier, session, reasoning, the
legacy metadata...) are kept in the node's ``metadata`` JSON under ``legacy``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.sources import LegacyFile, LegacyTable
from kgservice.services.imports.text_tables import map_text_table

CONVERSATIONS_V2 = LegacyTable(
    name="conversations_v2",
    required=("id", "content", "timestamp"),
    optional=(
        "embedding",
        "category",
        "subcategory",
        "importance_score",
        "memory_tier",
        "access_count",
        "last_accessed",
        "project",
        "namespace",
        "session_id",
        "user_id",
        "reasoning",
        "metadata",
        "source_type",
        "turn_parent_id",
        "causal_parent_id",
    ),
    times=("timestamp", "last_accessed"),
    vector="embedding",
)
CONVERSATIONS_V1 = LegacyTable(
    name="conversations",
    required=("id", "content", "timestamp"),
    optional=("embedding", "project", "metadata"),
    times=("timestamp",),
    vector="embedding",
)
#: Columns that become the node's own fields rather than legacy metadata.
_OWN = {"id", "content", "timestamp", "embedding", "project"}


@dataclass
class ConversationsMapper:
    """conversations_v2 and conversations -> Conversation (IN_PROJECT its project)."""

    family: str = "conversations"
    option: str = "reflection_db"
    tables: tuple[LegacyTable, ...] = (CONVERSATIONS_V2, CONVERSATIONS_V1)
    required: bool = True

    def unavailable(self) -> str | None:
        """Conversations always have a model."""
        return None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Map each present conversation table."""
        for table in self.tables:
            if legacy.has(table.name):
                yield self._map_table(legacy, table, context)

    def _map_table(
        self, legacy: LegacyFile, table: LegacyTable, context: MapContext
    ) -> MappedTable:
        return map_text_table(
            legacy,
            table,
            context,
            label="Conversation",
            own=_OWN,
            later_time="last_accessed",
            properties=lambda report, row, legacy_id: {},
        )
