"""MCP's streamable HTTP transport at ``/mcp``, inside the service's Starlette app.

The route sits behind the app's middleware, so ``/mcp`` takes the same API keys as
``/graphql`` (``Authorization: Bearer <key>`` or ``X-API-Key``). The SDK's session manager
runs its task group within the app's lifespan (:meth:`McpEndpoint.running`). Each request
is answered with one JSON body (no tool streams progress; plain JSON suits proxies and
curl); sessions are kept, so a client may still open the GET stream. On a
loopback address, requests must name a loopback Host (and Origin, when they send one),
against DNS rebinding; configured CORS origins are allowed too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from kgservice.api.auth import is_loopback
from kgservice.api.mcp.server import McpState, build_server
from kgservice.services.registry import Services
from kgservice.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def transport_security(settings: Settings) -> TransportSecuritySettings | None:
    """DNS-rebinding protection for a loopback service; None (off) beyond loopback."""
    if not is_loopback(settings.host):
        return None
    hosts = [*LOOPBACK_HOSTS, *(f"{host}:*" for host in LOOPBACK_HOSTS)]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[
            *(f"http://{host}" for host in hosts),
            *(f"https://{host}" for host in hosts),
            *settings.cors_origins,
        ],
    )


class McpEndpoint:
    """The ASGI app mounted at ``/mcp``; it answers 503 outside :meth:`running`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self, services: Services) -> AsyncIterator[None]:
        """Serve MCP over ``services`` until the block ends (call from the app lifespan)."""
        state = McpState(services, self.settings.request_timeout_ms)

        @asynccontextmanager
        async def lifespan(server: Server[McpState]) -> AsyncIterator[McpState]:
            yield state

        manager = StreamableHTTPSessionManager(
            app=build_server(lifespan),
            security_settings=transport_security(self.settings),
            max_request_body_size=self.settings.max_body_bytes,
            json_response=True,
        )
        async with manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        manager = self._manager
        if manager is None:
            response = PlainTextResponse("MCP is not running", status_code=503)
            await response(scope, receive, send)
            return
        await manager.handle_request(scope, receive, send)
