"""MENTIONS edges through GraphQL: made on write, word boundaries, listed per entity."""

from __future__ import annotations

from tests.api.conftest import GraphQLClient
from tests.api.test_entities import entity_id
from tests.api.test_memory import STORE_REFLECTION
from tests.api.test_sessions import ADD_MESSAGES, make_project, make_session, make_thread

MENTIONED_BY = """
query($id: ID!, $first: Int, $after: String) { entity(id: $id) {
  mentionedBy(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { __typename id ... on Message { content } ... on Reflection { content } } } } } }
"""


def mentions(gql: GraphQLClient, entity: str, first: int = 50) -> dict:  # type: ignore[type-arg]
    return dict(gql(MENTIONED_BY, id=entity, first=first)["data"]["entity"]["mentionedBy"])


def test_add_message_links_whole_words_only(gql: GraphQLClient) -> None:
    go = entity_id(gql, "go", "library")
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    messages = [
        {"role": "user", "content": "This looks good, going ahead."},
        {"role": "user", "content": "Port it to Go."},
        {"role": "assistant", "content": "GO is fine; go-routines too"},
    ]
    assert (
        gql(ADD_MESSAGES, threadId=thread, messages=messages)["data"]["addMessages"]["__typename"]
        == "AddMessagesPayload"
    )
    found = mentions(gql, go)
    assert found["totalCount"] == 2
    assert [e["node"]["content"] for e in found["edges"]] == [
        "Port it to Go.",
        "GO is fine; go-routines too",
    ]
    assert {e["node"]["__typename"] for e in found["edges"]} == {"Message"}


def test_store_reflection_links_names_and_aliases(gql: GraphQLClient) -> None:
    entity = entity_id(gql, "PostgreSQL", "service", aliases=["postgres"])
    project = make_project(gql)
    for content in ("Postgres needs VACUUM.", "postgresqlish and postgress do not count", "none"):
        body = gql(STORE_REFLECTION, content=content, projectId=project, tags=[], importance=0.5)
        assert body["data"]["storeReflection"]["__typename"] == "StoreReflectionPayload"
    found = mentions(gql, entity)
    assert [e["node"]["content"] for e in found["edges"]] == ["Postgres needs VACUUM."]
    assert found["edges"][0]["node"]["__typename"] == "Reflection"


def test_new_entity_links_earlier_texts_and_pages(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    messages = [{"role": "user", "content": f"pyarrow note {i}"} for i in range(5)]
    gql(ADD_MESSAGES, threadId=thread, messages=messages)
    entity = entity_id(gql, "PyArrow", "library")
    first = mentions(gql, entity, first=3)
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"]
    rest = gql(MENTIONED_BY, id=entity, first=3, after=first["pageInfo"]["endCursor"])
    assert len(rest["data"]["entity"]["mentionedBy"]["edges"]) == 2
