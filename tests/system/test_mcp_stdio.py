"""``kgservice mcp`` as an agent launches it: a subprocess spoken to over stdio."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores
from tests.mcp_scenario import agent_round_trip, call

SMALL_STORE = {"KG_BUFFER_POOL_MB": "128", "KG_READ_CONNECTIONS": "2"}


def server_parameters(data_dir: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "kgservice", "mcp", "--data-dir", str(data_dir)],
        env={**os.environ, **SMALL_STORE},
    )


def in_own_thread(function: Callable[[Path], Awaitable[None]], data_dir: Path) -> None:
    """Run an async test body on its own event loop in a thread of its own (the browser
    tests' Playwright keeps a loop running on the main thread for the whole session)."""
    failures: list[BaseException] = []

    def body() -> None:
        try:
            anyio.run(function, data_dir)
        except BaseException as exc:  # re-raised on the test's thread
            failures.append(exc)

    worker = threading.Thread(target=body)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


@pytest.mark.slow
def test_agent_round_trip_over_stdio(tmp_path: Path) -> None:
    in_own_thread(round_trip_over_stdio, tmp_path / "data")


async def round_trip_over_stdio(data_dir: Path) -> None:
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
