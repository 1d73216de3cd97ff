"""Merging entities moves everything and loses nothing; errors write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from kgservice.errors import InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.knowledge.merge import merge_entities
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.stores.vector_lookups import vector_of


def edges(services: Services) -> list[dict[str, Any]]:
    return services.stores.graph.execute_catalog(
        "MATCH (a:Entity)-[r:RELATED]->(b:Entity) RETURN a.id AS a, b.id AS b, r.id AS id, "
        "r.type AS type, r.confidence AS confidence, r.valid_to IS NULL AS current"
    )


def mention_count(services: Services) -> int:
    rows = services.stores.graph.execute_catalog(
        "MATCH ()-[m:MENTIONS]->(:Entity) RETURN count(m) AS n"
    )
    return int(rows[0]["n"])


def merge(services: Services, keep: str, drop: str) -> Any:
    return merge_entities(services.stores.graph, services.index, services.mentions, keep, drop)


def test_merge_moves_relations_mentions_observations_and_aliases(
    services: Services, thread_id: str
) -> None:
    create = services.entities.create
    keep = create("PostgreSQL", "service", observations=["a database"], aliases=["postgres"])
    drop = create("pg", "service", observations=["a database", "listens on 5432"], aliases=["psql"])
    app = create("billing", "project")
    lib = create("psycopg", "library")
    other = create("redis", "service")
    relate = services.relations.create
    relate(app.id, keep.id, "uses", confidence=0.5)
    relate(app.id, drop.id, "uses", confidence=0.9)  # duplicate after merge, higher confidence
    relate(lib.id, drop.id, "connects_to", confidence=0.7)
    relate(drop.id, other.id, "related_to", evidence=["both stores"])
    relate(drop.id, keep.id, "same_as")  # becomes a self-relation: dropped
    retired = relate(drop.id, app.id, "part_of")
    services.relations.retire(retired.id)
    messages = services.sessions.add_messages(
        thread_id,
        [
            NewMessage("user", "pg is down"),
            NewMessage("user", "PostgreSQL and pg both"),
            NewMessage("user", "nothing here"),
        ],
    )
    edges_before = edges(services)
    mentions_before = mention_count(services)

    result = merge(services, keep.id, drop.id)

    assert result.self_relations_dropped == 1
    assert (result.relations_moved, result.relations_retired, result.mentions_moved) == (4, 1, 1)
    entity = result.entity
    assert entity.observations == ("a database", "listens on 5432")
    assert entity.aliases == ("postgres", "pg", "psql")
    assert services.entities.get(drop.id) is None
    after = edges(services)
    assert len(after) == len(edges_before) - 1  # only the self-relation is gone
    assert {e["id"] for e in after} == {e["id"] for e in edges_before} - {
        e["id"] for e in edges_before if {e["a"], e["b"]} == {drop.id, keep.id}
    }
    assert all(drop.id not in (e["a"], e["b"]) for e in after)
    uses = [e for e in after if e["type"] == "uses"]
    assert [
        (e["confidence"], e["current"]) for e in sorted(uses, key=lambda e: -e["confidence"])
    ] == [
        (0.9, True),
        (0.5, False),
    ]
    assert sum(1 for e in after if e["type"] == "part_of" and not e["current"]) == 1
    assert mention_count(services) == mentions_before - 1  # the doubly-mentioning text
    linked = [node["id"] for _, node in services.entities.mentioned_by(keep.id, None, 10)]
    assert linked == [messages[0].id, messages[1].id]
    assert vector_of(services.index.vectors, drop.id) is None
    assert vector_of(services.index.vectors, keep.id) is not None
    assert [e.id for e in services.entities.find_by_name("psql")] == [keep.id]


def test_merge_errors_write_nothing(services: Services) -> None:
    a = services.entities.create("a", "concept", observations=["x"])
    b = services.entities.create("b", "concept")
    c = services.entities.create("c", "concept", namespace="other")
    with pytest.raises(InputError) as caught:
        merge(services, a.id, a.id)
    assert caught.value.field == "drop"
    with pytest.raises(NotFoundError):
        merge(services, a.id, new_id("Entity"))
    with pytest.raises(NotFoundError):
        merge(services, new_id("Entity"), b.id)
    with pytest.raises(InputError):
        merge(services, a.id, c.id)
    with pytest.raises(InputError):
        merge(services, a.id, new_id("Message"))
    assert services.entities.get(a.id) == a
    assert services.entities.get(b.id) == b
    assert services.entities.get(c.id) == c
