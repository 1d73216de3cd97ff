"""``kgservice mcp`` as an agent launches it: a subprocess spoken to over stdio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores
from tests.mcp_scenario import agent_round_trip, call

pytestmark = pytest.mark.anyio

SMALL_STORE = {"KG_BUFFER_POOL_MB": "128", "KG_READ_CONNECTIONS": "2"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def server_parameters(data_dir: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "kgservice", "mcp", "--data-dir", str(data_dir)],
        env={**os.environ, **SMALL_STORE},
    )


@pytest.mark.slow
async def test_agent_round_trip_over_stdio(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with Client(server_parameters(data_dir)) as client:
        trip = await agent_round_trip(client, "stdio-project")
        context = await call(client, "session_context", project="stdio-project")
        assert context["threads"][0]["id"] == trip["thread_id"]
    async with Client(server_parameters(data_dir)) as again:  # the memory outlived the process
        resolved = await call(again, "resolve_session", external_id="stdio-project-1")
        assert resolved["is_stale"] is True


def test_a_served_data_directory_points_the_agent_at_mcp_over_http(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", buffer_pool_mb=128, read_connections=2)
    with open_stores(settings):  # this process holds the directory, as `kgservice serve` would
        done = subprocess.run(
            [sys.executable, "-m", "kgservice", "mcp", "--data-dir", str(settings.data_dir)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, **SMALL_STORE, "KG_PORT": "8123"},
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "held by a running `kgservice serve`" in lines[0]
    assert lines[0].endswith("http://127.0.0.1:8123/mcp")
