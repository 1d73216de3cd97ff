"""Websocket protocol handlers that keep the count of running operations for ``/metrics``."""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from kgservice.api.context import RequestContext


class CountedTransportWSHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """graphql-transport-ws: each operation counts as active while its task runs."""

    async def run_operation(self, operation: Operation[RequestContext, None]) -> None:
        gauge = self.context.metrics.websocket_operations if self.context.metrics else None
        if gauge is not None:
            gauge.inc()
        try:
            await super().run_operation(operation)
        finally:
            if gauge is not None:
                gauge.dec()


class CountedWSHandler(BaseGraphQLWSHandler[RequestContext, None]):
    """The legacy graphql-ws protocol, counted the same way."""

    async def handle_async_results(self, *args: Any, **kwargs: Any) -> None:
        gauge = self.context.metrics.websocket_operations if self.context.metrics else None
        if gauge is not None:
            gauge.inc()
        try:
            await super().handle_async_results(*args, **kwargs)
        finally:
            if gauge is not None:
                gauge.dec()
