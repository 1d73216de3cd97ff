"""Each request limit answers a clear error, and the server keeps serving after it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from kgservice.embedding import Embedder
from kgservice.settings import Settings
from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import ADD_MESSAGES, make_project, make_session, make_thread

NORMAL = "{ version { schema } }"


def still_serving(http: TestClient) -> None:
    answer = http.post("/graphql", json={"query": NORMAL})
    assert answer.status_code == 200
    assert answer.json()["data"]["version"]["schema"] >= 1


def only_error(body: dict[str, Any]) -> str:
    assert body.get("data") is None, body
    return str(body["errors"][0]["message"])


def test_depth_limit(gql: GraphQLClient, http: TestClient) -> None:
    nested = "session { project { " * 6 + "id" + " } }" * 6
    message = only_error(gql(f'{{ session(id: "x") {{ {nested} }} }}'))
    assert "exceeds maximum operation depth" in message
    assert str(MAX_DEPTH) in message
    still_serving(http)


def test_alias_limit(gql: GraphQLClient, http: TestClient) -> None:
    aliases = " ".join(f"a{i}: version {{ schema }}" for i in range(MAX_ALIASES + 1))
    message = only_error(gql(f"{{ {aliases} }}"))
    assert f"{MAX_ALIASES + 1} aliases found" in message
    assert f"Allowed: {MAX_ALIASES}" in message
    still_serving(http)


def test_client_errors_leave_no_traceback_in_the_log(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        gql('{ node(id: "x", legacyId: "y") { id } }')  # a GraphQLError from a resolver
        gql('{ search(text: "x", k: 0) { score } }')  # a kgservice InputError
        gql("{ nosuchfield }")  # a validation error
    assert caplog.records == []


def test_token_limit(gql: GraphQLClient, http: TestClient) -> None:
    fields = " ".join("__typename" for _ in range(MAX_TOKENS + 10))
    message = only_error(gql(f"{{ {fields} }}"))
    assert "token" in message.lower()
    still_serving(http)


def test_page_size_and_batch_limits(gql: GraphQLClient, http: TestClient) -> None:
    thread = make_thread(gql, make_session(gql, make_project(gql)))
    body = gql(
        "query($id: ID!) { thread(id: $id) { messages(first: 101) { totalCount } } }", id=thread
    )
    assert "100" in body["errors"][0]["message"]
    body = gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=["x"] * 101)
    assert "at most 100 ids" in only_error(body)
    body = gql('{ search(text: "x", k: 1000) { score } }')
    assert "between 1 and 100" in body["errors"][0]["message"]
    still_serving(http)


def test_traversal_depth_limits(gql: GraphQLClient, http: TestClient) -> None:
    """Every query field with a depth argument refuses a huge depth with a clear error."""
    from graphql import GraphQLNonNull, build_client_schema, get_introspection_query

    schema = build_client_schema(gql(get_introspection_query())["data"])
    assert schema.query_type is not None
    project = make_project(gql)
    checked = 0
    for name, field in schema.query_type.fields.items():
        for arg_name in ("depth", "maxDepth"):
            if arg_name not in field.args:
                continue
            required = {
                a: 1 if str(arg.type).startswith("Int") else project
                for a, arg in field.args.items()
                if isinstance(arg.type, GraphQLNonNull) and a != arg_name
            }
            args = ", ".join(
                f"{a}: {json.dumps(v)}" for a, v in {**required, arg_name: 1000}.items()
            )
            body = gql(f"{{ {name}({args}) {{ __typename }} }}")
            message = body["errors"][0]["message"]
            assert arg_name in message, (name, message)
            checked += 1
    if not checked:
        pytest.skip("no traversal field with a depth argument is registered")
    still_serving(http)


@pytest.fixture
def small_limits(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    tight = settings.model_copy(update={"max_body_bytes": 4096})
    with TestClient(create_app(tight, embedder=embedder)) as client:
        yield client


@pytest.fixture
def short_budget(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    tight = settings.model_copy(update={"request_timeout_ms": 100})
    with TestClient(create_app(tight, embedder=embedder)) as client:
        yield client


def test_body_size_limit(small_limits: TestClient) -> None:
    big = {"query": NORMAL, "variables": {"pad": "x" * 5000}}
    answer = small_limits.post("/graphql", json=big)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["message"] == (
        "request body is larger than the limit of 4096 bytes"
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"query": "{ version { schema } }", "variables": {"pad": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    chunked = small_limits.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    assert chunked.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    still_serving(small_limits)


def test_time_budget(short_budget: TestClient) -> None:
    gql = GraphQLClient(short_budget)
    # The set-up goes straight to the services: under a 100 ms budget a cold first request
    # on a busy machine may itself run out of time.
    sessions = short_budget.app.state.services.sessions  # type: ignore[attr-defined]
    project = sessions.create_project("budget")
    thread = sessions.create_thread(sessions.create_session(project.id, "budget").id, "t").id
    # Embedding 300 messages takes far more than the 100 ms budget.
    messages = [{"role": "user", "content": f"message {i} " + "word " * 60} for i in range(300)]
    body = gql(ADD_MESSAGES, threadId=thread, messages=messages)
    message = only_error(body)
    assert message == (
        "the request ran past its time budget of 100 ms (a write may still complete)"
    )
    still_serving(short_budget)
    # The abandoned work goes on embedding in its thread, but its graph queries are bounded
    # by the same deadline: the transaction is refused and rolled back, nothing is written.
    reads = short_budget.app.state.services.reads  # type: ignore[attr-defined]
    for _ in range(20):
        assert reads.threads([thread])[thread].message_count == 0
        assert reads.message_page(thread, None, None, 1, False) == []
        time.sleep(0.25)


def test_periodic_checkpoints_fold_the_write_ahead_log(
    settings: Settings, embedder: Embedder
) -> None:
    """Row versions of updates stay in memory until a checkpoint: the server takes them."""
    frequent = settings.model_copy(update={"checkpoint_interval_s": 0.1})
    app = create_app(frequent, embedder=embedder)
    with TestClient(app) as http:
        gql = GraphQLClient(http)
        thread = make_thread(gql, make_session(gql, make_project(gql)))
        gql(ADD_MESSAGES, threadId=thread, messages=[{"role": "user", "content": "hi"}] * 5)
        wal = settings.graph_path.with_name(settings.graph_path.name + ".wal")
        deadline = time.monotonic() + 30
        while app.state.checkpoints.checkpoints == 0 or (wal.exists() and wal.stat().st_size):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        still_serving(http)
