"""Per-request context handed to every resolver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from anyio import to_thread
from strawberry.types import Info

from kgservice.stores.opening import Stores

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class RequestContext:
    """What a request may use: the open stores."""

    stores: Stores

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking store work in a worker thread so the event loop stays free."""
        return await to_thread.run_sync(lambda: function(*args, **kwargs))


KgInfo = Info[RequestContext, None]
