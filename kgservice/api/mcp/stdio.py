"""MCP over stdio: what an agent's configuration launches (``kgservice mcp``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from mcp.server import Server
from mcp.server.stdio import stdio_server

from kgservice.api.checkpoints import PeriodicCheckpoint
from kgservice.api.mcp.server import McpState, build_server
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores, load_embedder


async def serve_stdio(stores: Stores) -> None:
    """Serve MCP on stdin/stdout over ``stores`` until the client closes stdin.

    The embedder loads, and background jobs and periodic checkpoints run, while it serves.
    """
    settings = stores.settings

    @asynccontextmanager
    async def lifespan(server: Server[McpState]) -> AsyncIterator[McpState]:
        embedder = await to_thread.run_sync(load_embedder, settings)
        services = Services.create(stores, embedder)
        services.job_runner.start()  # also resumes jobs a stopped process left
        checkpoints = PeriodicCheckpoint(stores.graph, settings.checkpoint_interval_s)
        checkpoints.start()
        try:
            yield McpState(services, settings.request_timeout_ms)
        finally:
            await to_thread.run_sync(checkpoints.stop)
            await to_thread.run_sync(services.job_runner.stop)

    server = build_server(lifespan)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
