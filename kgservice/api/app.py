"""The ASGI app: GraphQL at ``/graphql``, ``/healthz``, the playground at ``/``; stores opened
by the lifespan."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import orjson
from anyio import to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
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
from kgservice.api.body_limit import BodyLimitMiddleware
from kgservice.api.checkpoints import PeriodicCheckpoint
from kgservice.api.context import RequestContext
from kgservice.api.error_log import install_client_error_filter
from kgservice.api.playground.bundle import STATIC_DIR
from kgservice.api.playground.routes import (
    GraphiQLOrGraphQL,
    is_open_request,
    playground_routes,
)
from kgservice.api.schema import build_schema
from kgservice.errors import SettingsError
from kgservice.services.consistency import backfill
from kgservice.services.registry import Services
from kgservice.services.status import check_health
from kgservice.settings import Settings
from kgservice.stores.embedder import Embedder
from kgservice.stores.opening import Stores, load_embedder, open_stores

log = logging.getLogger("kgservice")

#: A number orjson might not decode as json does (beyond 64 bits); json decodes bodies with one.
_LONG_DIGITS = re.compile(rb"\d{19}")


def _recover(services: Services) -> None:
    """Embed nodes that a crash left without vectors, drop orphan vectors, warm the index."""
    try:
        report = backfill(services.stores.graph, services.index)
        services.stores.vectors.warm()
    except Exception:  # a failed recovery must not take the service down
        log.exception("backfill on start failed")
        return
    if report.embedded or report.orphans_removed:
        log.info(
            "backfill on start: embedded %d nodes, removed %d orphan vectors",
            report.embedded,
            report.orphans_removed,
        )


class KgGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI handler, with the stores and the request's rights in its context."""

    def __init__(self, keys: KeyRing, budget_ms: int) -> None:
        protocols: tuple[str, ...] = (GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        if not keys.required:  # the legacy protocol has no connection_init gate
            protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL)
        super().__init__(build_schema(), graphql_ide=None, subscription_protocols=protocols)
        self.keys = keys
        self.budget_ms = budget_ms

    def encode_json(self, data: object) -> str:
        """Encode a response or websocket message (text, as clients expect).

        orjson is about 20 times faster than json on a page of 100 edges; json takes what
        it refuses (integers beyond 64 bits, which a JSON scalar may hold).
        """
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    def decode_json(self, data: str | bytes) -> object:
        """Decode a request body with orjson where it gives what json would, else json.

        orjson turns integers beyond 64 bits into floats, so a body with a run of 19 or more
        digits goes to json; so does anything orjson refuses (NaN, lone surrogates, UTF-16),
        which json then decodes or refuses as before.
        """
        raw = data.encode() if isinstance(data, str) else data
        if _LONG_DIGITS.search(raw) is None:
            with suppress(orjson.JSONDecodeError):
                return orjson.loads(raw)
        return json.loads(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        access: Access = request.scope.get(ACCESS_SCOPE_KEY) or FULL_ACCESS
        return RequestContext(
            services=request.app.state.services, access=access, budget_ms=self.budget_ms
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
                target=_recover, args=(app.state.services,), name="kg-backfill", daemon=True
            )
            recovery.start()
        app.state.services.job_runner.start()  # also resumes jobs a stopped process left
        checkpoints = PeriodicCheckpoint(app.state.stores.graph, settings.checkpoint_interval_s)
        checkpoints.start()
        app.state.checkpoints = checkpoints
        try:
            yield
        finally:
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
    graphql = KgGraphQL(keys, settings.request_timeout_ms)
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
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-api-key"],
        )
        middleware.insert(0, cors)
    return Starlette(
        routes=[
            *playground_routes(static_dir),
            Route("/healthz", healthz),
            Route("/graphql", GraphiQLOrGraphQL(graphql, static_dir)),
            WebSocketRoute("/graphql", graphql),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
