"""Request body size limit (``max_body_bytes``): 413 with a GraphQL-style JSON error.

:func:`http_error` is the one-line JSON answer of every refused HTTP request.
"""

from __future__ import annotations

import json

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The ``extensions.code`` of a refused request, by HTTP status.
HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
}


def error_body(status: int, message: str) -> bytes:
    """One line of JSON: a GraphQL-style answer with one error and its code."""
    code = HTTP_ERROR_CODES.get(status, "HTTP_ERROR")
    error = {"message": message, "extensions": {"code": code}}
    return json.dumps({"data": None, "errors": [error]}).encode()


def http_error(status: int, message: str) -> Response:
    """The response refusing a request with ``status`` and a one-line JSON error."""
    return Response(error_body(status, message), status, media_type="application/json")


class BodyTooLargeError(Exception):
    """A request body grew past the limit while it was being read."""


class BodyLimitMiddleware:
    """ASGI middleware refusing HTTP bodies over ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before reading; a chunked body
    is counted as it arrives and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._too_large(send)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        message = f"request body is larger than the limit of {self.max_bytes} bytes"
        body = error_body(413, message)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
