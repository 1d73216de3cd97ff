"""The rolling session chain through GraphQL."""

from __future__ import annotations

from kgservice.ids import new_id
from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import make_project, make_session

TRANSITION = """
mutation($projectId: ID!, $ext: String!, $source: TransitionSource!, $expected: ID) {
  recordSessionTransition(input: {projectId: $projectId, newExternalId: $ext, source: $source,
                                  expectedPrevious: $expected}) {
    __typename
    ... on RecordSessionTransitionPayload { session { id externalId } previous { id } created }
    ... on ConflictError { message current }
    ... on NotFoundError { id }
    ... on ValidationError { field message } } }
"""
CHAIN = """query($p: ID!) { sessionChain(projectId: $p) { previousId nextId source at } }"""
RESOLVE = """query($e: String!) { resolveSession(externalId: $e) {
  session { id } latest { id externalId } isStale } }"""


def transition(
    gql: GraphQLClient, project: str, ext: str, source: str = "COMPACT", expected: str | None = None
) -> dict:
    return gql(TRANSITION, projectId=project, ext=ext, source=source, expected=expected)["data"][
        "recordSessionTransition"
    ]


def test_chain_grows_and_latest_moves(gql: GraphQLClient) -> None:
    project = make_project(gql)
    first = transition(gql, project, "s1", "BUILD")
    assert first["created"] is True
    assert first["previous"] is None
    second = transition(gql, project, "s2", "COMPACT", expected=first["session"]["id"])
    assert second["previous"]["id"] == first["session"]["id"]
    third = transition(gql, project, "s3", "RESUME")
    chain = gql(CHAIN, p=project)["data"]["sessionChain"]
    assert [(c["previousId"], c["nextId"], c["source"]) for c in chain] == [
        (first["session"]["id"], second["session"]["id"], "COMPACT"),
        (second["session"]["id"], third["session"]["id"], "RESUME"),
    ]
    latest = gql(
        "query($id: ID!) { project(id: $id) { latestSession { externalId } } }", id=project
    )
    assert latest["data"]["project"]["latestSession"]["externalId"] == "s3"
    resolved = gql(RESOLVE, e="s1")["data"]["resolveSession"]
    assert resolved["isStale"] is True
    assert resolved["latest"]["externalId"] == "s3"
    assert gql(RESOLVE, e="s3")["data"]["resolveSession"]["isStale"] is False
    assert gql(RESOLVE, e="unknown")["data"]["resolveSession"] is None


def test_stale_expected_previous_changes_nothing(gql: GraphQLClient) -> None:
    project = make_project(gql)
    first = transition(gql, project, "a1")
    second = transition(gql, project, "a2")
    stale = transition(gql, project, "a3", expected=first["session"]["id"])
    assert stale["__typename"] == "ConflictError"
    assert stale["current"] == second["session"]["id"]
    assert len(gql(CHAIN, p=project)["data"]["sessionChain"]) == 1
    assert gql(RESOLVE, e="a3")["data"]["resolveSession"] is None  # no session was created


def test_existing_session_is_found_not_duplicated(gql: GraphQLClient) -> None:
    project = make_project(gql)
    existing = make_session(gql, project, "known")
    result = transition(gql, project, "known")
    assert result["created"] is False
    assert result["session"]["id"] == existing
    other = make_project(gql, "other")
    assert transition(gql, other, "known")["field"] == "newExternalId"


def test_transition_input_errors(gql: GraphQLClient) -> None:
    assert transition(gql, new_id("Project"), "x")["__typename"] == "NotFoundError"
    body = gql(TRANSITION, projectId=make_project(gql), ext="x", source="NOPE", expected=None)
    assert "NOPE" in body["errors"][0]["message"]
