"""Conversations: ``conversations_v2`` and the older ``conversations`` (MD5 ids) of
``reflection.duckdb`` become Conversation nodes in their project.

The legacy fields without a column of their own (category, tier, session, reasoning, the
legacy metadata...) are kept in the node's ``metadata`` JSON under ``legacy``.
"""

from __future__ import annotations

from kgservice.services.imports.sources import LegacyTable
from kgservice.services.imports.text_tables import TextTableMapper

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
_OWN = frozenset({"id", "content", "timestamp", "embedding", "project"})


CONVERSATIONS = TextTableMapper(
    family="conversations",
    tables=(CONVERSATIONS_V2, CONVERSATIONS_V1),
    label="Conversation",
    own=_OWN,
    later_time="last_accessed",
)
