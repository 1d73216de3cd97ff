"""search over messages through GraphQL: why each hit ranks, and its surrounding turns."""

from __future__ import annotations

from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import ADD_MESSAGES, make_project, make_session, make_thread

SEARCH = """query($text: String!, $mode: SearchMode!, $window: Int!, $k: Int!, $rerank: Boolean) {
  search(text: $text, kinds: ["Message"], k: $k, mode: $mode, window: $window, rerank: $rerank) {
    score why { vector text }
    node { id ... on Message { content idx } }
    context { before { id ... on Message { content } } after { ... on Message { content } } } } }"""
TURNS = [
    "Mel: How was your weekend?",
    "Caroline: I adopted a puppy from the shelter!",
    "Mel: That is wonderful, what is its name?",
    "Caroline: Biscuit. He loves long walks by the river.",
    "Mel: I painted a sunrise over the lake.",
]


def store_turns(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    messages = [{"role": "user", "content": turn} for turn in TURNS]
    body = gql(ADD_MESSAGES, threadId=thread, messages=messages)
    assert body["data"]["addMessages"]["__typename"] == "AddMessagesPayload"


def test_hits_say_why_and_carry_their_window(gql: GraphQLClient) -> None:
    store_turns(gql)
    body = gql(SEARCH, text="adopting puppies", mode="HYBRID", window=1, k=5, rerank=False)
    hits = body["data"]["search"]
    top = hits[0]
    assert top["node"]["content"] == TURNS[1]
    assert top["why"]["text"] > 0
    assert 0 < top["why"]["vector"] <= 1
    assert [n["content"] for n in top["context"]["before"]] == [TURNS[0]]
    assert [n["content"] for n in top["context"]["after"]] == [TURNS[2]]
    # the turn after the puppy is found through its neighbour, below it
    second = hits[1]
    assert second["node"]["content"] in (TURNS[0], TURNS[2], TURNS[3])
    assert second["why"]["text"] < top["why"]["text"]
    wide = gql(SEARCH, text="sunrise painting", mode="TEXT", window=2, k=1)["data"]["search"]
    assert wide[0]["node"]["content"] == TURNS[4]
    assert wide[0]["why"] == {"vector": None, "text": wide[0]["score"]}
    assert [n["content"] for n in wide[0]["context"]["before"]] == TURNS[2:4]
    assert wide[0]["context"]["after"] == []


def test_without_a_window_there_is_no_context(gql: GraphQLClient) -> None:
    store_turns(gql)
    hits = gql(SEARCH, text="river walks", mode="VECTOR", window=0, k=2)["data"]["search"]
    assert all(hit["context"] is None for hit in hits)
    assert all(hit["why"]["text"] is None and hit["why"]["vector"] == hit["score"] for hit in hits)


def test_a_window_out_of_range_is_refused(gql: GraphQLClient) -> None:
    body = gql(SEARCH, text="puppy", mode="TEXT", window=11, k=3)
    assert body["errors"][0]["message"].startswith("window: must be between 0 and 10")
    body = gql(SEARCH, text="puppy", mode="TEXT", window=-1, k=3)
    assert body["errors"][0]["message"].startswith("window: must be between 0 and 10")
