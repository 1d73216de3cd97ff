"""The type and direction of a discovered relation, with the evidence for it.

Sources, in order of trust (the first that decides wins):

1. Text: a connecting phrase between the two names ("X uses Y", "Y is used by X", "depends
   on", "tests", "extends", "implements", "part of", "connects to", ...) in the texts that
   mention both, or in one entity's observations naming the other (the observing entity is
   the subject). Directional phrases ("plugin for", "extension of", "wrapper around",
   "bindings for", "client for", "built on", "X for Y", "Y plugin") make the subject depend
   on the other, "backend for" and "core of" the other depend on the subject; "port of" and
   "fork of" make the subject extend the other. Passive
   phrases flip the direction. The most frequent type wins.
2. Kind pairs: project -> library ``uses``, test -> project ``tests``, project -> service
   ``connects_to``, ... (see :data:`KIND_RULES`), in either order; unless the entities'
   code imports go only the other way, when structure decides.
3. Structure: the code of one entity's repositories importing the other's -> ``depends_on``
   from importer to imported, any kinds (see :mod:`~kgservice.services.discovery.code_imports`
   for how entities are linked to repositories); when both import each other, the side
   with more importing files (then more imports) is the importer.
4. Otherwise ``related_to``, directed from the smaller id.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kgservice.services.discovery.code_imports import CodeImports
from kgservice.services.discovery.snapshot import EntityInfo

MAX_GAP = 80
QUOTE_CHARS = 160

#: At most two words between a directional phrase and the other name ("a plugin for the
#: pytest ..." counts, "extensions for programs checked with pytest" does not).
_NEAR_END = r"(?:\s+[\w.-]+){0,2}\s*$"
#: Nouns that say "the subject is made for the other": "X, a plugin for Y", "bindings to Y".
DIRECTIONAL_NOUNS = (
    r"plugins?|extensions?|add-?ons?|wrappers?|bindings?|clients?|backends?|drivers?|adapters?"
    r"|stubs|integrations?|support|strategies|interfaces?"
)
#: (phrase between the two names, relation type, whether the phrase is passive/reversed).
#: Directional phrases come first: "plugin for", "extension of", "wrapper around",
#: "bindings for", "client for", "backend for", "built on", "port of", "fork of".
PHRASES: tuple[tuple[str, str, bool], ...] = (
    (
        r"(?:core|engine|runtime|backend|foundation|building blocks?)(?: \w+)? (?:for|of)"
        + _NEAR_END,
        "depends_on",
        True,
    ),
    (
        rf"(?:{DIRECTIONAL_NOUNS}) (?:for|of|to|around|with)"
        + _NEAR_END
        + r"|(?:built|based) on(?: top of)?|on top of|written for|made for",
        "depends_on",
        False,
    ),
    (r"(?:port|fork|reimplementation|rewrite) of", "extends", False),
    (r"(?:is |are )?used by|(?:is )?a dependency of|required by|depended on by", "uses", True),
    (r"(?:is |are )?tested by|covered by", "tests", True),
    (r"(?:is )?extended by|subclassed by", "extends", True),
    (r"(?:is )?implemented by", "implements", True),
    (r"contains|includes|consists of|is made of", "part_of", True),
    (r"depends on|depend on|requires|require|needs", "depends_on", False),
    (r"uses|use|using|relies on|built (?:on|with)|based on|powered by|wraps", "uses", False),
    (r"tests|test|verifies|checks", "tests", False),
    (r"extends|extend|inherits from|subclasses", "extends", False),
    (r"implements|implement", "implements", False),
    (
        r"(?:is )?(?:a )?part of|belongs to|(?:is )?(?:a |an )?(?:module|component|plugin) of",
        "part_of",
        False,
    ),
    (r"connects to|connect to|talks to|calls|queries|sends to", "connects_to", False),
)
_PHRASE = [
    (re.compile(rf"\b(?:{pattern})(?!\w)", re.IGNORECASE), kind, passive)
    for pattern, kind, passive in PHRASES
]
_SENTENCE_END = re.compile(r"[.!?;\n]\s")
#: "... for Y": a gap ending in "for" (the other name follows it at once).
_FOR_END = re.compile(r"\bfor(?: the| an?)?\s*$", re.IGNORECASE)
#: "Y plugin", "Y bindings": the other name followed at once by a directional noun.
_NOUN_AFTER = re.compile(rf"^\s*(?:{DIRECTIONAL_NOUNS})\b", re.IGNORECASE)

#: (from kind, to kind) -> type; matched in either order, the rule giving the direction.
KIND_RULES: dict[tuple[str, str], str] = {
    ("project", "library"): "uses",
    ("project", "tool"): "uses",
    ("service", "library"): "uses",
    ("tool", "library"): "uses",
    ("test", "project"): "tests",
    ("test", "library"): "tests",
    ("test", "service"): "tests",
    ("project", "service"): "connects_to",
    ("file", "project"): "part_of",
    ("file", "library"): "part_of",
    ("library", "concept"): "implements",
}

TYPE_TRUST = {"text": 1.0, "structure": 0.9, "kind_pair": 0.8, "default": 0.5}


@dataclass
class Typed:
    """A decided type: direction (``forward`` = first entity to second), source, evidence."""

    type: str
    forward: bool
    source: str
    evidence: list[dict[str, object]] = field(default_factory=list)


def _occurrences(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    """Where any of ``names`` occurs in ``text`` as a whole word (any case), in order.

    Letters, digits, ``_`` and ``-`` around a match make it part of a longer word, so
    ``pydantic`` does not match inside ``pydantic-settings``.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare case change that shifts offsets: match exactly
        lowered = text
    found = []
    for name in {n.strip().lower() for n in names if n.strip()}:
        start = lowered.find(name)
        while start >= 0:
            end = start + len(name)
            before = lowered[start - 1] if start else " "
            after = lowered[end] if end < len(lowered) else " "
            if not _is_word_char(before) and not _is_word_char(after):
                found.append((start, end))
            start = lowered.find(name, start + 1)
    return sorted(found)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def _phrase_in(gap: str) -> tuple[str, bool] | None:
    if len(gap) > MAX_GAP or _SENTENCE_END.search(gap):
        return None
    for pattern, kind, passive in _PHRASE:
        if pattern.search(gap):
            return kind, passive
    if _FOR_END.search(gap):
        return "depends_on", False
    return None


def _quote(text: str, start: int, end: int) -> str:
    lo = max(0, start - 20)
    return " ".join(text[lo : min(len(text), max(end, lo + QUOTE_CHARS))].split())


def text_evidence(text: str, a: EntityInfo, b: EntityInfo) -> list[tuple[str, bool, str]]:
    """Typed statements about ``a`` and ``b`` in ``text``: (type, a-to-b?, quote)."""
    if not a.names or not b.names:
        return []
    in_a = _occurrences(text, a.names)
    in_b = _occurrences(text, b.names) if in_a else []
    found: list[tuple[str, bool, str]] = []
    for a_start, a_end in in_a:
        for b_start, b_end in in_b:
            a_first = a_end <= b_start
            if not a_first and b_end > a_start:
                continue  # overlapping matches
            gap = text[a_end:b_start] if a_first else text[b_end:a_start]
            phrase = _phrase_in(gap)
            if phrase is None:
                continue
            kind, passive = phrase
            forward = a_first != passive
            start, end = (a_start, b_end) if a_first else (b_start, a_end)
            found.append((kind, forward, _quote(text, start, end)))
    return found


def observation_evidence(subject: EntityInfo, other: EntityInfo) -> list[tuple[str, bool, str]]:
    """Typed statements in ``subject``'s observations about ``other`` (subject first)."""
    found: list[tuple[str, bool, str]] = []
    for observation in subject.observations:
        for start, end in _occurrences(observation, other.names):
            gap = observation[max(0, start - MAX_GAP) : start]
            cut = max((m.end() for m in _SENTENCE_END.finditer(gap)), default=0)
            phrase = _phrase_in(gap[cut:])
            if phrase is None and _NOUN_AFTER.match(observation[end : end + MAX_GAP]):
                phrase = ("depends_on", False)  # "Y plugin to ...", said of the subject
            if phrase is not None:
                kind, passive = phrase
                found.append((kind, not passive, _quote(observation, 0, end)))
    return found


#: Code imports between entities: (importer id, imported id) -> the evidence.
ImportsByIds = Mapping[tuple[str, str], CodeImports]


def decide_type(
    a: EntityInfo,
    b: EntityInfo,
    texts: Sequence[str],
    imports: ImportsByIds,
) -> Typed:
    """Type the pair (a, b) from texts, then kinds, then structure, else related_to."""
    statements = [
        *observation_evidence(a, b),
        *((kind, not forward, quote) for kind, forward, quote in observation_evidence(b, a)),
    ]
    for text in texts:
        statements.extend(text_evidence(text, a, b))
    if statements:
        votes = Counter((kind, forward) for kind, forward, _ in statements)
        (kind, forward), count = votes.most_common(1)[0]
        quotes = [q for k, f, q in statements if (k, f) == (kind, forward)][:3]
        evidence: list[dict[str, object]] = [
            {"typing": "text", "statements": count, "quotes": quotes}
        ]
        return Typed(kind, forward, "text", evidence)
    structural = structure_between(a, b, imports)
    for (first, second), forward in (((a.kind, b.kind), True), ((b.kind, a.kind), False)):
        rule = KIND_RULES.get((first, second))
        if rule is not None and (structural is None or not _only_other_way(forward, a, b, imports)):
            evidence = [{"typing": "kind_pair", "rule": f"{first} -> {second}: {rule}"}]
            return Typed(rule, forward, "kind_pair", evidence)
    if structural is not None:
        return structural
    return Typed("related_to", a.id < b.id, "default", [{"typing": "default"}])


def structure_between(a: EntityInfo, b: EntityInfo, imports: ImportsByIds) -> Typed | None:
    """``depends_on`` from the entity whose code imports the other's (None when neither)."""
    forward, backward = imports.get((a.id, b.id)), imports.get((b.id, a.id))
    if forward is None and backward is None:
        return None

    def weight(found: CodeImports | None) -> tuple[int, int]:
        return (found.importing_files, found.imports) if found else (0, 0)

    ahead = weight(forward) >= weight(backward)
    chosen = forward if ahead else backward
    assert chosen is not None
    evidence: dict[str, object] = {"typing": "structure", **chosen.as_evidence()}
    other = backward if ahead else forward
    if other is not None:
        evidence["reverse_importing_files"] = other.importing_files
    return Typed("depends_on", ahead, "structure", [evidence])


def _only_other_way(forward: bool, a: EntityInfo, b: EntityInfo, imports: ImportsByIds) -> bool:
    """Whether the code imports go only against a rule directed ``a -> b`` when ``forward``."""
    importer, imported = (a, b) if forward else (b, a)
    return (importer.id, imported.id) not in imports and (imported.id, importer.id) in imports
