"""Conversations, checkpoints, reflections and their stats through GraphQL."""

from __future__ import annotations

from starlette.testclient import TestClient

from kgservice.ids import new_id
from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import ADD_MESSAGES, make_project, make_session, make_thread

STORE_CONVERSATION = """
mutation($content: String!, $projectId: ID!, $sessionId: ID, $metadata: JSON) {
  storeConversation(input: {content: $content, projectId: $projectId, sessionId: $sessionId,
                            metadata: $metadata}) {
    __typename ... on StoreConversationPayload { conversation { id content metadata sessionId } }
    ... on ValidationError { field message } ... on NotFoundError { id } } }
"""
STORE_REFLECTION = """
mutation($content: String!, $projectId: ID!, $tags: [String!]!, $importance: Float!) {
  storeReflection(input: {content: $content, projectId: $projectId, tags: $tags,
                          importance: $importance}) {
    __typename ... on StoreReflectionPayload { reflection { id content tags importance } }
    ... on ValidationError { field message } } }
"""
CHECKPOINT = """
mutation($threadId: ID!) { storeConversationCheckpoint(input: {threadId: $threadId}) {
  __typename ... on StoreConversationPayload { conversation { id content threadId sessionId metadata } }
  ... on ValidationError { field message } ... on NotFoundError { id } } }
"""
STATS = """query($p: ID) { conversationStats(project: $p) { conversations reflections embedded
  embeddingCoverage projects { projectName conversations reflections } lastSevenDays: last7Days { day count } } }"""
LONG = "We decided to keep the vector store beside the graph and treat the graph as truth. " * 2


def test_store_conversation_as_given(gql: GraphQLClient) -> None:
    project = make_project(gql)
    session = make_session(gql, project)
    content = "  " + LONG + "\n\tkept exactly  "
    body = gql(
        STORE_CONVERSATION,
        content=content,
        projectId=project,
        sessionId=session,
        metadata={"agent": "claude"},
    )["data"]["storeConversation"]
    assert body["conversation"]["content"] == content
    assert body["conversation"]["metadata"] == {"agent": "claude"}
    assert body["conversation"]["sessionId"] == session


def test_conversation_length_bounds(http: TestClient, gql: GraphQLClient) -> None:
    project = make_project(gql)
    short = gql(STORE_CONVERSATION, content="too short", projectId=project)["data"][
        "storeConversation"
    ]
    assert short == {
        "__typename": "ValidationError",
        "field": "content",
        "message": "must be at least 50 characters (got 9)",
    }
    long = gql(STORE_CONVERSATION, content="x" * 50_001, projectId=project)["data"][
        "storeConversation"
    ]
    assert long["field"] == "content"
    stats = gql(STATS, p=project)["data"]["conversationStats"]
    assert stats["conversations"] == 0  # nothing stored
    other = gql(STORE_CONVERSATION, content=LONG, projectId=project, sessionId=new_id("Session"))
    assert other["data"]["storeConversation"]["__typename"] == "NotFoundError"


def test_checkpoint_of_a_thread(gql: GraphQLClient) -> None:
    project = make_project(gql)
    session = make_session(gql, project)
    thread = make_thread(gql, session)
    empty = gql(CHECKPOINT, threadId=thread)["data"]["storeConversationCheckpoint"]
    assert empty["__typename"] == "ValidationError"
    gql(
        ADD_MESSAGES,
        threadId=thread,
        messages=[
            {"role": "user", "content": "How should we store embeddings next to the graph?"},
            {"role": "assistant", "content": "Keep a vec0 table keyed by node id, graph is truth."},
        ],
    )
    body = gql(CHECKPOINT, threadId=thread)["data"]["storeConversationCheckpoint"]["conversation"]
    assert body["threadId"] == thread
    assert body["sessionId"] == session
    assert body["content"].startswith("user: How should we store")
    assert "\n\nassistant: Keep a vec0" in body["content"]
    assert body["metadata"]["messages"] == 2


def test_reflections_and_stats(gql: GraphQLClient) -> None:
    project = make_project(gql, "memory")
    gql(STORE_CONVERSATION, content=LONG, projectId=project)
    reflection = gql(
        STORE_REFLECTION,
        content="Prefer keyset cursors over offsets.",
        projectId=project,
        tags=["api", "graphql"],
        importance=0.9,
    )
    assert reflection["data"]["storeReflection"]["reflection"]["tags"] == ["api", "graphql"]
    bad = gql(STORE_REFLECTION, content="x", projectId=project, tags=[], importance=1.5)
    assert bad["data"]["storeReflection"] == {
        "__typename": "ValidationError",
        "field": "importance",
        "message": "must be between 0 and 1",
    }
    stats = gql(STATS, p=project)["data"]["conversationStats"]
    assert (stats["conversations"], stats["reflections"], stats["embedded"]) == (1, 1, 2)
    assert stats["embeddingCoverage"] == 1.0
    assert stats["projects"] == [{"projectName": "memory", "conversations": 1, "reflections": 1}]
    assert len(stats["lastSevenDays"]) == 7
    assert stats["lastSevenDays"][-1]["count"] == 2
    everything = gql(STATS, p=None)["data"]["conversationStats"]
    assert everything["conversations"] >= 1
