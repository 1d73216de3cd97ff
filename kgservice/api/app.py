"""The ASGI app: GraphQL at ``/graphql`` (GraphiQL to browsers), MCP at ``/mcp``, the playground
at ``/``, ``/metrics``, ``/healthz``; stores opened by the lifespan."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from anyio import to_thread
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from kgservice.api.access import FULL_ACCESS, Access
from kgservice.api.auth import (
    ACCESS_SCOPE_KEY,
    AuthMiddleware,
    KeyRing,
    check_exposure,
    secret_from_payload,
)
from kgservice.api.body_limit import BodyLimitMiddleware, http_error
from kgservice.api.checkpoints import PeriodicCheckpoint
from kgservice.api.context import RequestContext
from kgservice.api.error_log import install_client_error_filter
from kgservice.api.json_body import BodyDecodeError, decode_body
from kgservice.api.mcp.http import McpEndpoint
from kgservice.api.metrics import ServiceMetrics, metrics_endpoint
from kgservice.api.playground.bundle import STATIC_DIR
from kgservice.api.playground.routes import (
    GraphiQLOrGraphQL,
    is_open_request,
    playground_routes,
)
from kgservice.api.schema import build_schema
from kgservice.api.websockets import CountedTransportWSHandler, CountedWSHandler
from kgservice.embedding import Embedder
from kgservice.errors import SettingsError
from kgservice.services.consistency import backfill
from kgservice.services.metrics import StoreFigureRefresher
from kgservice.services.registry import Services
from kgservice.services.status import check_health
from kgservice.settings import Settings
from kgservice.stores.opening import Stores, load_embedder, open_stores

log = logging.getLogger("kgservice")


def recover_on_start(services: Services) -> None:
    """Embed nodes that a crash left without vectors, drop orphan vectors, warm the index."""
    try:
        report = backfill(services.stores.graph, services.index)
        services.stores.vectors.warm()
    except Exception:  # a failed recovery must not take the service down
        log.exception("backfill on start failed")
        return
    log.info(
        "backfill on start finished: embedded %d nodes, removed %d orphan vectors",
        report.embedded,
        report.orphans_removed,
    )


class KgGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI handler, with the stores and the request's rights in its context."""

    graphql_transport_ws_handler_class = CountedTransportWSHandler
    graphql_ws_handler_class = CountedWSHandler

    def __init__(self, keys: KeyRing, settings: Settings) -> None:
        protocols: tuple[str, ...] = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        if not keys.required:  # the legacy protocol has no connection_init gate
            protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL)
        schema = build_schema(fast_executor=settings.fast_executor)
        super().__init__(schema, graphql_ide=None, subscription_protocols=protocols)
        self.keys = keys
        self.budget_ms = settings.request_timeout_ms
        self.max_json_depth = settings.max_json_depth

    def encode_json(self, data: object) -> str:
        """Encode a response or websocket message (text, as clients expect).

        orjson is about 20 times faster than json on a page of 100 edges; json takes what
        it refuses (integers beyond 64 bits, which a JSON scalar may hold).
        """
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    def parse_json(self, data: str | bytes) -> object:
        """Decode a request body or GET variables: 400 for any body refused (see json_body)."""
        try:
            return decode_body(data, self.max_json_depth)
        except BodyDecodeError as exc:
            raise HTTPException(400, str(exc)) from None

    def decode_json(self, data: str | bytes) -> object:
        """Decode a websocket message; one refused closes the connection (4400)."""
        try:
            return decode_body(data, self.max_json_depth)
        except BodyDecodeError as exc:
            raise json.JSONDecodeError(str(exc), "", 0) from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's handler, answering a refused HTTP request with a one-line JSON error."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = http_error(exc.status_code, exc.reason)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        access: Access = request.scope.get(ACCESS_SCOPE_KEY) or FULL_ACCESS
        return RequestContext(
            services=request.app.state.services,
            access=access,
            budget_ms=self.budget_ms,
            metrics=request.app.state.metrics,
        )

    async def on_ws_connect(self, context: RequestContext) -> None:
        """Take the API key from the connection_init payload when no header carried it."""
        if not self.keys.required or context.access.key_name is not None:
            return
        access = self.keys.authenticate(secret_from_payload(context.connection_params))
        if access is None:
            raise ConnectionRejectionError({"message": "an API key is required"})
        context.access = access


def create_app(
    settings: Settings,
    *,
    stores: Stores | None = None,
    close_stores: bool | None = None,
    embedder: Embedder | None = None,
    static_dir: Path = STATIC_DIR,
) -> Starlette:
    """Build the app.

    Stores are opened on startup unless given; they are closed on shutdown when the app
    opened them, or when ``close_stores`` says so. The playground's pages and assets are
    served from ``static_dir`` (the built bundle). The embedder is loaded on startup, so a
    model that cannot run stops the service with the reason instead of failing later.

    Raises:
        SettingsError: when ``settings.host`` is not loopback and no API keys are set.
    """
    try:
        check_exposure(settings)
    except SettingsError:
        if stores is not None and close_stores:  # the app was handed ownership of them
            stores.close()
        raise
    install_client_error_filter()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = stores is None if close_stores is None else close_stores
        app.state.stores = stores or await to_thread.run_sync(open_stores, settings)
        model = (
            embedder if embedder is not None else await to_thread.run_sync(load_embedder, settings)
        )
        app.state.services = Services.create(app.state.stores, model)
        recovery = None
        if settings.backfill_on_start:
            recovery = threading.Thread(
                target=recover_on_start, args=(app.state.services,), name="kg-backfill", daemon=True
            )
            recovery.start()
        app.state.services.job_runner.start()  # also resumes jobs a stopped process left
        checkpoints = PeriodicCheckpoint(app.state.stores.graph, settings.checkpoint_interval_s)
        checkpoints.start()
        app.state.checkpoints = checkpoints
        figures = StoreFigureRefresher(app.state.stores, settings.metrics_refresh_s)
        figures.start()
        metrics.watch_stores(figures)
        app.state.figures = figures
        try:
            async with mcp.running(app.state.services):
                yield
        finally:
            await to_thread.run_sync(figures.stop)
            await to_thread.run_sync(checkpoints.stop)
            await to_thread.run_sync(app.state.services.job_runner.stop)
            if recovery is not None:
                recovery.join(timeout=30)
            if owned:
                app.state.stores.graph.interrupt()
                await to_thread.run_sync(app.state.stores.close)

    async def healthz(request: Request) -> JSONResponse:
        checks = await to_thread.run_sync(check_health, request.app.state.stores)
        ok = all(check.ok for check in checks.values())
        body: dict[str, Any] = {
            "status": "ok" if ok else "error",
            **{name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    keys = KeyRing(settings.api_keys)
    graphql = KgGraphQL(keys, settings)
    mcp = McpEndpoint(settings)
    metrics = ServiceMetrics()
    middleware = [
        Middleware(
            AuthMiddleware, keys=keys, open_paths=("/healthz",), open_request=is_open_request
        ),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    if settings.cors_origins:  # CORS is off unless origins are configured
        cors = Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],  # DELETE ends an MCP session
            allow_headers=[
                "authorization",
                "content-type",
                "x-api-key",
                "mcp-session-id",
                "mcp-protocol-version",
                "last-event-id",
            ],
            expose_headers=["mcp-session-id"],
        )
        middleware.insert(0, cors)
    app = Starlette(
        routes=[
            *playground_routes(static_dir),
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint),
            Route("/graphql", GraphiQLOrGraphQL(graphql, static_dir)),
            WebSocketRoute("/graphql", graphql),
            Route("/mcp", mcp),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    return app
