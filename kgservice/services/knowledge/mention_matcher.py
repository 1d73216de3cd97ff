"""Finding entity names and aliases in text: one compiled pattern per namespace.

The names and aliases of a namespace's entities are folded into a character trie and compiled
to a single regular expression (a trie-shaped alternation, so a position is tried against
shared prefixes once rather than against every name). Matches are whole words, compared
case-insensitively after NFKC; a run of whitespace, ``-``, ``_`` or ``.`` inside a name
matches any such run in the text (``session-buddy`` finds "Session Buddy"). Where names
overlap the leftmost match wins, and at one position the longest.

>>> matcher = Matcher({"go": {"E1"}, "go lang": {"E2"}})
>>> sorted(matcher.entities_in("Good: we use Go-lang, and go."))
['E1', 'E2']
>>> matcher.entities_in("good")
set()
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kgservice.services.knowledge.names import fold, key_words, name_key

SEPARATOR = r"[\s\-_.]+"
_SEP = "\x00"  # the trie's unit for a separator run (NUL never occurs in a name)


@dataclass
class _TrieNode:
    children: dict[str, _TrieNode] = field(default_factory=dict)
    terminal: bool = False


def _units(key: str) -> list[str]:
    units: list[str] = []
    for position, word in enumerate(key_words(key)):
        if position:
            units.append(_SEP)
        units.extend(word)
    return units


def _to_regex(node: _TrieNode) -> str:
    branches = []
    for unit, child in sorted(node.children.items()):
        head = SEPARATOR if unit == _SEP else re.escape(unit)
        branches.append(head + _to_regex(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # Greedy optional: a longer name is tried first, a shorter one is the fallback.
    return f"(?:{body})?" if node.terminal else body


def compile_terms(keys: Iterable[str]) -> re.Pattern[str] | None:
    """Compile name keys into one whole-word pattern (None when there are none)."""
    root = _TrieNode()
    firsts: set[str] = set()
    for key in keys:
        units = _units(key)
        if not units:
            continue
        firsts.add(units[0])
        node = root
        for unit in units:
            node = node.children.setdefault(unit, _TrieNode())
        node.terminal = True
    if not root.children:
        return None
    first_chars = "".join(re.escape(char) for char in sorted(firsts))
    # The lookahead lets the engine skip positions that cannot start a name cheaply.
    return re.compile(rf"(?<!\w)(?=[{first_chars}])(?:{_to_regex(root)})(?!\w)")


class Matcher:
    """The names and aliases of a set of entities, compiled for searching text."""

    def __init__(self, terms: Mapping[str, set[str]]) -> None:
        """``terms`` maps a name key to the ids of the entities it names."""
        self.terms = {key: frozenset(ids) for key, ids in terms.items() if key}
        self.pattern = compile_terms(self.terms)

    @classmethod
    def from_entities(cls, entities: Iterable[tuple[str, str, Iterable[str]]]) -> Matcher:
        """Build from ``(entity id, name, aliases)`` triples."""
        terms: dict[str, set[str]] = {}
        for entity_id, name, aliases in entities:
            for term in (name, *aliases):
                key = name_key(term)
                if key:
                    terms.setdefault(key, set()).add(entity_id)
        return cls(terms)

    def __len__(self) -> int:
        return len(self.terms)

    def entities_in(self, text: str) -> set[str]:
        """Ids of the entities whose name or alias occurs in ``text`` as whole words."""
        if self.pattern is None or not text:
            return set()
        found: set[str] = set()
        for match in self.pattern.finditer(fold(text)):
            found.update(self.terms.get(name_key(match.group()), ()))
        return found

    def lookup(self, name: str) -> frozenset[str]:
        """Ids of the entities named or aliased ``name`` (compared by key)."""
        return self.terms.get(name_key(name), frozenset())
