"""Merging two entities that name the same thing, without losing anything.

``merge_entities(keep, drop)`` runs in one transaction: every RELATED edge of ``drop`` (in
and out, every property kept, its id too) is moved to ``keep``; an edge that would join
``keep`` to itself is dropped; where a moved edge and one of ``keep``'s are both current and
share (from, to, type), the one with the higher confidence stays current and the other is
retired (``valid_to`` set), so the rule "one current edge per (from, to, type)" holds and
history keeps both. MENTIONS edges move (at most one per text), observations, aliases and
properties are united (``drop``'s name becomes an alias of ``keep``), legacy ids are
repointed, and ``drop`` is deleted. Afterwards ``drop``'s vector is removed and ``keep`` is
embedded again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kgservice.clock import utc_now
from kgservice.errors import InputError, NotFoundError
from kgservice.services.knowledge.entities import EntityRecord, entity_text
from kgservice.services.knowledge.mentions import MentionMatchers
from kgservice.services.knowledge.names import name_key
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.services.validation import require_id
from kgservice.stores.graph import GraphStore, Row, Transaction


@dataclass(frozen=True)
class MergeResult:
    """The kept entity after a merge and what moved."""

    entity: EntityRecord
    dropped_id: str
    relations_moved: int
    relations_retired: int
    self_relations_dropped: int
    mentions_moved: int


def united_observations(keep: EntityRecord, drop: EntityRecord) -> list[str]:
    """``keep``'s observations, then ``drop``'s that ``keep`` lacks."""
    seen = set(keep.observations)
    return [*keep.observations, *(o for o in drop.observations if o not in seen)]


def united_aliases(keep: EntityRecord, drop: EntityRecord) -> list[str]:
    """``keep``'s aliases, then ``drop``'s name and aliases (each key once, never keep's name)."""
    seen = {keep.name_key}
    aliases = []
    for alias in (*keep.aliases, drop.name, *drop.aliases):
        key = name_key(alias)
        if key and key not in seen:
            seen.add(key)
            aliases.append(alias)
    return aliases


def united_properties(keep: EntityRecord, drop: EntityRecord) -> str:
    """``drop``'s properties overlaid with ``keep``'s, as JSON."""
    merged: dict[str, Any] = {}
    for record in (drop, keep):
        value = json.loads(record.properties) if record.properties else {}
        if isinstance(value, dict):
            merged.update(value)
    return json.dumps(merged, ensure_ascii=False, sort_keys=True)


def merge_entities(
    graph: GraphStore, index: TextIndex, matchers: MentionMatchers, keep_id: str, drop_id: str
) -> MergeResult:
    """Merge ``drop_id`` into ``keep_id`` (see the module docstring).

    Raises:
        InputError: an id is not an entity id, the two are the same entity, or they live
            in different namespaces (nothing is written).
        NotFoundError: either entity does not exist (nothing is written).
    """
    require_id("keep", keep_id, "Entity")
    require_id("drop", drop_id, "Entity")
    if keep_id == drop_id:
        raise InputError("drop", "cannot merge an entity with itself")
    keep, drop = _read(graph, keep_id, drop_id)
    observations = united_observations(keep, drop)
    vectors = index.embed([entity_text(keep.name, keep.kind, observations)])
    with graph.transaction() as tx:
        keep, drop = _read(tx, keep_id, drop_id)  # again, under the writer
        moved, retired, loops = _move_relations(tx, keep_id, drop_id)
        mentions = _move_mentions(tx, keep_id, drop_id)
        rows = tx.run(
            "knowledge/merge_update_kept",
            {
                "id": keep_id,
                "observations": united_observations(keep, drop),
                "aliases": united_aliases(keep, drop),
                "properties": united_properties(keep, drop),
                "now": utc_now(),
            },
        )
        tx.run("knowledge/merge_move_legacy_keys", {"drop_id": drop_id, "keep_id": keep_id})
        tx.run("knowledge/merge_delete_entity", {"id": drop_id})
    merged = EntityRecord.from_node(rows[0]["node"])
    if list(merged.observations) != observations:  # changed since the first read
        vectors = index.embed([merged.text])
    index.remove([drop_id])
    index.store([IndexedText(merged.id, "Entity", merged.namespace, merged.text)], vectors)
    matchers.refresh(merged.namespace)  # drop's name now finds keep
    return MergeResult(merged, drop_id, moved, retired, loops, mentions)


def _read(source: GraphStore | Transaction, keep_id: str, drop_id: str) -> tuple[EntityRecord, ...]:
    records = []
    for entity_id in (keep_id, drop_id):
        rows = source.run("knowledge/entity_by_id", {"id": entity_id})
        if not rows:
            raise NotFoundError(entity_id, "entity")
        records.append(EntityRecord.from_node(rows[0]["node"]))
    if records[0].namespace != records[1].namespace:
        raise InputError("drop", "entities of different namespaces cannot be merged")
    return tuple(records)


def _move_relations(tx: Transaction, keep_id: str, drop_id: str) -> tuple[int, int, int]:
    """Recreate ``drop``'s edges on ``keep``; returns (moved, retired, self-loops dropped)."""
    now = utc_now()
    current: dict[tuple[str, str, str], Row] = {
        (edge["from_id"], edge["to_id"], edge["type"]): edge
        for edge in tx.run("knowledge/merge_relations_of", {"id": keep_id})
        if edge["valid_to"] is None
    }
    moved = retired = loops = 0
    for edge in sorted(
        tx.run("knowledge/merge_relations_of", {"id": drop_id}), key=lambda e: e["id"] or ""
    ):
        from_id = keep_id if edge["from_id"] == drop_id else edge["from_id"]
        to_id = keep_id if edge["to_id"] == drop_id else edge["to_id"]
        if from_id == to_id:
            loops += 1
            continue
        valid_to = edge["valid_to"]
        key = (from_id, to_id, edge["type"])
        rival = current.get(key) if valid_to is None else None
        if rival is not None:
            retired += 1
            if (rival["confidence"] or 0.0) >= (edge["confidence"] or 0.0):
                valid_to = now
            else:
                tx.run(
                    "knowledge/merge_retire_relation",
                    {"from_id": from_id, "to_id": to_id, "id": rival["id"], "now": now},
                )
                current[key] = edge
        elif valid_to is None:
            current[key] = edge
        tx.run(
            "knowledge/merge_move_relation",
            {
                "from_id": from_id,
                "to_id": to_id,
                **{
                    name: edge[name]
                    for name in (
                        "id",
                        "type",
                        "confidence",
                        "score",
                        "method",
                        "evidence",
                        "status",
                        "valid_from",
                        "job_id",
                    )
                },
                "valid_to": valid_to,
            },
        )
        moved += 1
    return moved, retired, loops


def _move_mentions(tx: Transaction, keep_id: str, drop_id: str) -> int:
    """Link ``keep`` from every text that mentions ``drop`` and not ``keep`` yet."""
    known = {row["id"] for row in tx.run("knowledge/merge_mentions_of", {"id": keep_id})}
    moved = 0
    for row in tx.run("knowledge/merge_mentions_of", {"id": drop_id}):
        if row["id"] not in known:
            tx.run(
                "knowledge/mention_link",
                {"text_id": row["id"], "entity_id": keep_id},
                label=row["label"],
            )
            moved += 1
    return moved
