"""The playground's pages, GraphiQL for browsers, and relationGraph, through the ASGI app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.api.auth import hash_secret, new_secret
from kgservice.api.playground.bundle import BUNDLE_FILES, HOW_TO_GET
from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.settings import ApiKeyEntry, Settings
from tests.api.conftest import GraphQLClient
from tests.graph_seed import SeededGraph, seed_graph

HTML = {"accept": "text/html,application/xhtml+xml"}
GRAPH = """query($ns: String!, $limit: Int!, $asOf: DateTime, $retired: Boolean! = false) {
  relationGraph(namespace: $ns, limit: $limit, asOf: $asOf, includeRetired: $retired) {
    truncated nodes { id ... on Entity { name namespace } } edges { id from to type properties } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No backfill thread on start: its reads would stall the seeding COPY's checkpoint."""
    return settings.model_copy(update={"backfill_on_start": False})


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A built bundle's layout (pages and scripts), as `npm run build` leaves it."""
    static = tmp_path / "static"
    static.mkdir()
    for name in BUNDLE_FILES:
        (static / name).write_text(f"<!doctype html><title>{name}</title>")
    return static


def served(settings: Settings, embedder: Embedder, static: Path) -> TestClient:
    return TestClient(create_app(settings, embedder=embedder, static_dir=static))


def test_pages_are_served_from_the_bundle(
    settings: Settings, embedder: Embedder, bundle: Path
) -> None:
    with served(settings, embedder, bundle) as http:
        root = http.get("/", headers=HTML)
        assert root.status_code == 200
        assert "<title>index.html</title>" in root.text
        assert "default-src 'self'" in root.headers["content-security-policy"]
        graphiql = http.get("/graphql", headers=HTML)
        assert "<title>graphiql.html</title>" in graphiql.text
        assert http.get("/static/playground.js").status_code == 200
        assert http.get("/static/missing.js").status_code == 404
        # Clients that are not browsers still reach GraphQL at /graphql.
        answer = http.get("/graphql", params={"query": "{ version { schema } }"}, headers=HTML)
        assert answer.json()["data"]["version"]["schema"] >= 1
        posted = http.post("/graphql", json={"query": "{ health { ok } }"}, headers=HTML)
        assert posted.json()["data"]["health"]["ok"] is True
        plain = http.get("/graphql", headers={"accept": "application/json"})
        assert "graphiql.html" not in plain.text


def test_without_a_bundle_the_root_says_how_to_get_it(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    with served(settings, embedder, tmp_path / "never-built") as http:
        root = http.get("/")
        assert root.status_code == 503
        assert HOW_TO_GET.split(":")[0] in root.text
        assert http.get("/graphql", headers=HTML).status_code == 503
        assert http.get("/static/playground.js").status_code == 404
        body = http.post("/graphql", json={"query": "{ health { ok } }"}).json()
        assert body["data"]["health"]["ok"] is True


def test_pages_need_no_key_but_graphql_does(
    settings: Settings, embedder: Embedder, bundle: Path
) -> None:
    secret = new_secret()
    keys = [ApiKeyEntry(name="w", sha256=hash_secret(secret), scope="write")]
    with served(settings.model_copy(update={"api_keys": keys}), embedder, bundle) as http:
        assert http.get("/", headers=HTML).status_code == 200
        assert http.get("/graphql", headers=HTML).status_code == 200
        assert http.get("/static/graphiql.js").status_code == 200
        query = {"query": "{ version { schema } }"}
        assert http.post("/graphql", json=query).status_code == 401
        assert http.get("/graphql", params=query, headers=HTML).status_code == 401
        keyed = http.post("/graphql", json=query, headers={"Authorization": f"Bearer {secret}"})
        assert keyed.status_code == 200


@pytest.fixture
def seeded(http: TestClient) -> SeededGraph:
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    return seed_graph(services.stores.graph)


def graph_of(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = gql(GRAPH, **variables)
    assert "errors" not in body, body["errors"]
    view: dict[str, Any] = body["data"]["relationGraph"]
    return view


def test_relation_graph_of_a_namespace(gql: GraphQLClient, seeded: SeededGraph) -> None:
    view = graph_of(gql, ns="default", limit=100)
    ids = [node["id"] for node in view["nodes"]]
    assert set(ids) == set(seeded.default_ids)
    assert {node["namespace"] for node in view["nodes"]} == {"default"}
    assert view["truncated"] is False
    statuses = {edge["properties"]["status"] for edge in view["edges"]}
    assert statuses == {"accepted", "proposed"}  # rejected and retired ones are left out
    assert len(view["edges"]) == 3 * 10 + 2 + 5
    assert ids[0] == seeded.cliques[0][4]  # most related first: a clique member with the bridge
    other = graph_of(gql, ns="other", limit=100)
    assert {node["name"] for node in other["nodes"]} == {"x", "y"}
    assert len(other["edges"]) == 1


def test_relation_graph_limit_history_and_errors(gql: GraphQLClient, seeded: SeededGraph) -> None:
    small = graph_of(gql, ns="default", limit=5)
    assert len(small["nodes"]) == 5
    assert small["truncated"] is True
    kept = {node["id"] for node in small["nodes"]}
    assert all(edge["from"] in kept and edge["to"] in kept for edge in small["edges"])
    with_retired = graph_of(gql, ns="default", limit=100, retired=True)
    assert any(edge["properties"]["valid_to"] for edge in with_retired["edges"])
    before = graph_of(gql, ns="default", limit=100, asOf="2000-01-01T00:00:00+00:00")
    assert before["edges"] == []  # nothing was valid yet
    bad = gql(GRAPH, ns="default", limit=0)
    assert bad["errors"][0]["message"] == "limit: must be between 1 and 5000"
