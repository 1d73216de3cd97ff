"""Creating, changing and reading entities over real stores."""

from __future__ import annotations

import pytest

from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.knowledge.entities import MAX_OBSERVATIONS
from kgservice.services.registry import Services
from kgservice.stores.vector_lookups import vector_of


def test_create_and_read(services: Services) -> None:
    entity = services.entities.create(
        "Kuzu",
        "library",
        observations=["an embedded graph database"],
        aliases=["KuzuDB", "kuzu", "kuzu-db"],
        properties={"license": "MIT"},
    )
    assert entity.name_key == "kuzu"
    assert entity.aliases == ("KuzuDB", "kuzu-db")  # the name itself is not kept as alias
    assert services.entities.get(entity.id) == entity
    assert [e.id for e in services.entities.find_by_name("KUZU DB")] == [entity.id]
    assert [e.id for e in services.entities.find_by_name("kuzudb")] == [entity.id]
    assert services.entities.find_by_name("kuzu", namespace="other") == []
    assert vector_of(services.index.vectors, entity.id) is not None


def test_same_name_key_is_a_conflict_with_the_existing_id(services: Services) -> None:
    first = services.entities.create("session-buddy", "project")
    with pytest.raises(ConflictError) as caught:
        services.entities.create("Session Buddy", "tool")
    assert caught.value.current == first.id
    other = services.entities.create("Session Buddy", "tool", namespace="elsewhere")
    assert other.namespace == "elsewhere"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"kind": "Not A Kind"}, "kind"),
        ({"observations": ["x"] * (MAX_OBSERVATIONS + 1)}, "observations"),
        ({"observations": ["ok", "x" * 2001]}, "observations[1]"),
        ({"observations": [""]}, "observations[0]"),
        ({"aliases": ["ok", "  "]}, "aliases[1]"),
        ({"properties": {"x": float("nan")}}, "properties"),
        ({"namespace": ""}, "namespace"),
    ],
)
def test_invalid_input_writes_nothing(services: Services, kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    arguments = {"name": "thing", "kind": "concept", **kwargs}
    name, kind = arguments.pop("name"), arguments.pop("kind")
    with pytest.raises(InputError) as caught:
        services.entities.create(name, kind, **arguments)
    assert caught.value.field == field
    assert services.entities.count() == 0


def test_add_observation_re_embeds(services: Services) -> None:
    entity = services.entities.create("kgservice", "project")
    before = vector_of(services.index.vectors, entity.id)
    updated = services.entities.add_observation(entity.id, "serves a knowledge graph over GraphQL")
    assert updated.observations == ("serves a knowledge graph over GraphQL",)
    assert updated.updated_at >= entity.updated_at
    after = vector_of(services.index.vectors, entity.id)
    assert before is not None
    assert after is not None
    assert float(before @ after) < 0.999
    text = services.index.vectors.query(
        "SELECT text FROM node_text WHERE node_id = ?", (entity.id,)
    )[0][0]
    assert text == "kgservice (project): serves a knowledge graph over GraphQL"


def test_add_observation_errors(services: Services) -> None:
    with pytest.raises(NotFoundError):
        services.entities.add_observation(new_id("Entity"), "x")
    with pytest.raises(InputError):
        services.entities.add_observation(new_id("Message"), "x")
    entity = services.entities.create("e", "concept")
    with pytest.raises(InputError):
        services.entities.add_observation(entity.id, " ")


def test_pages_and_filters(services: Services) -> None:
    made = [services.entities.create(f"lib{i}", "library") for i in range(5)]
    made.append(services.entities.create("alice", "person"))
    page = services.entities.page(None, None, 3)
    assert [e.id for e in page] == [e.id for e in made[:3]]
    rest = services.entities.page(page[-1].id, None, 10)
    assert [e.id for e in rest] == [e.id for e in made[3:]]
    people = services.entities.page(None, None, 10, where={"kind": {"eq": "person"}})
    assert [e.name for e in people] == ["alice"]
    assert services.entities.count({"name": {"starts_with": "lib"}}) == 5
    assert services.entities.count({"namespace": {"eq": "nowhere"}}) == 0
