"""API keys, scopes, namespaces, CORS and the loopback rule, through the ASGI app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from typer.testing import CliRunner

from kgservice.api.app import create_app
from kgservice.api.auth import KeyRing, hash_secret, is_loopback, new_secret
from kgservice.cli import app as cli_app
from kgservice.embedding import Embedder
from kgservice.errors import SettingsError
from kgservice.settings import ApiKeyEntry, Settings, load_settings

WRITER, READER, TEAM_A = new_secret(), new_secret(), new_secret()
KEYS = [
    {"name": "writer", "sha256": hash_secret(WRITER), "scope": "write"},
    {"name": "reader", "sha256": hash_secret(READER), "scope": "read"},
    {"name": "team-a", "sha256": hash_secret(TEAM_A), "scope": "write", "namespaces": ["a"]},
]
PROJECT = """mutation($name: String!, $ns: String!) { createProject(input: {name: $name, namespace: $ns}) {
  __typename ... on CreateProjectPayload { project { id namespace } } } }"""
SESSION = """mutation($p: ID!, $x: String!) { createSession(input: {projectId: $p, externalId: $x}) {
  __typename ... on CreateSessionPayload { session { id } } } }"""
THREAD = """mutation($s: ID!) { createThread(input: {sessionId: $s, name: "t"}) {
  __typename ... on ThreadPayload { thread { id } } } }"""
MESSAGE = """mutation($t: ID!, $c: String!) { addMessage(input: {threadId: $t, role: "user", content: $c}) {
  __typename ... on AddMessagePayload { added { id } } } }"""
REFLECTION = """mutation($p: ID!, $c: String!) { storeReflection(input: {projectId: $p, content: $c}) {
  __typename ... on StoreReflectionPayload { reflection { id } } } }"""


def post(http: TestClient, secret: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    response = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def keyed(data_dir: Any, embedder: Embedder) -> Iterator[TestClient]:
    settings = load_settings(data_dir=data_dir, buffer_pool_mb=128, read_connections=2)
    settings = settings.model_copy(
        update={"api_keys": [ApiKeyEntry(**k) for k in KEYS]}  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def test_requests_need_a_valid_key(keyed: TestClient) -> None:
    missing = keyed.post("/graphql", json={"query": "{ version { schema } }"})
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["message"] == "an API key is required"
    wrong = keyed.post(
        "/graphql", json={"query": "{ version { schema } }"}, headers={"X-API-Key": "kg_nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert keyed.get("/healthz").status_code == 200  # liveness needs no key
    by_header = keyed.post(
        "/graphql", json={"query": "{ version { schema } }"}, headers={"X-API-Key": READER}
    )
    assert by_header.json()["data"]["version"]["schema"] >= 1
    assert post(keyed, WRITER, "{ version { schema } }")["data"]["version"]["schema"] >= 1


def test_read_scope_cannot_mutate(keyed: TestClient) -> None:
    body = post(keyed, READER, PROJECT, name="p", ns="default")
    assert body["data"] is None
    assert "read scope" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    created = post(keyed, WRITER, PROJECT, name="p", ns="default")
    project = created["data"]["createProject"]["project"]["id"]
    assert post(keyed, READER, "query($id: ID!) { project(id: $id) { id } }", id=project)["data"][
        "project"
    ] == {"id": project}


def test_namespaces_isolate_tenants(keyed: TestClient) -> None:
    def build(secret: str, ns: str) -> tuple[str, str]:
        project = post(keyed, secret, PROJECT, name="p", ns=ns)["data"]["createProject"]
        pid = project["project"]["id"]
        sid = post(keyed, secret, SESSION, p=pid, x=new_secret())["data"]["createSession"]
        tid = post(keyed, secret, THREAD, s=sid["session"]["id"])["data"]["createThread"]
        return pid, tid["thread"]["id"]

    own_project, own_thread = build(TEAM_A, "a")
    other_project, other_thread = build(WRITER, "b")
    # Writing into another namespace is refused, directly or through a node of it.
    denied = post(keyed, TEAM_A, PROJECT, name="x", ns="b")
    assert "may not use namespace 'b'" in denied["errors"][0]["message"]
    for query, variables in [
        (MESSAGE, {"t": other_thread, "c": "secret plan"}),
        (REFLECTION, {"p": other_project, "c": "secret plan"}),
        (SESSION, {"p": other_project, "x": "s-x"}),
    ]:
        body = post(keyed, TEAM_A, query, **variables)
        assert body["data"] is None
        assert "may not use node" in body["errors"][0]["message"]
    assert (
        post(keyed, TEAM_A, MESSAGE, t=own_thread, c="our secret plan")["data"]["addMessage"][
            "__typename"
        ]
        == "AddMessagePayload"
    )
    post(keyed, WRITER, MESSAGE, t=other_thread, c="their secret plan")
    # Reading another namespace finds nothing.
    for field in ("project", "node"):
        query = f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}"
        assert post(keyed, TEAM_A, query, id=other_project)["data"][field] is None
        assert post(keyed, TEAM_A, query, id=own_project)["data"][field] == {"id": own_project}
    nodes = post(
        keyed,
        TEAM_A,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        ids=[own_project, other_project],
    )["data"]["nodes"]
    assert nodes == [{"id": own_project}, None]
    assert (
        post(keyed, TEAM_A, "query($id: ID!) { thread(id: $id) { id } }", id=other_thread)["data"][
            "thread"
        ]
        is None
    )
    search = """query($ns: String) { search(text: "secret plan", mode: TEXT, namespace: $ns) {
      node { ... on Message { content namespace } } } }"""
    hits = post(keyed, TEAM_A, search)["data"]["search"]
    assert [hit["node"]["namespace"] for hit in hits] == ["a"]
    assert "may not use namespace" in post(keyed, TEAM_A, search, ns="b")["errors"][0]["message"]
    assert {hit["node"]["namespace"] for hit in post(keyed, WRITER, search)["data"]["search"]} == {
        "a",
        "b",
    }
    stats = post(keyed, TEAM_A, "{ conversationStats { reflections } }")
    assert "is scoped to namespaces a: name a project" in stats["errors"][0]["message"]
    chain = post(
        keyed, TEAM_A, "query($p: ID!) { sessionChain(projectId: $p) { source } }", p=other_project
    )
    assert "may not use node" in chain["errors"][0]["message"]


def test_websocket_needs_a_key(keyed: TestClient) -> None:
    protocol = ["graphql-transport-ws"]
    with keyed.websocket_connect("/graphql", subprotocols=protocol) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    with keyed.websocket_connect("/graphql", subprotocols=protocol) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {READER}"}})
        assert ws.receive_json()["type"] == "connection_ack"
    with keyed.websocket_connect(
        "/graphql", subprotocols=protocol, headers={"X-API-Key": WRITER}
    ) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
    with (
        pytest.raises(WebSocketDisconnect),
        keyed.websocket_connect(
            "/graphql", subprotocols=protocol, headers={"X-API-Key": "kg_wrong"}
        ),
    ):
        pass


def test_keys_compare_by_hash() -> None:
    ring = KeyRing([ApiKeyEntry(name="w", sha256=hash_secret(WRITER), scope="write")])
    access = ring.authenticate(WRITER)
    assert access is not None
    assert access.can_write
    assert access.namespaces is None
    assert ring.authenticate(WRITER + "x") is None
    assert ring.authenticate("") is None


def test_refuses_to_listen_beyond_loopback_without_keys(
    settings: Settings, embedder: Embedder
) -> None:
    assert all(map(is_loopback, ["127.0.0.1", "::1", "localhost"]))
    assert not is_loopback("0.0.0.0")
    exposed = settings.model_copy(update={"host": "0.0.0.0"})
    with pytest.raises(SettingsError, match="without API keys"):
        create_app(exposed, embedder=embedder)
    keyed = exposed.model_copy(
        update={"api_keys": [ApiKeyEntry(name="w", sha256=hash_secret(WRITER), scope="write")]}
    )
    create_app(keyed, embedder=embedder)


def test_serve_refuses_a_public_address_without_keys(data_dir: Any) -> None:
    result = CliRunner().invoke(
        cli_app, ["serve", "--host", "0.0.0.0", "--port", "1", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0 without API keys" in result.output


def test_keys_from_the_toml_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "kg.toml"
    config.write_text(
        f'[[api_keys]]\nname = "ci"\nsha256 = "{hash_secret(WRITER)}"\nscope = "write"\n'
        'namespaces = ["a", "b"]\n'
    )
    monkeypatch.setenv("KG_CONFIG_FILE", str(config))
    keys = load_settings(data_dir=tmp_path / "data").api_keys
    access = KeyRing(keys).authenticate(WRITER)
    assert access is not None
    assert access.namespaces == {"a", "b"}


def test_cors_only_when_configured(settings: Settings, embedder: Embedder) -> None:
    preflight = {"Origin": "http://ui.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(settings, embedder=embedder)) as http:
        answer = http.options("/graphql", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    allowed = settings.model_copy(update={"cors_origins": ["http://ui.example"]})
    with TestClient(create_app(allowed, embedder=embedder)) as http:
        answer = http.options("/graphql", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "http://ui.example"


def test_api_key_command_prints_a_usable_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(
        cli_app, ["api-key", "new", "--name", "ci", "--scope", "write", "--namespace", "a"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.split("client): ")[1].split()[0]
    env = result.output.split("KG_API_KEYS='")[1].split("'")[0]
    monkeypatch.setenv("KG_API_KEYS", env)
    entry = Settings().api_keys[0]
    assert entry.sha256 == hash_secret(secret)
    assert entry.scope == "write"
    assert entry.namespaces == ["a"]
    assert secret not in env
