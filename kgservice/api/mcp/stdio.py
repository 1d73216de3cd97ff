"""MCP over stdio: what an agent's configuration launches (``kgservice mcp``)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from mcp.server import Server
from mcp.server.stdio import stdio_server

from kgservice.api.app import recover_on_start
from kgservice.api.checkpoints import PeriodicCheckpoint
from kgservice.api.mcp.server import McpState, build_server
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores, load_embedder


async def serve_stdio(stores: Stores) -> None:
    """Serve MCP on stdin/stdout over ``stores`` until the client closes stdin.

    As ``serve`` does: the embedder loads first; nodes a crash left without vectors are
    embedded in the background (``backfill_on_start``); background jobs and periodic
    checkpoints run while it serves.
    """
    settings = stores.settings

    @asynccontextmanager
    async def lifespan(server: Server[McpState]) -> AsyncIterator[McpState]:
        embedder = await to_thread.run_sync(load_embedder, settings)
        services = Services.create(stores, embedder)
        recovery = None
        if settings.backfill_on_start:
            recovery = threading.Thread(
                target=recover_on_start, args=(services,), name="kg-backfill", daemon=True
            )
            recovery.start()
        services.job_runner.start()  # also resumes jobs a stopped process left
        checkpoints = PeriodicCheckpoint(stores.graph, settings.checkpoint_interval_s)
        checkpoints.start()
        try:
            yield McpState(services, settings.request_timeout_ms)
        finally:
            await to_thread.run_sync(checkpoints.stop)
            await to_thread.run_sync(services.job_runner.stop)
            if recovery is not None:
                recovery.join(timeout=30)

    server = build_server(lifespan)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
