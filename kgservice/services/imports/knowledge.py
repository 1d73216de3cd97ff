"""Entities and relations: ``kg_entities`` and ``kg_relationships`` of
``knowledge_graph.duckdb`` become Entity nodes and accepted RELATED edges.

Entities whose names have the same key (case, spacing and ``-_.`` aside) are merged into
one node, the earliest; every legacy id of the group answers for it, and the merge is
reported. An entity whose key names an entity already in the namespace is merged into that
one (its legacy ids recorded, the existing node left as it is). Relation types are mapped
onto kgservice's; an unknown type becomes ``related_to`` with the original in the evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    MappedEdge,
    MappedNode,
    TableReport,
    check_embedding,
    first_time,
    parse_time,
    seeded_id,
    unique_rows,
)
from kgservice.services.imports.sources import LegacyFile, LegacyTable
from kgservice.services.imports.text_tables import legacy_json
from kgservice.services.knowledge.entities import entity_text
from kgservice.services.knowledge.names import KIND_PATTERN, name_key

ENTITIES = LegacyTable(
    name="kg_entities",
    required=("id", "name", "entity_type", "observations", "created_at"),
    optional=("properties", "updated_at", "metadata", "embedding"),
    times=("created_at", "updated_at"),
    vector="embedding",
)
RELATIONSHIPS = LegacyTable(
    name="kg_relationships",
    required=("id", "from_entity", "to_entity", "relation_type", "created_at"),
    optional=("properties", "updated_at", "metadata"),
    times=("created_at", "updated_at"),
)
#: Legacy relation types (keys as :func:`name_key` folds them) -> kgservice types.
RELATION_TYPE_MAP = {
    "uses": "uses",
    "used by": "uses",
    "depends on": "depends_on",
    "requires": "depends_on",
    "tests": "tests",
    "tested by": "tests",
    "extends": "extends",
    "inherits from": "extends",
    "implements": "implements",
    "part of": "part_of",
    "belongs to": "part_of",
    "member of": "part_of",
    "connects to": "connects_to",
    "calls": "connects_to",
    "related to": "related_to",
    "relates to": "related_to",
    "related": "related_to",
    "same as": "same_as",
    "alias of": "same_as",
}
MERGES_REPORTED = 50


def relation_type(legacy_type: str | None) -> str | None:
    """The kgservice type of a legacy relation type, or None when it has none."""
    return RELATION_TYPE_MAP.get(name_key(legacy_type or ""))


def entity_kind(value: Any) -> str:
    """A legacy entity type as a kgservice kind (``concept`` when nothing usable is left)."""
    kind = "_".join(name_key(str(value or "")).split())[:32]
    return kind if KIND_PATTERN.match(kind) else "concept"


def _json_text(*values: Any) -> str:
    merged: dict[str, Any] = {}
    for name, value in zip(("properties", "metadata"), values, strict=False):
        parsed = legacy_json(value)
        if parsed not in (None, {}, ""):
            merged[name] = parsed
    return json.dumps({"legacy": merged} if merged else {}, ensure_ascii=False, sort_keys=True)


@dataclass
class KnowledgeMapper:
    """kg_entities -> Entity (duplicates merged), kg_relationships -> RELATED."""

    family: str = "entities and relations"
    option: str = "kg_db"
    tables: tuple[LegacyTable, ...] = (ENTITIES, RELATIONSHIPS)
    required: bool = True

    def unavailable(self) -> str | None:
        """Entities and relations always have a model."""
        return None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Entities first (their ids are what relations refer to), then relations."""
        names: dict[str, str] = {}
        if legacy.has(ENTITIES.name):
            yield self._entities(legacy, context, names)
        if legacy.has(RELATIONSHIPS.name):
            yield self._relations(legacy, context, names)

    def _entities(
        self, legacy: LegacyFile, context: MapContext, names: dict[str, str]
    ) -> MappedTable:
        report = TableReport(file=legacy.label, table=ENTITIES.name)
        rows, vectors = legacy.read(ENTITIES)
        report.source = len(rows)
        for row, vector in zip(rows, vectors, strict=True):
            row["embedding"] = vector
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in unique_rows(report, rows):
            key = name_key(str(row["name"] or ""))
            if not key:
                report.skip("empty name", row["id"])
                continue
            row["moment"] = first_time(
                report, row["id"], context.started, row["created_at"], row["updated_at"]
            )
            groups.setdefault(key, []).append(row)
        known = context.known(row["id"] for group in groups.values() for row in group)
        existing = {
            row["name_key"]: row["id"]
            for row in context.graph.run("imports/entity_keys", {"namespace": context.namespace})
        }
        mapped = MappedTable(report)
        merges: list[dict[str, Any]] = []
        for key, group in groups.items():
            group.sort(key=lambda row: (row["moment"], row["id"]))
            first = group[0]
            ids = [row["id"] for row in group]
            if len(group) > 1:
                for row in group[1:]:
                    report.problem("duplicate name (merged)", row["id"])
                if len(merges) < MERGES_REPORTED:
                    merges.append({"name": first["name"], "kept": first["id"], "merged": ids[1:]})
            observations = list(
                dict.fromkeys(
                    str(o).strip() for row in group for o in (row["observations"] or []) if o
                )
            )
            kind = entity_kind(first["entity_type"])
            text = entity_text(first["name"], kind, observations)
            embedding = check_embedding(report, first["id"], first["embedding"], context.dimension)
            recorded = [known[i] for i in ids if i in known]
            unrecorded = [i for i in ids if i not in known]
            if recorded:
                node_id = recorded[0].node_id
                ours = all(r.job_id == context.job_id and r.job_id for r in recorded)
                if ours:
                    report.imported += len(recorded)
                else:
                    report.already += len(recorded)
                node = MappedNode("Entity", node_id, {}, unrecorded, text, embedding)
                node.existing = True
                if not ours:
                    node.text = None  # not this import's node: its vector is not ours to fix
                report.imported += len(unrecorded)
            elif key in existing:
                node_id = existing[key]
                for legacy_id in ids:
                    report.problem("merged into an existing entity", legacy_id)
                node = MappedNode("Entity", node_id, {}, ids, existing=True)
                report.imported += len(ids)
            else:
                moment = first["moment"]
                node_id = seeded_id(moment, "Entity", context.seed(ENTITIES.name, first["id"]))
                updated = parse_time(first["updated_at"]) or moment
                node = MappedNode(
                    label="Entity",
                    id=node_id,
                    keys=ids,
                    properties={
                        "namespace": context.namespace,
                        "created_at": moment,
                        "updated_at": max(updated, moment),
                        "legacy_id": first["id"],
                        "name": first["name"],
                        "name_key": key,
                        "kind": kind,
                        "observations": observations,
                        "aliases": [],
                        "properties": _json_text(first["properties"], first["metadata"]),
                    },
                    text=text,
                    embedding=embedding,
                )
                report.imported += len(ids)
            for legacy_id in ids:
                context.entities[legacy_id] = node_id
            names.setdefault(key, node_id)
            mapped.nodes.append(node)
        if merges:
            report.examples["merged"] = [json.dumps(m, sort_keys=True) for m in merges]
            report.note = f"{len(merges)} groups of entities with the same name key merged"
        # Every legacy id is counted above (merged ones too), so that source = imported +
        # already + skipped; the writer counts nothing more for this table.
        return mapped

    def _relations(
        self, legacy: LegacyFile, context: MapContext, names: dict[str, str]
    ) -> MappedTable:
        report = TableReport(file=legacy.label, table=RELATIONSHIPS.name)
        rows, _ = legacy.read(RELATIONSHIPS)
        report.source = len(rows)
        rows = unique_rows(report, rows)
        known = context.known(row["id"] for row in rows)
        if not context.entities:  # entities imported by an earlier run
            sources = [row[end] for row in rows for end in ("from_entity", "to_entity")]
            context.entities.update(
                {k: v.node_id for k, v in context.known(sources).items() if v.label == "Entity"}
            )
        current = {
            (row["from_id"], row["to_id"], row["type"])
            for row in context.graph.run(
                "imports/current_relations", {"namespace": context.namespace}
            )
        }
        mapped = MappedTable(report)
        for row in rows:
            legacy_id = row["id"]
            earlier = known.get(legacy_id)
            if earlier is not None:
                ours = earlier.job_id == context.job_id and earlier.job_id is not None
                if ours:
                    report.imported += 1
                else:
                    report.already += 1
                continue
            ends = [
                self._endpoint(row[end], context, names) for end in ("from_entity", "to_entity")
            ]
            if ends[0] is None or ends[1] is None:
                report.skip("relation to a missing entity", legacy_id)
                continue
            if ends[0] == ends[1]:
                report.skip("relation of an entity to itself (after merging)", legacy_id)
                continue
            original = str(row["relation_type"] or "")
            mapped_type = relation_type(original)
            if mapped_type is None:
                report.problem("unknown relation type (related_to, original kept)", legacy_id)
            kind = mapped_type or "related_to"
            triple = (ends[0], ends[1], kind)
            if triple in current:
                report.skip("duplicate relation (same ends and type)", legacy_id)
                continue
            current.add(triple)
            moment = first_time(
                report, legacy_id, context.started, row["created_at"], row["updated_at"]
            )
            evidence = {
                "source": "session-buddy",
                "legacy_id": legacy_id,
                "original_type": original,
            }
            for name in ("properties", "metadata"):
                value = legacy_json(row.get(name))
                if value not in (None, {}, ""):
                    evidence[name] = value
            relation_id = seeded_id(moment, None, context.seed(RELATIONSHIPS.name, legacy_id))
            mapped.edges.append(
                MappedEdge(
                    "RELATED",
                    "Entity",
                    ends[0],
                    "Entity",
                    ends[1],
                    {
                        "type": kind,
                        "confidence": 1.0,
                        "score": None,
                        "method": "import",
                        "evidence": json.dumps(evidence, ensure_ascii=False, default=str),
                        "status": "accepted",
                        "valid_from": moment,
                        "valid_to": None,
                        "job_id": context.job_id,
                        "id": relation_id,
                    },
                    legacy_id=legacy_id,
                )
            )
            report.imported += 1
        return mapped

    @staticmethod
    def _endpoint(value: Any, context: MapContext, names: dict[str, str]) -> str | None:
        """The node of a relation end: a legacy entity id, or else an entity's name."""
        text = str(value or "").strip()
        return context.entities.get(text) or names.get(name_key(text))
