"""The ASGI app: GraphQL at ``/graphql``, ``/healthz``; stores opened by the lifespan."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from kgservice.api.context import RequestContext
from kgservice.api.schema import build_schema
from kgservice.services.consistency import backfill
from kgservice.services.registry import Services
from kgservice.services.status import check_health
from kgservice.settings import Settings
from kgservice.stores.embedder import Embedder
from kgservice.stores.opening import Stores, load_embedder, open_stores

log = logging.getLogger("kgservice")


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
    """Strawberry's ASGI handler, with the open stores in each request's context."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        return RequestContext(services=request.app.state.services)


def create_app(
    settings: Settings,
    *,
    stores: Stores | None = None,
    close_stores: bool | None = None,
    embedder: Embedder | None = None,
) -> Starlette:
    """Build the app.

    Stores are opened on startup unless given; they are closed on shutdown when the app
    opened them, or when ``close_stores`` says so. The embedder is loaded on startup, so a
    model that cannot run stops the service with the reason instead of failing later.
    """

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
        try:
            yield
        finally:
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

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    graphql = KgGraphQL(build_schema(), graphql_ide=None)
    return Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
