"""Input checks shared by the domain services; each failure names the input field."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from kgservice.errors import InputError
from kgservice.ids import label_of

MAX_NAME = 200
MAX_TEXT = 1_000_000


def require_text(field: str, value: str, *, max_length: int = MAX_TEXT, empty: bool = False) -> str:
    """Return ``value`` unchanged if it is within bounds (content is never rewritten)."""
    if not empty and not value.strip():
        raise InputError(field, "must not be empty")
    if len(value) > max_length:
        raise InputError(field, f"must be at most {max_length} characters (got {len(value)})")
    if "\x00" in value:
        raise InputError(field, "must not contain NUL characters")
    return value


def require_choice(field: str, value: str, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise InputError(field, f"must be one of {', '.join(sorted(choices))} (got {value!r})")
    return value


def require_id(field: str, value: str, label: str) -> str:
    """Return ``value`` if it is a kgservice id of a ``label`` node."""
    if label_of(value) != label:
        raise InputError(field, f"is not a {label} id")
    return value


def metadata_json(field: str, value: Any) -> str | None:
    """Serialise a metadata object to JSON text (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(field, "must be an object")
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(field, f"is not JSON-serialisable: {exc}") from None
