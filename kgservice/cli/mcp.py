"""``kgservice mcp``: serve the memory to a coding agent over MCP on stdin/stdout."""

from __future__ import annotations

import anyio

from kgservice.api.mcp.stdio import serve_stdio
from kgservice.cli.common import DataDirOption, fail, one_line_errors, settings_from
from kgservice.errors import StoreLockedError
from kgservice.stores.opening import open_stores


@one_line_errors
def mcp(data_dir: DataDirOption = None) -> None:
    """Serve MCP over stdio (for an agent's MCP configuration) until stdin closes.

    One process owns a data directory: when `kgservice serve` holds it, point the agent
    at that server's /mcp URL instead.
    """
    settings = settings_from(data_dir)
    try:
        stores = open_stores(settings)
    except StoreLockedError:
        raise fail(
            f"{settings.data_dir} is held by a running `kgservice serve`; point the agent at "
            f"its MCP endpoint instead: http://{settings.host}:{settings.port}/mcp"
        ) from None
    try:
        anyio.run(serve_stdio, stores)
    finally:
        stores.close()
