"""Duplicate candidates, same_as proposals and merges through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kgservice.ids import new_id
from tests.api.conftest import GraphQLClient
from tests.api.test_entities import ENTITY_FIELDS, entity_id
from tests.api.test_sessions import ADD_MESSAGES, make_project, make_session, make_thread

CANDIDATES = """
query($threshold: Float!) { duplicateCandidates(threshold: $threshold, first: 10) {
  a { name } b { name } stage score explanation } }
"""
MERGE = f"""
mutation($keep: ID!, $drop: ID!) {{ mergeEntities(input: {{keep: $keep, drop: $drop}}) {{
  __typename ... on MergeEntitiesPayload {{ entity {{ {ENTITY_FIELDS} }} droppedId
    relationsMoved relationsRetired selfRelationsDropped mentionsMoved }}
  ... on ValidationError {{ field message }} ... on NotFoundError {{ id }} }} }}
"""
CREATE_RELATION = """
mutation($from: ID!, $to: ID!, $type: RelationType!, $confidence: Float!) {
  createRelation(input: {from: $from, to: $to, type: $type, confidence: $confidence}) {
    __typename } }
"""
PROPOSE = """
mutation { proposeSameAs(input: {threshold: 0.8}) { __typename
  ... on ProposeSameAsPayload { relationIds } ... on ValidationError { field } } }
"""
TOTALS = """
query($id: ID!) { entity(id: $id) { observations aliases mentionedBy { totalCount } } }
"""


def related_count(gql: GraphQLClient, entity: str, as_of: str | None = None) -> int:
    body = gql(
        "query($id: ID!, $asOf: DateTime) { relations(entityId: $id, asOf: $asOf) { totalCount } }",
        id=entity,
        asOf=as_of,
    )
    return int(body["data"]["relations"]["totalCount"])


def test_candidates_from_every_stage(gql: GraphQLClient) -> None:
    entity_id(gql, "PostgreSQL", "service", aliases=["pg"])
    entity_id(gql, "pg", "tool")
    entity_id(gql, "knowledge-graph-service", "project")
    entity_id(gql, "knowledge graph services", "project")
    same = ["a car: a road vehicle with an engine"]
    entity_id(gql, "automobile", "concept", observations=same)
    entity_id(gql, "motorcar", "concept", observations=same)
    found = gql(CANDIDATES, threshold=0.8)["data"]["duplicateCandidates"]
    assert [c["stage"] for c in found] == ["NAME", "MINHASH", "EMBEDDING"]
    assert {found[0]["a"]["name"], found[0]["b"]["name"]} == {"PostgreSQL", "pg"}
    assert all(0.8 <= c["score"] <= 1.0 and c["explanation"] for c in found)
    bad = gql(CANDIDATES, threshold=2.0)
    assert "threshold" in bad["errors"][0]["message"]


def test_propose_same_as_is_idempotent(gql: GraphQLClient) -> None:
    entity_id(gql, "typer", "library", aliases=["typer-cli"])
    entity_id(gql, "Typer CLI", "tool")
    first = gql(PROPOSE)["data"]["proposeSameAs"]
    assert len(first["relationIds"]) == 1
    assert gql(PROPOSE)["data"]["proposeSameAs"]["relationIds"] == []


def test_merge_loses_nothing(gql: GraphQLClient) -> None:
    keep = entity_id(gql, "PostgreSQL", "service", observations=["a database"])
    drop = entity_id(gql, "pg", "service", observations=["port 5432"], aliases=["psql"])
    app = entity_id(gql, "billing", "project")
    tool = entity_id(gql, "pgbouncer", "tool")
    for source, target, kind, confidence in [
        (app, keep, "USES", 0.4),
        (app, drop, "USES", 0.9),
        (tool, drop, "CONNECTS_TO", 1.0),
        (drop, app, "PART_OF", 1.0),
    ]:
        made = gql(
            CREATE_RELATION, **{"from": source, "to": target, "type": kind}, confidence=confidence
        )
        assert made["data"]["createRelation"]["__typename"] == "RelationPayload", made
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    texts = ["pg restarted", "psql prompt", "PostgreSQL docs", "pg vs PostgreSQL"]
    gql(ADD_MESSAGES, threadId=thread, messages=[{"role": "user", "content": t} for t in texts])
    before: dict[str, Any] = {
        "keep": gql(TOTALS, id=keep)["data"]["entity"],
        "drop": gql(TOTALS, id=drop)["data"]["entity"],
    }
    edges_before = related_count(gql, keep) + related_count(gql, drop)
    moment = datetime.now(UTC).isoformat()

    merged = gql(MERGE, keep=keep, drop=drop)["data"]["mergeEntities"]

    assert merged["__typename"] == "MergeEntitiesPayload"
    assert merged["droppedId"] == drop
    assert (merged["relationsMoved"], merged["relationsRetired"]) == (3, 1)
    after = gql(TOTALS, id=keep)["data"]["entity"]
    assert len(after["observations"]) == len(before["keep"]["observations"]) + len(
        before["drop"]["observations"]
    )
    assert after["aliases"] == ["pg", "psql"]
    texts_mentioning = {"pg restarted", "psql prompt", "PostgreSQL docs", "pg vs PostgreSQL"}
    assert after["mentionedBy"]["totalCount"] == len(texts_mentioning)
    # every edge is still there (as of before the merge); the weaker duplicate `uses` edge
    # is retired, not deleted, so one fewer is current
    assert edges_before == 4
    assert related_count(gql, keep, as_of=moment) == 4
    assert related_count(gql, keep) == 3
    assert gql(f'{{ entity(id: "{drop}") {{ id }} }}')["data"]["entity"] is None


def test_merge_errors_write_nothing(gql: GraphQLClient) -> None:
    a = entity_id(gql, "a", "concept")
    b = entity_id(gql, "b", "concept", namespace="other")
    same = gql(MERGE, keep=a, drop=a)["data"]["mergeEntities"]
    assert same["__typename"] == "ValidationError"
    assert same["field"] == "drop"
    unknown = gql(MERGE, keep=a, drop=new_id("Entity"))["data"]["mergeEntities"]
    assert unknown["__typename"] == "NotFoundError"
    across = gql(MERGE, keep=a, drop=b)["data"]["mergeEntities"]
    assert across["__typename"] == "ValidationError"
    assert gql(f'{{ entity(id: "{b}") {{ id }} }}')["data"]["entity"] == {"id": b}
    assert gql("{ entities { totalCount } }")["data"]["entities"]["totalCount"] == 2


def test_threshold_outside_the_unit_interval_is_a_validation_error(gql: GraphQLClient) -> None:
    body = gql(
        "mutation { proposeSameAs(input: {threshold: 1.5}) { __typename "
        "... on ValidationError { field } } }"
    )
    assert body["data"]["proposeSameAs"] == {"__typename": "ValidationError", "field": "threshold"}
