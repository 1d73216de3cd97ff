"""Projects, sessions, threads and messages through GraphQL over HTTP."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from kgservice.ids import new_id
from tests.api.conftest import GraphQLClient

CREATE_PROJECT = """
mutation($name: String!) { createProject(input: {name: $name}) {
  __typename ... on CreateProjectPayload { project { id name namespace } }
  ... on ValidationError { field message } } }
"""
CREATE_SESSION = """
mutation($projectId: ID!, $externalId: String!) {
  createSession(input: {projectId: $projectId, externalId: $externalId, agent: "claude"}) {
    __typename ... on CreateSessionPayload { session { id externalId project { id } } }
    ... on ConflictError { message current } ... on NotFoundError { id }
    ... on ValidationError { field message } } }
"""
CREATE_THREAD = """
mutation($sessionId: ID!, $name: String!) { createThread(input: {sessionId: $sessionId, name: $name}) {
  __typename ... on ThreadPayload { thread { id name status messageCount } }
  ... on NotFoundError { id } ... on ValidationError { field message } } }
"""
ADD_MESSAGE = """
mutation($threadId: ID!, $role: String!, $content: String!) {
  addMessage(input: {threadId: $threadId, role: $role, content: $content}) {
    __typename ... on AddMessagePayload { added { id idx role content } }
    ... on ValidationError { field message } ... on NotFoundError { id } } }
"""
ADD_MESSAGES = """
mutation($threadId: ID!, $messages: [MessageInput!]!) {
  addMessages(input: {threadId: $threadId, messages: $messages}) {
    __typename ... on AddMessagesPayload { added { idx content metadata } }
    ... on ValidationError { field message } } }
"""
MESSAGES = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  thread(id: $id) { messageCount updatedAt
    messages(first: $first, after: $after, last: $last, before: $before) {
      totalCount edges { cursor node { idx content } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }
"""


def make_project(gql: GraphQLClient, name: str = "kg") -> str:
    return str(gql(CREATE_PROJECT, name=name)["data"]["createProject"]["project"]["id"])


def make_session(gql: GraphQLClient, project: str, external: str | None = None) -> str:
    body = gql(CREATE_SESSION, projectId=project, externalId=external or new_id())
    return str(body["data"]["createSession"]["session"]["id"])


def make_thread(gql: GraphQLClient, session: str, name: str = "main") -> str:
    body = gql(CREATE_THREAD, sessionId=session, name=name)
    return str(body["data"]["createThread"]["thread"]["id"])


def make_thread_with_messages(gql: GraphQLClient, count: int) -> str:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    messages = [{"role": "user", "content": f"message {i}"} for i in range(count)]
    assert (
        gql(ADD_MESSAGES, threadId=thread, messages=messages)["data"]["addMessages"]["__typename"]
        == "AddMessagesPayload"
    )
    return thread


def test_project_session_thread_message(gql: GraphQLClient) -> None:
    project = make_project(gql)
    body = gql(CREATE_SESSION, projectId=project, externalId="ext-1")
    session = body["data"]["createSession"]["session"]
    assert session["externalId"] == "ext-1"
    assert session["project"]["id"] == project
    thread = make_thread(gql, session["id"])
    first = gql(ADD_MESSAGE, threadId=thread, role="user", content="How do I use Kuzu?")
    assert first["data"]["addMessage"]["added"]["idx"] == 0
    second = gql(ADD_MESSAGE, threadId=thread, role="assistant", content="  as given  ")
    assert second["data"]["addMessage"]["added"] == {
        "id": second["data"]["addMessage"]["added"]["id"],
        "idx": 1,
        "role": "assistant",
        "content": "  as given  ",
    }
    page = gql(MESSAGES, id=thread)["data"]["thread"]
    assert page["messageCount"] == 2
    assert [e["node"]["idx"] for e in page["messages"]["edges"]] == [0, 1]
    latest = gql("query($id: ID!) { project(id: $id) { latestSession { id } } }", id=project)
    assert latest["data"]["project"]["latestSession"]["id"] == session["id"]


def test_add_messages_batch_and_metadata(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    body = gql(
        ADD_MESSAGES,
        threadId=thread,
        messages=[
            {"role": "user", "content": "one", "metadata": {"tool": "grep"}},
            {"role": "assistant", "content": "two"},
        ],
    )
    messages = body["data"]["addMessages"]["added"]
    assert [(m["idx"], m["content"], m["metadata"]) for m in messages] == [
        (0, "one", {"tool": "grep"}),
        (1, "two", None),
    ]


def test_updated_at_moves_with_messages(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    before = gql(MESSAGES, id=thread)["data"]["thread"]["updatedAt"]
    gql(ADD_MESSAGE, threadId=thread, role="user", content="x")
    assert gql(MESSAGES, id=thread)["data"]["thread"]["updatedAt"] > before


def test_message_pages_walk_forward_and_backward(gql: GraphQLClient) -> None:
    thread = make_thread_with_messages(gql, 7)
    seen: list[int] = []
    after = None
    while True:
        page = gql(MESSAGES, id=thread, first=3, after=after)["data"]["thread"]["messages"]
        seen += [e["node"]["idx"] for e in page["edges"]]
        assert page["totalCount"] == 7
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(range(7))
    tail = gql(MESSAGES, id=thread, last=2)["data"]["thread"]["messages"]
    assert [e["node"]["idx"] for e in tail["edges"]] == [5, 6]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    earlier = gql(MESSAGES, id=thread, last=2, before=tail["pageInfo"]["startCursor"])
    assert [e["node"]["idx"] for e in earlier["data"]["thread"]["messages"]["edges"]] == [3, 4]


def test_bad_cursors_and_page_sizes(gql: GraphQLClient) -> None:
    thread = make_thread_with_messages(gql, 2)
    for args, message in [
        ({"after": "garbage!"}, "after: is not a valid cursor"),
        ({"first": 101}, "first: must be between 0 and 100"),
        ({"first": 1, "last": 1}, "first: use either first or last, not both"),
    ]:
        body = gql(MESSAGES, id=thread, **args)
        assert body["errors"][0]["message"] == message
    thread_cursor = gql(
        "query($id: ID!) { thread(id: $id) { id } }", id=thread
    )  # a cursor of another list is refused too
    assert thread_cursor["data"]["thread"]["id"] == thread


def test_validation_errors_name_the_field(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    bad_role = gql(ADD_MESSAGE, threadId=thread, role="tool", content="x")["data"]["addMessage"]
    assert bad_role == {
        "__typename": "ValidationError",
        "field": "role",
        "message": "must be one of assistant, system, user (got 'tool')",
    }
    batch = gql(
        ADD_MESSAGES,
        threadId=thread,
        messages=[{"role": "user", "content": "fine"}, {"role": "robot", "content": "x"}],
    )
    assert batch["data"]["addMessages"]["field"] == "messages[1].role"
    assert gql(MESSAGES, id=thread)["data"]["thread"]["messageCount"] == 0  # nothing written
    missing = gql(ADD_MESSAGE, threadId=new_id("Thread"), role="user", content="x")
    assert missing["data"]["addMessage"]["__typename"] == "NotFoundError"
    wrong_kind = gql(ADD_MESSAGE, threadId=new_id("Session"), role="user", content="x")
    assert wrong_kind["data"]["addMessage"] == {
        "__typename": "ValidationError",
        "field": "threadId",
        "message": "is not a Thread id",
    }
    empty_name = gql(CREATE_PROJECT, name="   ")["data"]["createProject"]
    assert empty_name == {
        "__typename": "ValidationError",
        "field": "name",
        "message": "must not be empty",
    }


def test_duplicate_external_id_is_a_conflict(gql: GraphQLClient) -> None:
    project = make_project(gql)
    first = make_session(gql, project, "same")
    again = gql(CREATE_SESSION, projectId=project, externalId="same")["data"]["createSession"]
    assert again["__typename"] == "ConflictError"
    assert again["current"] == first
    assert (
        gql(CREATE_SESSION, projectId=new_id("Project"), externalId="x")["data"]["createSession"][
            "__typename"
        ]
        == "NotFoundError"
    )


def test_thread_where_filters(gql: GraphQLClient) -> None:
    session = make_session(gql, make_project(gql))
    names = ["alpha", "alphabet", "beta", "gamma"]
    ids = {name: make_thread(gql, session, name) for name in names}
    gql(
        'mutation($id: ID!) { updateThread(input: {id: $id, status: "archived"}) { __typename } }',
        id=ids["gamma"],
    )
    query = """query($id: ID!, $where: ThreadWhere) { session(id: $id) {
      threads(where: $where) { totalCount edges { node { name status } } } } }"""

    def names_for(where: dict[str, Any]) -> list[str]:
        threads = gql(query, id=session, where=where)["data"]["session"]["threads"]
        assert threads["totalCount"] == len(threads["edges"])
        return [e["node"]["name"] for e in threads["edges"]]

    assert names_for({"name": {"startsWith": "alpha"}}) == ["alpha", "alphabet"]
    assert names_for({"OR": [{"name": {"eq": "beta"}}, {"status": {"eq": "archived"}}]}) == [
        "beta",
        "gamma",
    ]
    assert names_for({"NOT": {"name": {"contains": "a"}}}) == []
    assert names_for({"name": {"in": ["beta", "zeta"]}, "status": {"ne": "archived"}}) == ["beta"]
    payload = "x') RETURN 1 //"
    assert names_for({"name": {"eq": payload}}) == []


def test_update_thread_status_is_checked(gql: GraphQLClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    body = gql(
        'mutation($id: ID!) { updateThread(input: {id: $id, status: "gone"}) { __typename ... on ValidationError { field } } }',
        id=thread,
    )
    assert body["data"]["updateThread"] == {"__typename": "ValidationError", "field": "status"}


def test_page_of_threads_costs_a_constant_number_of_queries(
    http: TestClient, gql: GraphQLClient
) -> None:
    graph = http.app.state.stores.graph  # type: ignore[attr-defined]
    query = """query($id: ID!) { session(id: $id) { project { name latestSession { id } }
      threads(first: 50) { totalCount edges { node { name messageCount } } } } }"""

    def queries_for(thread_count: int) -> int:
        session = make_session(gql, make_project(gql))
        for i in range(thread_count):
            make_thread(gql, session, f"t{i}")
        calls: list[str] = []
        original = graph.run

        def counting(name: str, *args: Any, **kwargs: Any) -> Any:
            if not name.startswith("metrics/"):  # the /metrics refresher runs meanwhile
                calls.append(name)
            return original(name, *args, **kwargs)

        graph.run = counting
        try:
            body = gql(query, id=session)
        finally:
            graph.run = original
        assert len(body["data"]["session"]["threads"]["edges"]) == thread_count
        return len(calls)

    assert queries_for(5) == queries_for(50)
