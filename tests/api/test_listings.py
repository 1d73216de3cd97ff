"""projects, projectByName, conversations and reflections: pages, filters, namespaces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.api.auth import hash_secret, new_secret
from kgservice.embedding import Embedder
from kgservice.services.listings import Listings
from kgservice.settings import ApiKeyEntry, Settings
from tests.api.conftest import GraphQLClient

PROJECT = """mutation($name: String!, $ns: String!) { createProject(input: {name: $name, namespace: $ns}) {
  ... on CreateProjectPayload { project { id } } } }"""
CONVERSATION = """mutation($p: ID!, $c: String!) { storeConversation(input: {projectId: $p, content: $c}) {
  ... on StoreConversationPayload { conversation { id } } } }"""
REFLECTION = """mutation($p: ID!, $c: String!, $tags: [String!]!, $i: Float!) {
  storeReflection(input: {projectId: $p, content: $c, tags: $tags, importance: $i}) {
  ... on StoreReflectionPayload { reflection { id } } } }"""
PROJECTS = """query($where: ProjectWhere, $first: Int, $after: String, $last: Int, $before: String) {
  projects(where: $where, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    edges { cursor node { id name namespace } } } }"""
CONVERSATIONS = """query($p: ID!, $where: ConversationWhere, $first: Int, $after: String) {
  conversations(projectId: $p, where: $where, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id content projectId } } } }"""
REFLECTIONS = """query($p: ID!, $tags: [String!], $where: ReflectionWhere, $first: Int, $after: String) {
  reflections(projectId: $p, tags: $tags, where: $where, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id content tags importance } } } }"""


def make_project(gql: GraphQLClient, name: str, ns: str = "default") -> str:
    project_id: str = gql(PROJECT, name=name, ns=ns)["data"]["createProject"]["project"]["id"]
    return project_id


def names(body: dict[str, Any], field: str = "projects", key: str = "name") -> list[Any]:
    return [edge["node"][key] for edge in body["data"][field]["edges"]]


def test_projects_page_forward_and_backward(gql: GraphQLClient) -> None:
    for index in range(5):
        make_project(gql, f"p{index}", "default" if index % 2 == 0 else "other")
    first = gql(PROJECTS, first=2)
    assert names(first) == ["p0", "p1"]
    assert first["data"]["projects"]["totalCount"] == 5
    assert first["data"]["projects"]["pageInfo"]["hasNextPage"] is True
    second = gql(PROJECTS, first=2, after=first["data"]["projects"]["pageInfo"]["endCursor"])
    assert names(second) == ["p2", "p3"]
    assert second["data"]["projects"]["pageInfo"]["hasPreviousPage"] is True
    last = gql(PROJECTS, last=2)
    assert names(last) == ["p3", "p4"]
    before = gql(PROJECTS, last=2, before=last["data"]["projects"]["pageInfo"]["startCursor"])
    assert names(before) == ["p1", "p2"]
    filtered = gql(PROJECTS, where={"namespace": {"eq": "other"}})
    assert names(filtered) == ["p1", "p3"]
    assert filtered["data"]["projects"]["totalCount"] == 2
    either = gql(PROJECTS, where={"OR": [{"name": {"eq": "p0"}}, {"name": {"startsWith": "p4"}}]})
    assert names(either) == ["p0", "p4"]


def test_projects_bad_input_is_a_clear_error(gql: GraphQLClient) -> None:
    assert gql(PROJECTS, after="garbage!")["errors"][0]["message"] == "after: is not a valid cursor"
    assert gql(PROJECTS, first=101)["errors"][0]["message"] == "first: must be between 0 and 100"
    project = make_project(gql, "x")
    thread_cursor = gql(CONVERSATIONS, p=project, first=1)  # an empty list: no cursor
    assert thread_cursor["data"]["conversations"]["pageInfo"]["endCursor"] is None
    page = gql(PROJECTS, first=1)["data"]["projects"]["pageInfo"]["endCursor"]
    wrong_list = gql(CONVERSATIONS, p=project, after=page)
    assert "is not a cursor of this list" in wrong_list["errors"][0]["message"]


def test_project_by_name(gql: GraphQLClient) -> None:
    first = make_project(gql, "kg")
    make_project(gql, "kg")  # a later namesake
    other = make_project(gql, "kg", "other")
    query = "query($n: String!, $ns: String!) { projectByName(name: $n, namespace: $ns) { id } }"
    assert gql(query, n="kg", ns="default")["data"]["projectByName"]["id"] == first
    assert gql(query, n="kg", ns="other")["data"]["projectByName"]["id"] == other
    assert gql(query, n="nope", ns="default")["data"]["projectByName"] is None


def test_conversations_newest_first_with_filters_and_pages(gql: GraphQLClient) -> None:
    project = make_project(gql, "kg")
    elsewhere = make_project(gql, "other project")
    texts = [f"conversation number {i} about the embedding store and its vectors" for i in range(4)]
    for text in texts:
        gql(CONVERSATION, p=project, c=text)
    gql(CONVERSATION, p=elsewhere, c="a conversation that belongs to another project entirely")
    page = gql(CONVERSATIONS, p=project, first=3)
    assert names(page, "conversations", "content") == texts[::-1][:3]
    assert page["data"]["conversations"]["totalCount"] == 4
    assert {e["node"]["projectId"] for e in page["data"]["conversations"]["edges"]} == {project}
    cursor = page["data"]["conversations"]["pageInfo"]["endCursor"]
    rest = gql(CONVERSATIONS, p=project, first=3, after=cursor)
    assert names(rest, "conversations", "content") == [texts[0]]
    assert rest["data"]["conversations"]["pageInfo"]["hasNextPage"] is False
    matching = gql(CONVERSATIONS, p=project, where={"content": {"contains": "number 2"}})
    assert names(matching, "conversations", "content") == [texts[2]]


def test_reflections_by_tags_and_importance(gql: GraphQLClient) -> None:
    project = make_project(gql, "kg")
    gql(REFLECTION, p=project, c="use keyset cursors", tags=["api", "paging"], i=0.9)
    gql(REFLECTION, p=project, c="keep pages small", tags=["paging"], i=0.4)
    gql(REFLECTION, p=project, c="untagged lesson", tags=[], i=0.7)
    everything = gql(REFLECTIONS, p=project)
    assert names(everything, "reflections", "content") == [
        "untagged lesson",
        "keep pages small",
        "use keyset cursors",
    ]
    paging = gql(REFLECTIONS, p=project, tags=["paging"])
    assert names(paging, "reflections", "content") == ["keep pages small", "use keyset cursors"]
    both = gql(REFLECTIONS, p=project, tags=["paging", "api"])
    assert names(both, "reflections", "content") == ["use keyset cursors"]
    assert both["data"]["reflections"]["totalCount"] == 1
    important = gql(REFLECTIONS, p=project, where={"importance": {"gte": 0.5}})
    assert names(important, "reflections", "content") == ["untagged lesson", "use keyset cursors"]
    first = gql(REFLECTIONS, p=project, first=1)
    cursor = first["data"]["reflections"]["pageInfo"]["endCursor"]
    second = gql(REFLECTIONS, p=project, first=1, after=cursor)
    assert names(second, "reflections", "content") == ["keep pages small"]


TEAM_A, ADMIN = new_secret(), new_secret()


@pytest.fixture
def keyed(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    keys = [
        ApiKeyEntry(name="team-a", sha256=hash_secret(TEAM_A), scope="write", namespaces=["a"]),
        ApiKeyEntry(name="admin", sha256=hash_secret(ADMIN), scope="write"),
    ]
    with TestClient(
        create_app(settings.model_copy(update={"api_keys": keys}), embedder=embedder)
    ) as client:
        yield client


def test_namespace_scoped_keys_see_only_their_projects(keyed: TestClient) -> None:
    def post(secret: str, query: str, **variables: Any) -> dict[str, Any]:
        response = keyed.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {secret}"},
        )
        body: dict[str, Any] = response.json()
        return body

    mine = post(ADMIN, PROJECT, name="mine", ns="a")["data"]["createProject"]["project"]["id"]
    theirs = post(ADMIN, PROJECT, name="theirs", ns="b")["data"]["createProject"]["project"]["id"]
    post(ADMIN, CONVERSATION, p=theirs, c="a conversation of namespace b, long enough to keep")
    listed = post(TEAM_A, PROJECTS)
    assert names(listed) == ["mine"]
    assert listed["data"]["projects"]["totalCount"] == 1
    assert names(post(TEAM_A, PROJECTS, where={"name": {"eq": "theirs"}})) == []
    assert len(names(post(ADMIN, PROJECTS))) == 2
    refused = post(TEAM_A, CONVERSATIONS, p=theirs)
    assert "may not use node" in refused["errors"][0]["message"]
    by_name = post(TEAM_A, '{ projectByName(name: "theirs", namespace: "b") { id } }')
    assert "may not use namespace 'b'" in by_name["errors"][0]["message"]
    assert post(TEAM_A, CONVERSATIONS, p=mine)["data"]["conversations"]["totalCount"] == 0
    assert post(TEAM_A, "{ namespaces }")["data"]["namespaces"] == ["a"]
    assert post(ADMIN, "{ namespaces }")["data"]["namespaces"] == ["a", "b"]


def test_listings_service_directly(gql: GraphQLClient, http: TestClient) -> None:
    project = make_project(gql, "kg")
    gql(REFLECTION, p=project, c="a lesson", tags=["x"], i=0.5)
    listings: Listings = http.app.state.services.listings  # type: ignore[attr-defined]
    assert [p.name for p in listings.project_page(None, None, 10)] == ["kg"]
    assert listings.count_reflections(project, ["x"]) == 1
    assert listings.count_reflections(project, ["y"]) == 0
    assert listings.project_by_name("kg", "other") is None
