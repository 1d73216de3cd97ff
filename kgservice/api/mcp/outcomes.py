"""Tool results and tool errors in MCP's shape.

A result is a JSON object, sent both as ``structuredContent`` and as its JSON text. An
error is a result with ``isError``: its text is the message the GraphQL API gives for the
same failure, and ``structuredContent.error`` mirrors GraphQL's typed error members
(``ValidationError`` with ``field``, ``NotFoundError`` with ``id``, ``ConflictError`` with
``current``) or names the refusal (``Forbidden``, ``Timeout``, ``Error``).
"""

from __future__ import annotations

import logging
from typing import Any

import mcp.types as mcp_types
import orjson
import pydantic

from kgservice.api.access import AccessDeniedError, RequestTimeoutError
from kgservice.api.mcp.results import plain
from kgservice.errors import ConflictError, InputError, KgError, NotFoundError

log = logging.getLogger("kgservice.mcp")


def tool_result(value: dict[str, Any]) -> mcp_types.CallToolResult:
    """A successful call's result."""
    data = plain(value)
    text = orjson.dumps(data).decode()
    return mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text=text)], structured_content=data
    )


def tool_error(error: dict[str, Any]) -> mcp_types.CallToolResult:
    """A failed call's result: the message as text, the details as structured content."""
    text = (
        error["message"] if error.get("field") is None else f"{error['field']}: {error['message']}"
    )
    if error.get("current"):
        text = f"{text} (current: {error['current']})"
    return mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text=text)],
        structured_content={"error": error},
        is_error=True,
    )


def error_of(exc: BaseException, tool: str) -> dict[str, Any]:
    """The structured error for an exception a tool call raised."""
    if isinstance(exc, pydantic.ValidationError):
        return _invalid_arguments(exc)
    if isinstance(exc, InputError):
        return {"type": "ValidationError", "field": exc.field, "message": exc.reason}
    if isinstance(exc, NotFoundError):
        return {"type": "NotFoundError", "id": exc.node_id, "message": str(exc)}
    if isinstance(exc, ConflictError):
        return {"type": "ConflictError", "message": exc.message, "current": exc.current}
    if isinstance(exc, AccessDeniedError):
        return {"type": "Forbidden", "message": str(exc)}
    if isinstance(exc, RequestTimeoutError):
        return {"type": "Timeout", "message": str(exc)}
    if isinstance(exc, KgError):
        return {"type": "Error", "message": str(exc)}
    log.exception("MCP tool %s failed", tool, exc_info=exc)
    return {"type": "Error", "message": f"internal error in {tool} (see the server log)"}


def _invalid_arguments(exc: pydantic.ValidationError) -> dict[str, Any]:
    """The first argument error, named by its path (``messages[0].role``)."""
    first = exc.errors(include_url=False)[0]
    field = ""
    for part in first["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return {"type": "ValidationError", "field": field or "arguments", "message": first["msg"]}
