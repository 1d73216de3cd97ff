"""Node identifiers: ULIDs that also say which table the node lives in.

A ULID is 48 bits of milliseconds and 80 random bits. kgservice keeps the low
:data:`TAG_BITS` bits of the random part for a code naming the node's table, so
``node(id)`` can go straight to one primary-key lookup instead of scanning every table.
The ids stay ordinary, time-ordered ULIDs with 70 random bits per millisecond.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from ulid import ULID

TAG_BITS = 10
_TAG_MASK = (1 << TAG_BITS) - 1

#: Table codes, 1-based by position. Append only: a code, once given, never changes.
NODE_LABELS: tuple[str, ...] = (
    "Project",
    "Session",
    "Thread",
    "Message",
    "Conversation",
    "Reflection",
    "Entity",
    "Repository",
    "Commit",
    "CodeFile",
    "Symbol",
    "Skill",
    "SkillCategory",
    "Modality",
    "SkillInvocation",  # 0008_skills renamed the placeholder Invocation table
    "Experiment",
    "Variant",
    "Assignment",
    "QualityRun",
    "Job",
    "SkillAnomaly",
)
_CODES = {label: code for code, label in enumerate(NODE_LABELS, start=1)}


def _mint(milliseconds: int, label: str | None, seed: bytes | None = None) -> str:
    code = 0 if label is None else _code(label)
    bits = secrets.randbits(80) if seed is None else int.from_bytes(seed[:10], "big")
    random_part = (bits & ~_TAG_MASK) | code
    return str(ULID.from_int((milliseconds << 80) | random_part))


def _code(label: str) -> int:
    try:
        return _CODES[label]
    except KeyError:
        raise ValueError(f"no id code for node table {label!r}") from None


def new_id(label: str | None = None) -> str:
    """Return a fresh ULID for a node of table ``label`` (untagged when None)."""
    return _mint(int(datetime.now(UTC).timestamp() * 1000), label)


def id_at(moment: datetime, label: str | None = None, *, seed: bytes | None = None) -> str:
    """Return a ULID whose time part is ``moment`` (naive datetimes are taken as UTC).

    Imports use this so that records keep their original time order. ``seed`` (at least
    10 bytes, e.g. a hash of a legacy id) replaces the random part, so the same record
    always gets the same id; distinct seeds give distinct ids at the same moment.

    >>> id_at(datetime(2024, 1, 1, tzinfo=UTC))[:10]
    '01HK153X00'
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if seed is not None and len(seed) < 10:
        raise ValueError("an id seed needs at least 10 bytes")
    return _mint(int(moment.timestamp() * 1000), label, seed)


def label_of(node_id: str) -> str | None:
    """Return the table a kgservice-minted ULID names, or None for an untagged or foreign id."""
    try:
        code = int(ULID.from_str(node_id)) & _TAG_MASK
    except ValueError:
        return None
    return NODE_LABELS[code - 1] if 0 < code <= len(NODE_LABELS) else None


def id_time(node_id: str) -> datetime:
    """Return the UTC time encoded in a ULID string."""
    return ULID.from_str(node_id).datetime


def is_ulid(value: str) -> bool:
    """Tell whether ``value`` is a well-formed ULID string."""
    try:
        ULID.from_str(value)
    except ValueError:
        return False
    return True
