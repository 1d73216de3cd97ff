"""Per-request context handed to every resolver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from anyio import to_thread
from strawberry.types import Info

from kgservice.api.loaders import Loaders
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class RequestContext:
    """What a request may use: the services, the stores and fresh DataLoaders."""

    services: Services
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.create(self.services.reads)

    @property
    def stores(self) -> Stores:
        """The open stores."""
        return self.services.stores

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking store work in a worker thread so the event loop stays free."""
        return await to_thread.run_sync(lambda: function(*args, **kwargs))


KgInfo = Info[RequestContext, None]
