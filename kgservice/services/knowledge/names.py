"""Entity names and kinds: normalisation for matching, and the checks on them.

A name's *key* is what matching compares: NFKC, case-folded, every run of whitespace or of
the separators ``-``, ``_`` and ``.`` collapsed to one space, stripped.

>>> name_key("  Session-Buddy_v2 ")
'session buddy v2'
"""

from __future__ import annotations

import re
import unicodedata

from kgservice.errors import InputError

BUILTIN_KINDS = ("project", "library", "service", "test", "concept", "file", "tool", "person")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_SEPARATORS = re.compile(r"[\s\-_.]+")


def fold(text: str) -> str:
    """NFKC and case-fold ``text`` (what mention matching compares)."""
    return unicodedata.normalize("NFKC", text).casefold()


def name_key(name: str) -> str:
    """The normalised form of a name or alias used for matching and uniqueness."""
    return _SEPARATORS.sub(" ", fold(name)).strip()


def key_words(key: str) -> list[str]:
    """The words of a key (the parts between separators)."""
    return [word for word in key.split(" ") if word]


def require_kind(field: str, kind: str) -> str:
    """Return ``kind`` if it is a built-in kind or a custom one (``[a-z][a-z0-9_-]{0,31}``)."""
    if not KIND_PATTERN.match(kind):
        raise InputError(
            field,
            f"must be one of {', '.join(BUILTIN_KINDS)} or a custom kind of lower-case "
            f"letters, digits, '_' and '-' starting with a letter, at most 32 (got {kind!r})",
        )
    return kind


def require_name(field: str, name: str, max_length: int) -> str:
    """Return ``name`` if it has a non-empty key and is within ``max_length`` characters."""
    if len(name) > max_length:
        raise InputError(field, f"must be at most {max_length} characters (got {len(name)})")
    if "\x00" in name:
        raise InputError(field, "must not contain NUL characters")
    if not name_key(name):
        raise InputError(field, "must contain a letter or digit, not only spaces or -_.")
    return name
