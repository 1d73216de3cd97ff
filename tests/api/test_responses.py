"""Whole pages over HTTP: the plain-field executor and the JSON encoding of responses."""

from __future__ import annotations

import base64
import json

from starlette.testclient import TestClient

from tests.api.conftest import GraphQLClient
from tests.api.test_delete_thread import DELETE
from tests.api.test_sessions import (
    ADD_MESSAGE,
    ADD_MESSAGES,
    MESSAGES,
    make_project,
    make_session,
    make_thread,
    make_thread_with_messages,
)

PAGE = """
query($id: ID!, $after: String) { thread(id: $id) {
  messages(first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id idx role content metadata createdAt
                          again: content ... on Message { namespace } } } } } }
"""


def test_a_page_of_100_messages_reads_back_every_field(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    sent = [
        {
            "role": ("user", "assistant", "system")[i % 3],
            "content": f'message {i} ✓ "quoted" \\ {"x" * (i % 7)}',
            "metadata": {"i": i, "tags": ["a", None], "big": 2**70} if i % 4 == 0 else None,
        }
        for i in range(130)
    ]
    added = gql(ADD_MESSAGES, threadId=thread, messages=sent)["data"]["addMessages"]["added"]
    assert len(added) == 130
    first = gql(PAGE, id=thread)["data"]["thread"]["messages"]
    second = gql(PAGE, id=thread, after=first["pageInfo"]["endCursor"])["data"]["thread"]
    edges = first["edges"] + second["messages"]["edges"]
    assert first["totalCount"] == 130
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["messages"]["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["idx"] for e in edges] == list(range(130))
    for edge, message in zip(edges, sent, strict=True):
        node = edge["node"]
        assert node["__typename"] == "Message"
        assert node["content"] == node["again"] == message["content"]
        assert node["role"] == message["role"]
        assert node["metadata"] == message["metadata"]  # 2**70 survives the encoding
        assert node["namespace"] == "default"
        assert node["createdAt"].startswith("20")
        assert base64.urlsafe_b64decode(edge["cursor"]).decode() == f"v1:message:{node['idx']}"


def test_errors_inside_a_page_are_reported_with_their_path(gql: GraphQLClient) -> None:
    body = gql(
        '{ thread(id: "01J0000000000000000000000Z") { messages { edges { node { id } } } } }'
    )
    assert body["data"] == {"thread": None}


def test_responses_are_compact_json(http: TestClient) -> None:
    response = http.post("/graphql", json={"query": "{ version { service } }"})
    assert response.headers["content-type"] == "application/json"
    assert response.text == json.dumps(response.json(), separators=(",", ":"), ensure_ascii=False)


def test_pages_read_again_after_appends_and_deletes_are_current(gql: GraphQLClient) -> None:
    thread = make_thread_with_messages(gql, 3)
    for expected in (3, 4, 5):
        page = gql(MESSAGES, id=thread, last=10)["data"]["thread"]["messages"]
        assert [e["node"]["idx"] for e in page["edges"]] == list(range(expected))
        assert gql(MESSAGES, id=thread, last=10)["data"]["thread"]["messages"] == page
        gql(ADD_MESSAGE, threadId=thread, role="user", content=f"later {expected}")
    assert gql(DELETE, id=thread)["data"]["deleteThread"]["deletedMessageCount"] == 6
    assert gql(MESSAGES, id=thread, last=10)["data"]["thread"] is None


def test_a_kept_page_answers_each_request_with_its_own_page_info(gql: GraphQLClient) -> None:
    """`before` at the end of the thread reads the same kept page as no `before`."""
    thread = make_thread_with_messages(gql, 3)
    at_end = base64.urlsafe_b64encode(b"v1:message:3").decode()
    for _ in range(2):  # the second round is answered from the kept page and its views
        plain = gql(MESSAGES, id=thread, last=2)["data"]["thread"]["messages"]
        bounded = gql(MESSAGES, id=thread, last=2, before=at_end)["data"]["thread"]["messages"]
        assert [e["node"]["idx"] for e in plain["edges"]] == [1, 2]
        assert bounded["edges"] == plain["edges"]
        assert plain["pageInfo"]["hasNextPage"] is False
        assert bounded["pageInfo"]["hasNextPage"] is True  # a `before` was given
        assert plain["pageInfo"]["hasPreviousPage"] is bounded["pageInfo"]["hasPreviousPage"]


def test_request_bodies_decode_as_json_decodes_them(gql: GraphQLClient, http: TestClient) -> None:
    """Integers beyond 64 bits stay integers; what json refuses is still a 400."""
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    big = {"huge": 2**70 + 1, "negative": -(2**63) - 1, "edge": 2**63 - 1, "real": 0.1, "s": "é"}
    body = json.dumps(
        {
            "query": ADD_MESSAGES,
            "variables": {
                "threadId": thread,
                "messages": [{"role": "user", "content": "numbers", "metadata": big}],
            },
        }
    )
    response = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    added = response.json()["data"]["addMessages"]["added"]
    assert added[0]["metadata"] == big
    for bad in (b"{", b'{"query": "{ version { service } }",}', "\ufeff".encode() + b"{"):
        refused = http.post("/graphql", content=bad, headers={"content-type": "application/json"})
        assert refused.status_code == 400, bad
    nan = b'{"query": "{ version { service } }", "variables": {"x": NaN}}'
    accepted = http.post("/graphql", content=nan, headers={"content-type": "application/json"})
    assert accepted.json()["data"]["version"]["service"]


def test_other_selections_of_a_kept_page_get_their_own_fields(gql: GraphQLClient) -> None:
    thread = make_thread_with_messages(gql, 3)
    shapes = [
        "query($id: ID!) { thread(id: $id) { messages { edges { node { idx } } } } }",
        "query($id: ID!) { thread(id: $id) { messages { edges { node { content } } } } }",
        "query($id: ID!) { thread(id: $id) { messages { totalCount edges { cursor } } } }",
    ]
    answers = [gql(shape, id=thread)["data"]["thread"]["messages"] for shape in shapes * 2]
    assert answers[:3] == answers[3:]  # read again from the kept page, the same
    assert [e["node"] for e in answers[0]["edges"]] == [{"idx": i} for i in range(3)]
    assert list(answers[1]["edges"][0]["node"]) == ["content"]
    assert answers[2]["totalCount"] == 3
    assert list(answers[2]["edges"][0]) == ["cursor"]
