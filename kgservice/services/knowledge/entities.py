"""Entities: named things (projects, libraries, people...) with observations and aliases.

Names are unique per namespace by key (see :mod:`names`). An entity's text, embedded for
search and resolution, is its name, kind and observations. Creating an entity links the
existing texts that name it; new texts are linked as they are written (see :mod:`mentions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.consistency import text_of
from kgservice.services.keyset_pages import KeysetList
from kgservice.services.knowledge.mentions import MentionMatchers
from kgservice.services.knowledge.names import name_key, require_kind, require_name
from kgservice.services.node_records import record_from_node
from kgservice.services.nodes import nodes_of_table
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.services.validation import MAX_NAME, require_id, require_text
from kgservice.stores.graph import GraphStore

MAX_OBSERVATIONS = 100
MAX_OBSERVATION_CHARS = 2_000
MAX_ALIASES = 50
MAX_PROPERTIES_CHARS = 20_000
FILTER_FIELDS = {"name": "name", "kind": "kind", "namespace": "namespace"}
_ENTITIES = KeysetList("knowledge/entity_page", "knowledge/entity_count", "e", FILTER_FIELDS)


@dataclass(frozen=True)
class EntityRecord:
    """A stored entity."""

    id: str
    name: str
    name_key: str
    kind: str
    observations: tuple[str, ...]
    aliases: tuple[str, ...]
    properties: str | None
    namespace: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> Self:
        """Build from a stored Entity node."""
        return record_from_node(
            cls,
            node,
            name_key=node["name_key"] or name_key(node["name"]),
            kind=node["kind"] or "concept",
            observations=tuple(node["observations"] or ()),
            aliases=tuple(node["aliases"] or ()),
            updated_at=node["updated_at"] or node["created_at"],
        )

    @property
    def text(self) -> str:
        """The indexed text: name, kind and observations."""
        return entity_text(self.name, self.kind, self.observations)


def entity_text(name: str, kind: str, observations: Sequence[str]) -> str:
    """The text an entity is embedded by (the same one the backfill job uses)."""
    return text_of("Entity", {"name": name, "kind": kind, "observations": list(observations)})


def properties_json(value: Any) -> str:
    """Serialise entity properties (a JSON object) to text."""
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise InputError("properties", "must be an object")
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError("properties", f"is not JSON-serialisable: {exc}") from None
    if len(text) > MAX_PROPERTIES_CHARS:
        raise InputError("properties", f"must be at most {MAX_PROPERTIES_CHARS} characters")
    return text


def check_observations(observations: Sequence[str], *, already: int = 0) -> list[str]:
    """Return ``observations`` if each is non-empty and short enough and they are not too many."""
    if already + len(observations) > MAX_OBSERVATIONS:
        raise InputError("observations", f"at most {MAX_OBSERVATIONS} per entity")
    for position, text in enumerate(observations):
        require_text(f"observations[{position}]", text, max_length=MAX_OBSERVATION_CHARS)
    return list(observations)


def check_aliases(name: str, aliases: Sequence[str]) -> list[str]:
    """Validate aliases; drop repeats and those equal to the name (compared by key)."""
    if len(aliases) > MAX_ALIASES:
        raise InputError("aliases", f"at most {MAX_ALIASES}")
    seen = {name_key(name)}
    kept = []
    for position, alias in enumerate(aliases):
        require_name(f"aliases[{position}]", alias, MAX_NAME)
        key = name_key(alias)
        if key not in seen:
            seen.add(key)
            kept.append(alias)
    return kept


class EntityService:
    """Creates, changes and reads entities."""

    def __init__(self, graph: GraphStore, index: TextIndex, matchers: MentionMatchers) -> None:
        self.graph = graph
        self.index = index
        self.matchers = matchers

    def create(
        self,
        name: str,
        kind: str,
        *,
        observations: Sequence[str] = (),
        aliases: Sequence[str] = (),
        properties: dict[str, Any] | None = None,
        namespace: str = "default",
    ) -> EntityRecord:
        """Create an entity, embed it and link the existing texts that name it.

        The texts are linked after the entity commits, in transactions of their own; a
        crash in between leaves links that ``kgservice link-mentions`` adds.

        Raises:
            InputError: an invalid field (nothing is written).
            ConflictError: the namespace has an entity with this name key (``current``).
        """
        require_name("name", name, MAX_NAME)
        require_kind("kind", kind)
        observation_list = check_observations(observations)
        alias_list = check_aliases(name, aliases)
        properties_text = properties_json(properties)
        require_text("namespace", namespace, max_length=MAX_NAME)
        key = name_key(name)
        vectors = self.index.embed([entity_text(name, kind, observation_list)])
        entity_id = new_id("Entity")
        with self.graph.transaction() as tx:
            existing = tx.run("knowledge/entity_by_key", {"namespace": namespace, "name_key": key})
            if existing:
                raise ConflictError(
                    f"an entity named {name!r} exists in namespace {namespace!r}",
                    current=existing[0]["id"],
                )
            rows = tx.run(
                "knowledge/entity_create",
                {
                    "id": entity_id,
                    "namespace": namespace,
                    "now": utc_now(),
                    "name": name,
                    "name_key": key,
                    "kind": kind,
                    "observations": observation_list,
                    "aliases": alias_list,
                    "properties": properties_text,
                },
            )
        record = EntityRecord.from_node(rows[0]["node"])
        self.index.store([IndexedText(entity_id, "Entity", namespace, record.text)], vectors)
        self.matchers.add(namespace, entity_id, [name, *alias_list])
        self.matchers.link_entity(entity_id, namespace, [name, *alias_list])
        return record

    def add_observation(self, entity_id: str, text: str) -> EntityRecord:
        """Append an observation and re-embed the entity's text."""
        require_id("entityId", entity_id, "Entity")
        require_text("text", text, max_length=MAX_OBSERVATION_CHARS)
        current = self.get(entity_id)
        if current is None:
            raise NotFoundError(entity_id, "entity")
        wanted = [*current.observations, text]
        vectors = self.index.embed([entity_text(current.name, current.kind, wanted)])
        with self.graph.transaction() as tx:
            rows = tx.run("knowledge/entity_by_id", {"id": entity_id})
            if not rows:
                raise NotFoundError(entity_id, "entity")
            stored = list(rows[0]["node"]["observations"] or [])
            if len(stored) >= MAX_OBSERVATIONS:
                raise InputError("text", f"the entity has {MAX_OBSERVATIONS} observations already")
            rows = tx.run(
                "knowledge/entity_set_observations",
                {"id": entity_id, "observations": [*stored, text], "now": utc_now()},
            )
        record = EntityRecord.from_node(rows[0]["node"])
        if list(record.observations) != wanted:  # another write came in between: embed again
            vectors = self.index.embed([record.text])
        self.index.store([IndexedText(record.id, "Entity", record.namespace, record.text)], vectors)
        return record

    # -- reads -------------------------------------------------------------------------
    def get(self, entity_id: str) -> EntityRecord | None:
        """The entity with this id, or None."""
        rows = self.graph.run("knowledge/entity_by_id", {"id": entity_id})
        return EntityRecord.from_node(rows[0]["node"]) if rows else None

    def by_ids(self, entity_ids: Sequence[str]) -> dict[str, EntityRecord]:
        """Entities by id (missing ones left out)."""
        nodes = nodes_of_table(self.graph, "Entity", list(entity_ids))
        return {node["id"]: EntityRecord.from_node(node) for node in nodes}

    def find_by_name(self, name: str, namespace: str = "default") -> list[EntityRecord]:
        """Entities of the namespace whose name or an alias has the key of ``name``."""
        ids = self.matchers.lookup(namespace, name)
        return sorted(self.by_ids(sorted(ids)).values(), key=lambda record: record.id)

    def page(
        self,
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> list[EntityRecord]:
        """Up to ``limit`` entities between the id bounds matching ``where``, in page order."""
        nodes = _ENTITIES.page(self.graph, {}, after, before, limit, backward, where)
        return [EntityRecord.from_node(node) for node in nodes]

    def count(self, where: Mapping[str, Any] | None = None) -> int:
        """How many entities match ``where``."""
        return _ENTITIES.count(self.graph, {}, where)

    def mentioned_by(
        self, entity_id: str, after: str | None, limit: int
    ) -> list[tuple[str, dict[str, Any]]]:
        """A page of the texts mentioning an entity: ``(table, node)`` in id order."""
        rows = self.graph.run(
            "knowledge/mention_texts_of_entity",
            {"id": entity_id, "after_id": after or "", "limit": limit},
        )
        return [(row["label"], row["node"]) for row in rows]

    def count_mentions(self, entity_id: str) -> int:
        """How many texts mention an entity."""
        rows = self.graph.run("knowledge/mention_count_of_entity", {"id": entity_id})
        return int(rows[0]["count"])
