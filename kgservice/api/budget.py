"""The per-request time budget (``request_timeout_ms``).

:class:`RequestBudget` starts a deadline when an operation starts executing;
:meth:`kgservice.api.context.RequestContext.run` gives the blocking store work whatever is
left of it, and answers ``RequestTimeoutError`` (a GraphQL error) when it runs out. The
engine's own per-query timeout (``query_timeout_ms``) interrupts the query that was left
running. Subscriptions are long-lived and have no budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class RequestBudget(SchemaExtension):
    """Set ``context.deadline`` from ``context.budget_ms`` when a query or mutation starts."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        budget_ms = getattr(context, "budget_ms", None)
        if budget_ms and self.execution_context.operation_type is not OperationType.SUBSCRIPTION:
            context.deadline = time.monotonic() + budget_ms / 1000
        yield
