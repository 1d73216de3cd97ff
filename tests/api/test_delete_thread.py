"""deleteThread removes the thread, its messages and their vectors, and nothing else."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import ADD_MESSAGES, make_project, make_session, make_thread

DELETE = """mutation($id: ID!) { deleteThread(input: {id: $id}) {
  __typename ... on DeleteThreadPayload { deletedId deletedMessageCount } ... on NotFoundError { id } } }"""


def test_delete_thread_leaves_the_rest(http: TestClient, gql: GraphQLClient) -> None:
    stores = http.app.state.stores  # type: ignore[attr-defined]
    session = make_session(gql, make_project(gql))
    doomed, kept = make_thread(gql, session, "doomed"), make_thread(gql, session, "kept")
    gql(
        ADD_MESSAGES,
        threadId=doomed,
        messages=[{"role": "user", "content": f"gone {i}"} for i in range(3)],
    )
    gql(
        ADD_MESSAGES,
        threadId=kept,
        messages=[{"role": "user", "content": f"kept {i}"} for i in range(2)],
    )
    before_nodes = {r["label"]: r["count"] for r in stores.graph.run("core/count_nodes")}
    assert stores.vectors.vector_count() == 5

    body = gql(DELETE, id=doomed)["data"]["deleteThread"]
    assert body == {
        "__typename": "DeleteThreadPayload",
        "deletedId": doomed,
        "deletedMessageCount": 3,
    }

    after_nodes = {r["label"]: r["count"] for r in stores.graph.run("core/count_nodes")}
    assert after_nodes["Message"] == before_nodes["Message"] - 3
    assert after_nodes["Thread"] == before_nodes["Thread"] - 1
    assert {k: v for k, v in after_nodes.items() if k not in ("Message", "Thread")} == {
        k: v for k, v in before_nodes.items() if k not in ("Message", "Thread")
    }
    assert stores.vectors.vector_count() == 2
    assert stores.vectors.text_count() == 2
    assert gql("query($id: ID!) { thread(id: $id) { id } }", id=doomed)["data"]["thread"] is None
    kept_page = gql("query($id: ID!) { thread(id: $id) { messageCount } }", id=kept)
    assert kept_page["data"]["thread"]["messageCount"] == 2
    assert gql(DELETE, id=doomed)["data"]["deleteThread"]["__typename"] == "NotFoundError"
