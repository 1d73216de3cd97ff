"""MCP over streamable HTTP at /mcp on a running server, with and without API keys."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from kgservice.api.app import create_app
from kgservice.api.auth import hash_secret, new_secret
from kgservice.embedding import Embedder
from kgservice.settings import ApiKeyEntry, Settings, load_settings
from tests.mcp_scenario import TOOLS, agent_round_trip, call
from tests.system.live_server import free_port

pytestmark = pytest.mark.anyio

WRITER, READER, TEAM_A, TEAMS_AB = new_secret(), new_secret(), new_secret(), new_secret()
KEYS = [
    ApiKeyEntry(name="writer", sha256=hash_secret(WRITER), scope="write"),
    ApiKeyEntry(name="reader", sha256=hash_secret(READER), scope="read"),
    ApiKeyEntry(name="team-a", sha256=hash_secret(TEAM_A), scope="write", namespaces=["a"]),
    ApiKeyEntry(name="teams", sha256=hash_secret(TEAMS_AB), scope="write", namespaces=["a", "b"]),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class RunningServer:
    """The app under uvicorn on a free loopback port, in a thread of this process."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings, embedder=embedder),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="mcp-test-server")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def __enter__(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive(), "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


def settings_for(data_dir: Path, keys: list[ApiKeyEntry]) -> Settings:
    settings = load_settings(data_dir=data_dir, buffer_pool_mb=128, read_connections=2)
    return settings.model_copy(update={"api_keys": keys})


@asynccontextmanager
async def connect(url: str, secret: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else None
    async with (
        create_mcp_http_client(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


@pytest.fixture
def open_server(data_dir: Path, embedder: Embedder) -> Iterator[RunningServer]:
    with RunningServer(settings_for(data_dir, []), embedder) as server:
        yield server


@pytest.fixture
def keyed_server(data_dir: Path, embedder: Embedder) -> Iterator[RunningServer]:
    with RunningServer(settings_for(data_dir, KEYS), embedder) as server:
        yield server


async def test_round_trip_without_keys(open_server: RunningServer) -> None:
    async with connect(open_server.url) as client:
        await agent_round_trip(client, "open-project")


async def test_a_foreign_host_is_refused_on_loopback(open_server: RunningServer) -> None:
    answer = httpx2.post(  # a DNS-rebinding page would send its own host name
        open_server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Host": "evil.example", "Accept": "application/json, text/event-stream"},
    )
    assert answer.status_code == 421


async def test_round_trip_with_a_write_key(keyed_server: RunningServer) -> None:
    async with connect(keyed_server.url, WRITER) as client:
        await agent_round_trip(client, "keyed-project")


async def test_requests_without_a_valid_key_are_refused(keyed_server: RunningServer) -> None:
    for secret, message in ((None, "an API key is required"), ("kg_wrong", "invalid API key")):
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        answer = httpx2.post(
            keyed_server.url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={**headers, "Accept": "application/json, text/event-stream"},
        )
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["message"] == message


async def test_read_key_sees_and_calls_only_reading_tools(keyed_server: RunningServer) -> None:
    async with connect(keyed_server.url, WRITER) as writer:
        await call(writer, "store_reflection", content="Readers may find this.", project="shared")
    async with connect(keyed_server.url, READER) as reader:
        listed = await reader.list_tools()
        assert {t.name for t in listed.tools} == {
            "search",
            "resolve_session",
            "session_context",
            "entity",
            "neighborhood",
            "job",
        }
        refused = await reader.call_tool("store_reflection", {"content": "x", "project": "shared"})
        assert refused.is_error
        assert refused.structured_content["error"] == {
            "type": "Forbidden",
            "message": "API key 'reader' has read scope: store_reflection writes and is not allowed",
        }
        skill = await reader.call_tool("record_skill_invocation", {"skill": "x", "completed": True})
        assert skill.structured_content["error"]["type"] == "Forbidden"
        context = await call(reader, "session_context", project="shared")
        assert context["reflections"][0]["content"] == "Readers may find this."


async def test_namespace_key_sees_only_its_namespace(keyed_server: RunningServer) -> None:
    async with connect(keyed_server.url, WRITER) as writer:
        outside = await call(writer, "store_reflection", content="Default's secret.", project="d")
    async with connect(keyed_server.url, TEAM_A) as team:
        assert {t.name for t in (await team.list_tools()).tools} == TOOLS
        mine = await call(team, "store_reflection", content="Team A's own note.", project="d")
        assert mine["project"]["namespace"] == "a"
        assert mine["project"]["id"] != outside["project"]["id"]
        listed = (await team.list_resources()).resources
        assert [r.uri for r in listed] == [
            f"kgservice://project/{mine['project']['id']}/latest-session"
        ]
        hits = await call(team, "search", text="secret note", k=10)
        assert {h["namespace"] for h in hits["hits"]} == {"a"}
        by_id = await team.call_tool(
            "store_reflection", {"content": "x", "project": outside["project"]["id"]}
        )
        assert by_id.structured_content["error"]["type"] == "Forbidden"
        other = await team.call_tool("search", {"text": "secret", "namespace": "default"})
        assert other.structured_content["error"] == {
            "type": "Forbidden",
            "message": "API key 'team-a' may not use namespace 'default'",
        }


async def test_a_key_of_several_namespaces_names_projects_by_id(
    keyed_server: RunningServer,
) -> None:
    async with connect(keyed_server.url, TEAM_A) as team:
        project = (await call(team, "store_reflection", content="A's note.", project="p"))[
            "project"
        ]
    async with connect(keyed_server.url, TEAMS_AB) as teams:
        by_id = await call(teams, "store_reflection", content="Via the id.", project=project["id"])
        assert by_id["project"]["namespace"] == "a"
        by_name = await teams.call_tool("store_reflection", {"content": "x", "project": "p"})
        assert by_name.structured_content["error"] == {
            "type": "Forbidden",
            "message": "API key 'teams' may not use namespace 'default'",
        }
