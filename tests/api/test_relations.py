"""Relations through GraphQL: create, conflicts, retire with asOf, review, paging, errors."""

from __future__ import annotations

from typing import Any

import pytest

from kgservice.ids import new_id
from tests.api.conftest import GraphQLClient

RELATION_FIELDS = """id fromId toId type confidence score method evidence status validFrom
  validTo jobId from { id } to { id }"""
CREATE = f"""
mutation($from: ID!, $to: ID!, $type: RelationType!, $confidence: Float!, $evidence: JSON) {{
  createRelation(input: {{from: $from, to: $to, type: $type, confidence: $confidence,
                          evidence: $evidence}}) {{
    __typename ... on RelationPayload {{ relation {{ {RELATION_FIELDS} }} }}
    ... on ValidationError {{ field message }} ... on NotFoundError {{ id }}
    ... on ConflictError {{ current }} }} }}
"""
RETIRE = """mutation($id: ID!) { retireRelation(input: {id: $id}) { __typename
  ... on RelationPayload { relation { id validTo } } ... on NotFoundError { id } } }"""
REVIEW = """mutation($id: ID!, $decision: ReviewDecision!) {
  reviewRelation(input: {id: $id, decision: $decision}) { __typename
  ... on RelationPayload { relation { id status } } ... on ConflictError { current } } }"""
RELATIONS = """query($e: ID!, $types: [RelationType!], $asOf: DateTime, $first: Int, $after: String) {
  relations(entityId: $e, types: $types, asOf: $asOf, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id type fromId toId } } } }"""


ENTITY = """mutation($input: CreateEntityInput!) { createEntity(input: $input) {
  ... on EntityPayload { entity { id } } } }"""


@pytest.fixture
def ids(gql: GraphQLClient) -> list[str]:
    entities = [("app", "project"), ("numpy", "library"), ("pytest", "tool"), ("redis", "service")]
    return [
        gql(ENTITY, input={"name": name, "kind": kind})["data"]["createEntity"]["entity"]["id"]
        for name, kind in entities
    ]


def create(gql: GraphQLClient, a: str, b: str, kind: str = "USES", **extra: Any) -> dict[str, Any]:
    variables: dict[str, Any] = {"from": a, "to": b, "type": kind, "confidence": 0.9, **extra}
    result: dict[str, Any] = gql(CREATE, **variables)["data"]["createRelation"]
    return result


def test_create_and_read_a_relation(gql: GraphQLClient, ids: list[str]) -> None:
    made = create(gql, ids[0], ids[1], evidence=["the lockfile"])
    assert made["__typename"] == "RelationPayload"
    relation = made["relation"]
    assert relation["type"] == "USES"
    assert relation["status"] == "ACCEPTED"
    assert relation["method"] == "manual"
    assert relation["evidence"] == ["the lockfile"]
    assert relation["from"]["id"] == ids[0]
    assert relation["to"]["id"] == ids[1]
    read = gql("query($id: ID!) { relation(id: $id) { id fromId } }", id=relation["id"])
    assert read["data"]["relation"] == {"id": relation["id"], "fromId": ids[0]}


def test_conflict_carries_the_existing_id(gql: GraphQLClient, ids: list[str]) -> None:
    first = create(gql, ids[0], ids[1])["relation"]["id"]
    again = create(gql, ids[0], ids[1])
    assert again == {"__typename": "ConflictError", "current": first}


def test_typed_errors_and_nothing_written(gql: GraphQLClient, ids: list[str]) -> None:
    assert create(gql, ids[0], ids[0])["__typename"] == "ValidationError"
    bad = create(gql, ids[0], ids[1], confidence=2.0)
    assert bad == {
        "__typename": "ValidationError",
        "field": "confidence",
        "message": bad["message"],
    }
    missing = new_id("Entity")
    assert create(gql, ids[0], missing) == {"__typename": "NotFoundError", "id": missing}
    listed = gql(RELATIONS, e=ids[0])["data"]["relations"]
    assert listed["totalCount"] == 0


def test_unknown_relation_type_filter_is_a_graphql_error(
    gql: GraphQLClient, ids: list[str]
) -> None:
    body = gql(RELATIONS, e=ids[0], types=["LIKES"])
    assert "LIKES" in body["errors"][0]["message"]


def test_retire_and_ask_as_of(gql: GraphQLClient, ids: list[str]) -> None:
    made = create(gql, ids[0], ids[1])["relation"]
    retired = gql(RETIRE, id=made["id"])["data"]["retireRelation"]
    assert retired["relation"]["validTo"] is not None
    assert gql(RELATIONS, e=ids[0])["data"]["relations"]["totalCount"] == 0
    then = gql(RELATIONS, e=ids[0], asOf=made["validFrom"])["data"]["relations"]
    assert [edge["node"]["id"] for edge in then["edges"]] == [made["id"]]
    assert gql(RETIRE, id=new_id())["data"]["retireRelation"]["__typename"] == "NotFoundError"


def test_relations_page_by_cursor(gql: GraphQLClient, ids: list[str]) -> None:
    made = [create(gql, ids[0], other)["relation"]["id"] for other in ids[1:]]
    first = gql(RELATIONS, e=ids[0], first=2)["data"]["relations"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"]
    rest = gql(RELATIONS, e=ids[0], first=2, after=first["pageInfo"]["endCursor"])
    page = rest["data"]["relations"]
    seen = [e["node"]["id"] for e in first["edges"]] + [e["node"]["id"] for e in page["edges"]]
    assert seen == sorted(made)
    assert not page["pageInfo"]["hasNextPage"]
    only_tests = gql(RELATIONS, e=ids[0], types=["TESTS"])["data"]["relations"]
    assert only_tests["totalCount"] == 0


def test_review_of_a_manual_relation_conflicts(gql: GraphQLClient, ids: list[str]) -> None:
    made = create(gql, ids[0], ids[1])["relation"]["id"]
    result = gql(REVIEW, id=made, decision="ACCEPT")["data"]["reviewRelation"]
    assert result == {"__typename": "ConflictError", "current": made}
