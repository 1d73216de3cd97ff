"""The installed-packages world of ``bench discovery_quality``, and how it is scored.

Every distribution installed in this environment becomes an entity (kind ``library``;
kgservice itself is the ``project``), with its summary as an observation and its import
names as aliases; the first part of each long description becomes a text mentioning the
entities it names. The truth is the declared, unconditional ``Requires-Dist`` dependencies
among installed distributions: ``uses`` from the project, ``depends_on`` between libraries.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import re
from collections.abc import Sequence
from typing import Any

from bench.discovery import GeneratedEntity, load_entities, load_texts
from kgservice.services.discovery.job import DiscoveryParameters, find_proposals
from kgservice.services.discovery.writing import Proposal
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores

PROJECT = "kgservice"
DESCRIPTION_CHARS = 1_500
DEPENDENCY_TYPES = {"uses", "depends_on"}


def canonical(name: str) -> str:
    """A distribution name as packaging normalises it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_world() -> tuple[list[GeneratedEntity], list[str], dict[tuple[str, str], str]]:
    """Entities, description texts and true edges ``{(from, to): type}`` by canonical name."""
    distributions: dict[str, metadata.Distribution] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            distributions.setdefault(canonical(name), distribution)
    entities, texts = [], []
    truth: dict[tuple[str, str], str] = {}
    for key, distribution in sorted(distributions.items()):
        meta = distribution.metadata
        kind = "project" if key == PROJECT else "library"
        summary = (meta["Summary"] or "").strip()
        aliases = sorted(
            {
                module
                for module in (distribution.read_text("top_level.txt") or "").split()
                if len(module) > 2 and not module.startswith("_") and canonical(module) != key
            }
        )
        entities.append(GeneratedEntity(meta["Name"], kind, [summary] if summary else [], aliases))
        description = (meta.get_payload() or meta["Description"] or "").strip()  # type: ignore[attr-defined]
        if description:
            texts.append(description[:DESCRIPTION_CHARS])
        for requirement in meta.get_all("Requires-Dist") or []:
            name, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            target = canonical(re.split(r"[\s<>=!~\[(;]", name.strip(), maxsplit=1)[0])
            if target in distributions and target != key:
                truth[(key, target)] = "uses" if kind == "project" else "depends_on"
    return entities, texts, truth


def mentioned(texts: Sequence[str], entities: Sequence[GeneratedEntity]) -> list[list[int]]:
    """Per text, the entities whose name or alias it contains (word boundary, any case)."""
    patterns = [
        re.compile(
            rf"(?<![\w-])(?:{'|'.join(re.escape(n) for n in (e.name, *e.aliases))})(?![\w-])",
            re.IGNORECASE,
        )
        for e in entities
    ]
    return [[i for i, pattern in enumerate(patterns) if pattern.search(text)] for text in texts]


def evaluate(
    proposals: Sequence[Proposal], names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Precision@k, recall and type accuracy of ranked proposals."""
    undirected = {frozenset(pair): kind for pair, kind in truth.items()}
    hits = [frozenset((names[p.from_id], names[p.to_id])) in undirected for p in proposals]
    found = [p for p, hit in zip(proposals, hits, strict=True) if hit]
    strict = sum(truth.get((names[p.from_id], names[p.to_id])) == p.type for p in found)
    lenient = sum(
        (names[p.from_id], names[p.to_id]) in truth and p.type in DEPENDENCY_TYPES for p in found
    )
    typed = [p for p in found if p.type != "related_to"]
    typed_right = sum(truth.get((names[p.from_id], names[p.to_id])) == p.type for p in typed)
    at = {f"p@{k}": round(sum(hits[:k]) / k, 3) for k in (10, 25, 50, 100) if len(hits) >= k}
    return {
        "proposals": len(proposals),
        **at,
        "precision": round(len(found) / len(proposals), 3) if proposals else 0.0,
        "recall": round(len({frozenset((p.from_id, p.to_id)) for p in found}) / len(truth), 3),
        "type_accuracy": round(strict / len(found), 3) if found else 0.0,
        "type_accuracy_lenient": round(lenient / len(found), 3) if found else 0.0,
        "typed_share": round(len(typed) / len(found), 3) if found else 0.0,
        "typed_accuracy": round(typed_right / len(typed), 3) if typed else 0.0,
    }


def run_discovery(stores: Stores, **parameters: Any) -> list[Proposal]:
    """The proposals of a discovery run with ``parameters`` (nothing is written)."""
    proposals, _ = find_proposals(
        stores.graph, stores.vectors, DiscoveryParameters.checked(**parameters)
    )
    return proposals


def split_of(first: str, second: str) -> int:
    """Which half (0 or 1) a pair of names falls in, the same in either order."""
    key = "\0".join(sorted((first, second))).encode()
    return hashlib.sha256(key).digest()[0] % 2


def load_world(
    stores: Stores,
    entities: Sequence[GeneratedEntity],
    texts: Sequence[str],
    index: TextIndex,
) -> dict[str, str]:
    """Load the entities and texts into ``stores``; return canonical names by entity id."""
    ids = load_entities(stores, index, entities)
    load_texts(stores, texts, mentioned(texts, entities), ids)
    return {i: canonical(e.name) for i, e in zip(ids, entities, strict=True)}
