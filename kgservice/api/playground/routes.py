"""Routes of the playground (``/``, ``/static``) and of GraphiQL (``GET /graphql`` to browsers).

The pages and their assets hold no data, so they are served without an API key: the page
asks for one and sends it with every GraphQL request and websocket it makes.
"""

from __future__ import annotations

import html
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from kgservice.api.playground.bundle import HOW_TO_GET, STATIC_DIR

PAGE_PATHS = ("/", "/graphql")
STATIC_PREFIX = "/static/"
#: Nothing a page loads may come from elsewhere (no CDN, no inline script).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


def wants_page(scope: Scope) -> bool:
    """Whether an HTTP request asks for a page: a browser's GET of ``/`` or ``/graphql``.

    GraphQL over GET (a ``query`` parameter) and non-HTML clients still reach GraphQL.
    """
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    if scope["path"] == "/":
        return True
    if scope["path"] != "/graphql" or b"query=" in scope.get("query_string", b""):
        return False
    accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
    return "text/html" in accept


def is_open_request(scope: Scope) -> bool:
    """Requests served without an API key: the pages and their static assets."""
    if scope["type"] != "http":
        return False
    return wants_page(scope) or str(scope["path"]).startswith(STATIC_PREFIX)


async def _page(name: str, static: Path) -> Response:
    path = static / name
    if not await anyio.Path(path).is_file():
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>kgservice</title>"
            f"<p>{html.escape(HOW_TO_GET)}</p>"
            "<p>GraphQL answers POST requests at <code>/graphql</code>.</p></html>"
        )
        return HTMLResponse(body, status_code=503, headers=_security_headers())
    return FileResponse(path, media_type="text/html", headers=_security_headers())


def _security_headers() -> dict[str, str]:
    return {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
    }


class GraphiQLOrGraphQL:
    """``/graphql``: the GraphiQL page for a browser's GET, else the GraphQL app."""

    def __init__(self, graphql: ASGIApp, static: Path = STATIC_DIR) -> None:
        self.graphql = graphql
        self.static = static

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if wants_page(scope):
            page = await _page("graphiql.html", self.static)
            await page(scope, receive, send)
            return
        await self.graphql(scope, receive, send)


class BundleFiles(StaticFiles):
    """The bundle's files; a 404 (not an error) while the bundle is not built."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.directory is None or not await anyio.Path(self.directory).is_dir():
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def playground_routes(static: Path = STATIC_DIR) -> list[BaseRoute]:
    """The routes of ``/`` and ``/static``."""

    async def root(request: Request) -> Response:
        return await _page("index.html", static)

    return [
        Route("/", root, methods=["GET", "HEAD"]),
        Mount("/static", app=BundleFiles(directory=static, check_dir=False), name="static"),
    ]
