"""MCP tool calls as agents make them: over ``/mcp`` of a running server, and in-process.

Run: ``uv run kgservice bench mcp [--quick]``. The realistic figure comes first: the SDK's
own client over streamable HTTP to ``kgservice serve`` on loopback (each call is an HTTP
POST answered on an SSE stream). The in-process figures (the SDK client wired to the
server in memory) and the direct service calls show what the protocol itself adds.
Reflections are prose sentences of standard-library docstrings; searches use held-out ones.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.server import Server

from bench.common import running_server
from bench.embedding import stdlib_sentences
from kgservice.api.mcp.server import McpState, build_server
from kgservice.services.registry import Services
from kgservice.services.search import SearchMode
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder, open_stores

PROJECT = "bench-mcp"


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(t * 1000 for t in times)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
        "samples": len(ordered),
    }


async def _timed(client: Client, name: str, calls: list[dict[str, Any]]) -> dict[str, float]:
    """Call tool ``name`` once per argument set, in order; its latencies."""
    times = []
    for arguments in calls:
        start = time.perf_counter()
        await _tool(client, name, arguments)
        times.append(time.perf_counter() - start)
    return _summary(times)


async def _tool(client: Client, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    if result.is_error:
        raise RuntimeError(f"{name} failed: {result.content}")
    data: dict[str, Any] = result.structured_content
    return data


async def _exercise(client: Client, texts: list[str], queries: list[str]) -> dict[str, Any]:
    """Time each tool an agent calls all the time, on the same data."""
    figures: dict[str, Any] = {}
    figures["store_reflection"] = await _timed(
        client, "store_reflection", [{"content": text, "project": PROJECT} for text in texts]
    )
    figures["search"] = await _timed(client, "search", [{"text": q, "k": 10} for q in queries])
    figures["record_session_transition"] = await _timed(
        client,
        "record_session_transition",
        [
            {"project": PROJECT, "new_external_id": f"s-{i}", "source": "RESUME"}
            for i in range(len(queries))
        ],
    )
    thread = await _tool(
        client,
        "add_messages",
        {"session": "s-0", "messages": [{"role": "user", "content": queries[0]}]},
    )
    thread_id = thread["thread"]["id"]
    figures["add_messages"] = await _timed(
        client,
        "add_messages",
        [{"thread_id": thread_id, "messages": [{"role": "user", "content": q}]} for q in queries],
    )
    figures["resolve_session"] = await _timed(
        client, "resolve_session", [{"external_id": "s-0"}] * len(queries)
    )
    figures["session_context"] = await _timed(
        client, "session_context", [{"project": PROJECT}] * len(queries)
    )
    return figures


async def _over_http(data_dir: Path, texts: list[str], queries: list[str]) -> dict[str, Any]:
    with running_server(data_dir, data_dir.parent / "server.log") as (graphql_url, _):
        url = graphql_url.removesuffix("/graphql") + "/mcp"
        async with Client(url) as client:
            return await _exercise(client, texts, queries)


async def _in_process(data_dir: Path, texts: list[str], queries: list[str]) -> dict[str, Any]:
    settings = load_settings(data_dir=data_dir, backfill_on_start=False)
    with open_stores(settings) as stores:
        services = Services.create(stores, load_embedder(settings))

        @asynccontextmanager
        async def lifespan(_: Server[McpState]) -> AsyncIterator[McpState]:
            yield McpState(services)

        async with Client(build_server(lifespan)) as client:
            figures = await _exercise(client, texts, queries)
        direct = []
        for query in queries:
            start = time.perf_counter()
            services.search.search(text=query, k=10, mode=SearchMode.HYBRID)
            direct.append(time.perf_counter() - start)
        figures["search_service_direct"] = _summary(direct)
    return figures


def run(quick: bool = False) -> dict[str, Any]:
    """Seed reflections through ``store_reflection``, then time the everyday tools."""
    seeds, calls = (100, 30) if quick else (500, 200)
    sentences = stdlib_sentences(seeds + calls)
    texts, queries = sentences[calls:], sentences[:calls]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        for part in ("http", "inproc"):
            (Path(folder) / part).mkdir()
        over_http = anyio.run(_over_http, Path(folder) / "http" / "data", texts, queries)
        in_process = anyio.run(_in_process, Path(folder) / "inproc" / "data", texts, queries)
    return {
        "seeded_reflections": seeds,
        "calls_per_tool": calls,
        "streamable_http": over_http,
        "in_process": in_process,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }
