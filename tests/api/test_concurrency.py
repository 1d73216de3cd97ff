"""Concurrent clients over HTTP (httpx on the ASGI app): idx order and the session chain."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kgservice.api.app import create_app
from kgservice.embedding import Embedder
from kgservice.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(settings: Settings, embedder: Embedder) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, embedder=embedder)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kg") as http:
            yield http


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def new_project(client: httpx.AsyncClient) -> str:
    data = await gql(
        client,
        'mutation { createProject(input: {name: "race"}) { ... on CreateProjectPayload { project { id } } } }',
    )
    return str(data["createProject"]["project"]["id"])


async def test_concurrent_appends_get_contiguous_idx(client: httpx.AsyncClient) -> None:
    project = await new_project(client)
    session = await gql(
        client,
        'mutation($p: ID!) { createSession(input: {projectId: $p, externalId: "ext"}) { ... on CreateSessionPayload { session { id } } } }',
        p=project,
    )
    thread = await gql(
        client,
        'mutation($s: ID!) { createThread(input: {sessionId: $s, name: "t"}) { ... on ThreadPayload { thread { id } } } }',
        s=session["createSession"]["session"]["id"],
    )
    thread_id = thread["createThread"]["thread"]["id"]
    add = 'mutation($t: ID!, $c: String!) { addMessage(input: {threadId: $t, role: "user", content: $c}) { ... on AddMessagePayload { added { idx } } } }'

    async def writer(worker: int) -> list[int]:
        got = []
        for i in range(200):
            data = await gql(client, add, t=thread_id, c=f"worker {worker} message {i}")
            got.append(data["addMessage"]["added"]["idx"])
        return got

    results = await asyncio.gather(*(writer(w) for w in range(8)))
    returned = sorted(idx for worker in results for idx in worker)
    assert returned == list(range(1600))

    seen: list[int] = []
    after = None
    page_query = "query($t: ID!, $a: String) { thread(id: $t) { messageCount messages(first: 100, after: $a) { edges { node { idx content } } pageInfo { hasNextPage endCursor } } } }"
    while True:
        data = await gql(client, page_query, t=thread_id, a=after)
        page = data["thread"]["messages"]
        seen += [edge["node"]["idx"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(range(1600))
    assert data["thread"]["messageCount"] == 1600


async def test_racing_transitions_form_one_unbroken_chain(client: httpx.AsyncClient) -> None:
    project = await new_project(client)
    transition = """mutation($p: ID!, $e: String!, $x: ID) { recordSessionTransition(input: {
        projectId: $p, newExternalId: $e, source: COMPACT, expectedPrevious: $x}) {
        __typename ... on RecordSessionTransitionPayload { session { id } } ... on ConflictError { current } } }"""
    first = await gql(client, transition, p=project, e="root", x=None)
    latest_query = "query($p: ID!) { project(id: $p) { latestSession { id } } }"
    accepted: list[str] = []
    conflicts = 0

    async def racer(worker: int) -> None:
        nonlocal conflicts
        for i in range(25):
            latest = (await gql(client, latest_query, p=project))["project"]["latestSession"]["id"]
            data = await gql(client, transition, p=project, e=f"w{worker}-{i}", x=latest)
            result = data["recordSessionTransition"]
            if result["__typename"] == "RecordSessionTransitionPayload":
                accepted.append(result["session"]["id"])
            else:
                assert result["__typename"] == "ConflictError"
                conflicts += 1

    await asyncio.gather(*(racer(w) for w in range(8)))
    chain = (
        await gql(
            client,
            "query($p: ID!) { sessionChain(projectId: $p) { previousId nextId } }",
            p=project,
        )
    )["sessionChain"]
    assert len(chain) == len(accepted) == 200 - conflicts
    assert chain[0]["previousId"] == first["recordSessionTransition"]["session"]["id"]
    for earlier, later in itertools.pairwise(chain):
        assert earlier["nextId"] == later["previousId"]
    assert {link["nextId"] for link in chain} == set(accepted)
    latest = (await gql(client, latest_query, p=project))["project"]["latestSession"]["id"]
    assert latest == chain[-1]["nextId"]
