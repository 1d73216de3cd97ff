"""Per-request context handed to every resolver.

Namespace isolation, for resolvers of every domain (apply it to any field that takes or
returns namespaced data):

- ``info.context.check_namespace(ns)`` before writing into, or reading from, namespace
  ``ns`` (e.g. a ``namespace`` argument); raises ``AccessDeniedError`` (a GraphQL error).
- ``await info.context.check_node(id)`` before a mutation or read that starts from a node
  id (``projectId``, ``threadId``...): refuses a node of another namespace.
- ``info.context.visible(ns)`` to filter what a read returns (return null, or leave the
  item out, for nodes of other namespaces).

Each is free when the request's key is not namespace-scoped (``access.namespaces`` None).
Nested fields need no check: children share their parent's namespace.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import anyio
from anyio import to_thread
from strawberry.types import Info

from kgservice.api.access import FULL_ACCESS, Access, AccessDeniedError, RequestTimeoutError
from kgservice.api.loaders import Loaders
from kgservice.api.metrics import ServiceMetrics
from kgservice.services import nodes
from kgservice.services.registry import Services
from kgservice.stores.graph import query_deadline
from kgservice.stores.opening import Stores

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class RequestContext:
    """What a request may use: the services, the stores, fresh DataLoaders, its rights."""

    services: Services
    access: Access = FULL_ACCESS
    budget_ms: int | None = None
    deadline: float | None = None  # set by RequestBudget when execution starts
    connection_params: dict[str, Any] | None = None  # websocket connection_init payload
    metrics: ServiceMetrics | None = None  # the app's /metrics instruments
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.services.reads)

    @property
    def stores(self) -> Stores:
        """The open stores."""
        return self.services.stores

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking store work in a worker thread so the event loop stays free.

        Within the request's time budget: when it runs out the request gets
        ``RequestTimeoutError`` at once, and the graph query left running is interrupted by
        the engine, whose timeout for each query is cut to the time left
        (:func:`~kgservice.stores.graph.query_deadline`).
        """
        if self.deadline is None:
            return await to_thread.run_sync(functools.partial(function, *args, **kwargs))
        deadline = self.deadline

        def call() -> T:
            with query_deadline(deadline):
                return function(*args, **kwargs)

        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            with anyio.fail_after(remaining):
                return await to_thread.run_sync(call, abandon_on_cancel=True)
        except TimeoutError:
            raise RequestTimeoutError(
                f"the request ran past its time budget of {self.budget_ms} ms "
                "(a write may still complete)"
            ) from None

    # -- namespaces --------------------------------------------------------------------
    def visible(self, namespace: str | None) -> bool:
        """Whether this request may see data of ``namespace``."""
        return self.access.allows(namespace)

    def check_namespace(self, namespace: str | None) -> None:
        """Refuse (AccessDeniedError) a namespace this request's key is not scoped to.

        ``None`` stands for "every namespace", refused to a namespace-scoped key.
        """
        if namespace is None and self.access.namespaces is not None:
            allowed = ", ".join(sorted(self.access.namespaces))
            raise AccessDeniedError(
                f"API key {self.access.key_name!r} is scoped to namespaces {allowed}: "
                "name a project or namespace"
            )
        if not self.access.allows(namespace):
            raise AccessDeniedError(
                f"API key {self.access.key_name!r} may not use namespace {namespace!r}"
            )

    async def check_node(self, node_id: str | None) -> None:
        """Refuse a node of a namespace this request may not use (a missing node passes)."""
        if node_id is None or self.access.namespaces is None:
            return
        record = await self.run(nodes.find_node, self.stores.graph, str(node_id))
        if record is not None and not self.visible(record.properties.get("namespace")):
            raise AccessDeniedError(f"API key {self.access.key_name!r} may not use node {node_id}")


KgInfo = Info[RequestContext, None]
