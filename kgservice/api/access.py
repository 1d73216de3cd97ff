"""What a request may do: its API key's scope and namespaces, and the errors for refusals.

A request carries an :class:`Access` (built by the auth middleware from the API key it
presented; full access when no keys are configured). Resolvers enforce it through
:class:`kgservice.api.context.RequestContext` (``check_namespace``, ``check_node``,
``visible``); mutations of a read-scoped key are refused before execution by
:class:`WriteScopeGuard`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from kgservice.errors import KgError


class AccessDeniedError(KgError):
    """The request's API key may not do this (read-only key, or another namespace)."""


class RequestTimeoutError(KgError):
    """The request ran past its time budget (``request_timeout_ms``)."""


@dataclass(frozen=True)
class Access:
    """The rights of one request.

    ``namespaces`` is None for every namespace; otherwise the only namespaces the request
    may read or write. ``key_name`` names the API key used (None without keys).
    """

    key_name: str | None = None
    can_write: bool = True
    namespaces: frozenset[str] | None = None

    def allows(self, namespace: str | None) -> bool:
        """Whether data in ``namespace`` may be read or written."""
        return self.namespaces is None or (namespace or "") in self.namespaces


FULL_ACCESS = Access()


class WriteScopeGuard(SchemaExtension):
    """Refuse mutations from a read-scoped key with a GraphQL error, before any resolver."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        access: Access = getattr(context, "access", FULL_ACCESS)
        if not access.can_write and self.execution_context.operation_type is OperationType.MUTATION:
            self.execution_context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"API key {access.key_name!r} has read scope: mutations are not allowed",
                        extensions={"code": "FORBIDDEN"},
                    )
                ],
            )
        yield
