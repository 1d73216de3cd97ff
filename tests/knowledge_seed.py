"""Seeding entities, texts and mentions by COPY for knowledge tests (real stores, no mocks)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from kgservice.clock import utc_now
from kgservice.ids import new_id
from kgservice.services.consistency import text_of
from kgservice.services.knowledge.names import name_key
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.stores.graph import GraphStore


@dataclass(frozen=True)
class SeedEntity:
    """An entity to load."""

    name: str
    kind: str
    observations: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def entity_text(entity: SeedEntity) -> str:
    """The embedded text of an entity, as the service and the backfill write it."""
    return text_of(
        "Entity",
        {"name": entity.name, "kind": entity.kind, "observations": entity.observations},
    )


def seed_entities(
    graph: GraphStore,
    index: TextIndex | None,
    entities: Sequence[SeedEntity],
    namespace: str = "default",
) -> list[str]:
    """Load entities by COPY (and embed them when ``index`` is given); return their ids."""
    now = utc_now()
    ids = [new_id("Entity") for _ in entities]
    graph.copy_from_arrow(
        "Entity",
        pa.table(
            {
                "id": ids,
                "namespace": [namespace] * len(ids),
                "created_at": [now] * len(ids),
                "legacy_id": pa.array([None] * len(ids), pa.string()),
                "name": [e.name for e in entities],
                "name_key": [name_key(e.name) for e in entities],
                "kind": [e.kind for e in entities],
                "observations": pa.array([e.observations for e in entities], pa.list_(pa.string())),
                "aliases": pa.array([e.aliases for e in entities], pa.list_(pa.string())),
                "properties": pa.array([None] * len(ids), pa.string()),
                "updated_at": [now] * len(ids),
            }
        ),
    )
    if index is not None:
        index.index(
            [
                IndexedText(i, "Entity", namespace, entity_text(e))
                for i, e in zip(ids, entities, strict=True)
            ]
        )
    return ids


def mentioned(text: str, entities: Sequence[SeedEntity]) -> list[int]:
    """Positions of the entities whose name or alias occurs in ``text`` (word boundary)."""
    found = []
    for position, entity in enumerate(entities):
        names = [re.escape(n) for n in (entity.name, *entity.aliases)]
        if re.search(rf"(?<!\w)(?:{'|'.join(names)})(?!\w)", text, re.IGNORECASE):
            found.append(position)
    return found


def seed_texts(
    graph: GraphStore,
    texts: Sequence[str],
    entity_ids: Sequence[str],
    entities: Sequence[SeedEntity],
    namespace: str = "default",
) -> list[str]:
    """Load texts as Reflections with MENTIONS to the entities they name; return their ids."""
    now = utc_now()
    ids = [new_id("Reflection") for _ in texts]
    graph.copy_from_arrow(
        "Reflection",
        pa.table(
            {
                "id": ids,
                "namespace": [namespace] * len(ids),
                "created_at": [now] * len(ids),
                "legacy_id": pa.array([None] * len(ids), pa.string()),
                "content": list(texts),
                "tags": pa.array([[] for _ in ids], pa.list_(pa.string())),
                "importance": [0.5] * len(ids),
            }
        ),
    )
    pairs = [
        (text_id, entity_ids[position])
        for text_id, text in zip(ids, texts, strict=True)
        for position in mentioned(text, entities)
    ]
    if pairs:
        graph.copy_from_arrow(
            "MENTIONS",
            pa.table({"from": [p[0] for p in pairs], "to": [p[1] for p in pairs]}),
            pair=("Reflection", "Entity"),
        )
    return ids


#: A small world for discovery tests: a web project, its libraries, tests and services.
WORLD = [
    SeedEntity("webapp", "project", ["A web application for booking meeting rooms"]),
    SeedEntity("fastapi", "library", ["Web framework for building HTTP APIs with Python"]),
    SeedEntity("pydantic", "library", ["Data validation using Python type hints"]),
    SeedEntity("starlette", "library", ["Lightweight ASGI web framework and toolkit"]),
    SeedEntity("webapp-tests", "test", ["End-to-end tests of the booking web application"]),
    SeedEntity("postgres", "service", ["Relational database server"]),
    SeedEntity("sqlalchemy", "library", ["SQL toolkit and object relational mapper"]),
    SeedEntity("gardening", "concept", ["Growing vegetables and herbs in a backyard"]),
]
WORLD_TEXTS = [
    "fastapi depends on pydantic for request validation.",
    "fastapi is built on starlette and pydantic.",
    "webapp-tests tests webapp through its HTTP API.",
    "webapp connects to postgres to store bookings.",
    "webapp uses fastapi for its routes and sqlalchemy for the database.",
    "We moved webapp from flask to fastapi last spring.",
    "sqlalchemy talks to postgres through psycopg.",
]


def seed_world(
    graph: GraphStore, index: TextIndex | None, namespace: str = "default"
) -> dict[str, str]:
    """Load :data:`WORLD` and :data:`WORLD_TEXTS`; return entity ids by name."""
    ids = seed_entities(graph, index, WORLD, namespace)
    seed_texts(graph, WORLD_TEXTS, ids, WORLD, namespace)
    return {entity.name: entity_id for entity, entity_id in zip(WORLD, ids, strict=True)}
