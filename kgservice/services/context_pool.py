"""A thread pool whose tasks run in the context of the code that submitted them."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class ContextThreadPool(ThreadPoolExecutor):
    """``ThreadPoolExecutor`` running each task in a copy of the submitter's context.

    Context variables, such as a request's query deadline
    (:func:`kgservice.stores.graph.query_deadline`), then hold in the workers as well;
    ``map`` goes through ``submit`` and is covered too.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Schedule ``fn(*args, **kwargs)`` in a copy of the current context."""
        context = contextvars.copy_context()
        return super().submit(lambda: context.run(fn, *args, **kwargs))
