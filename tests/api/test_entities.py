"""Entities through GraphQL: create, observe, read, filter, page, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.embedding import Embedder
from kgservice.ids import new_id
from kgservice.settings import ApiKeyEntry, load_settings
from tests.api.conftest import GraphQLClient
from tests.api.test_auth import KEYS, TEAM_A, WRITER, post

ENTITY_FIELDS = "id name kind observations aliases properties namespace createdAt updatedAt"
CREATE_ENTITY = f"""
mutation($input: CreateEntityInput!) {{ createEntity(input: $input) {{
  __typename ... on EntityPayload {{ entity {{ {ENTITY_FIELDS} }} }}
  ... on ValidationError {{ field message }} ... on ConflictError {{ message current }} }} }}
"""
ADD_OBSERVATION = f"""
mutation($id: ID!, $text: String!) {{ addObservation(input: {{entityId: $id, text: $text}}) {{
  __typename ... on EntityPayload {{ entity {{ {ENTITY_FIELDS} }} }}
  ... on ValidationError {{ field message }} ... on NotFoundError {{ id }} }} }}
"""
ENTITIES = """
query($where: EntityWhere, $first: Int, $after: String) {
  entities(where: $where, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { name kind } } } }
"""
COUNT = "query { entities { totalCount } }"


def create_entity(gql: GraphQLClient, name: str, kind: str = "library", **extra: Any) -> Any:
    return gql(CREATE_ENTITY, input={"name": name, "kind": kind, **extra})["data"]["createEntity"]


def entity_id(gql: GraphQLClient, name: str, kind: str = "library", **extra: Any) -> str:
    return str(create_entity(gql, name, kind, **extra)["entity"]["id"])


def test_create_and_read_back(gql: GraphQLClient) -> None:
    made = create_entity(
        gql,
        "Kuzu",
        observations=["embedded graph database"],
        aliases=["KuzuDB"],
        properties={"license": "MIT"},
    )
    assert made["__typename"] == "EntityPayload"
    entity = made["entity"]
    assert entity["kind"] == "library"
    assert entity["aliases"] == ["KuzuDB"]
    assert entity["properties"] == {"license": "MIT"}
    assert entity["namespace"] == "default"
    read = gql(f'{{ entity(id: "{entity["id"]}") {{ {ENTITY_FIELDS} }} }}')["data"]["entity"]
    assert read == entity
    by_node = gql(f'{{ node(id: "{entity["id"]}") {{ __typename ... on Entity {{ name }} }} }}')
    assert by_node["data"]["node"] == {"__typename": "Entity", "name": "Kuzu"}
    found = gql('{ entitiesByName(name: " KUZUDB ") { id } }')["data"]["entitiesByName"]
    assert found == [{"id": entity["id"]}]
    assert gql(f'{{ entity(id: "{new_id("Entity")}") {{ id }} }}')["data"]["entity"] is None


def test_duplicate_name_is_a_conflict_carrying_the_existing_id(gql: GraphQLClient) -> None:
    first = entity_id(gql, "Session Buddy", "project")
    again = create_entity(gql, "session-buddy", "tool")
    assert again["__typename"] == "ConflictError"
    assert again["current"] == first
    assert gql(COUNT)["data"]["entities"]["totalCount"] == 1


def test_validation_errors_name_the_field_and_write_nothing(gql: GraphQLClient) -> None:
    cases = [
        ({"name": "  "}, "name"),
        ({"kind": "Bad Kind"}, "kind"),
        ({"observations": ["x"] * 101}, "observations"),
        ({"observations": ["x" * 2001]}, "observations[0]"),
        ({"aliases": [""]}, "aliases[0]"),
        ({"properties": [1, 2]}, "properties"),
    ]
    for override, field in cases:
        made = gql(CREATE_ENTITY, input={"name": "n", "kind": "concept", **override})
        assert made["data"]["createEntity"]["__typename"] == "ValidationError", field
        assert made["data"]["createEntity"]["field"] == field
    assert gql(COUNT)["data"]["entities"]["totalCount"] == 0


def test_add_observation(gql: GraphQLClient) -> None:
    entity = entity_id(gql, "numpy")
    added = gql(ADD_OBSERVATION, id=entity, text="arrays for Python")["data"]["addObservation"]
    assert added["entity"]["observations"] == ["arrays for Python"]
    hits = gql(
        '{ search(text: "arrays for python", kinds: ["Entity"], mode: VECTOR, k: 1) '
        "{ node { id } } }"
    )["data"]["search"]
    assert hits == [{"node": {"id": entity}}]
    missing = gql(ADD_OBSERVATION, id=new_id("Entity"), text="x")["data"]["addObservation"]
    assert missing["__typename"] == "NotFoundError"
    empty = gql(ADD_OBSERVATION, id=entity, text="")["data"]["addObservation"]
    assert empty == {
        "__typename": "ValidationError",
        "field": "text",
        "message": "must not be empty",
    }


def test_entities_filter_and_pages(gql: GraphQLClient) -> None:
    for i in range(5):
        entity_id(gql, f"lib-{i}")
    entity_id(gql, "alice", "person")
    entity_id(gql, "bob", "person", namespace="team")
    page = gql(ENTITIES, first=4)["data"]["entities"]
    assert page["totalCount"] == 7
    assert page["pageInfo"]["hasNextPage"]
    rest = gql(ENTITIES, first=4, after=page["pageInfo"]["endCursor"])["data"]["entities"]
    assert len(page["edges"]) + len(rest["edges"]) == 7
    assert not rest["pageInfo"]["hasNextPage"]
    people = gql(ENTITIES, where={"kind": {"eq": "person"}, "namespace": {"eq": "default"}})
    assert [e["node"]["name"] for e in people["data"]["entities"]["edges"]] == ["alice"]
    either = gql(
        ENTITIES, where={"OR": [{"name": {"startsWith": "lib-1"}}, {"name": {"eq": "bob"}}]}
    )
    assert either["data"]["entities"]["totalCount"] == 2
    bad = gql(ENTITIES, where={"name": {"eq": "x"}}, first=101)
    assert "first" in bad["errors"][0]["message"]


@pytest.fixture
def keyed(data_dir: Any, embedder: Embedder) -> Iterator[TestClient]:
    """The app with the API keys of test_auth (``TEAM_A`` is scoped to namespace ``a``)."""
    settings = load_settings(data_dir=data_dir, buffer_pool_mb=128, read_connections=2)
    keys = [ApiKeyEntry(**key) for key in KEYS]  # type: ignore[arg-type]
    with TestClient(
        create_app(settings.model_copy(update={"api_keys": keys}), embedder=embedder)
    ) as client:
        yield client


def test_namespace_scoped_keys_see_and_touch_only_their_entities(keyed: TestClient) -> None:
    def create(secret: str, name: str, namespace: str) -> Any:
        query = "mutation($input: CreateEntityInput!) { createEntity(input: $input) { __typename ... on EntityPayload { entity { id } } } }"
        return post(
            keyed, secret, query, input={"name": name, "kind": "tool", "namespace": namespace}
        )

    own = create(TEAM_A, "ours", "a")["data"]["createEntity"]["entity"]["id"]
    other = create(WRITER, "theirs", "b")["data"]["createEntity"]["entity"]["id"]
    assert "may not use namespace 'b'" in create(TEAM_A, "x", "b")["errors"][0]["message"]
    read = "query($id: ID!) { entity(id: $id) { id } }"
    assert post(keyed, TEAM_A, read, id=other)["data"]["entity"] is None
    assert post(keyed, TEAM_A, read, id=own)["data"]["entity"] == {"id": own}
    listed = post(keyed, TEAM_A, "{ entities { totalCount edges { node { id } } } }")
    assert listed["data"]["entities"] == {"totalCount": 1, "edges": [{"node": {"id": own}}]}
    merged = post(
        keyed,
        TEAM_A,
        "mutation($k: ID!, $d: ID!) { mergeEntities(input: {keep: $k, drop: $d}) { __typename } }",
        k=own,
        d=other,
    )
    assert "may not use node" in merged["errors"][0]["message"]
    observed = post(
        keyed,
        TEAM_A,
        'mutation($id: ID!) { addObservation(input: {entityId: $id, text: "x"}) { __typename } }',
        id=other,
    )
    assert "may not use node" in observed["errors"][0]["message"]
    candidates = post(keyed, TEAM_A, '{ duplicateCandidates(namespace: "b") { score } }')
    assert "may not use namespace" in candidates["errors"][0]["message"]
