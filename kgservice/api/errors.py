"""Errors of the GraphQL layer: typed errors returned as data by mutations (members of each
payload union), and the GraphQL errors reads raise for bad input and unknown ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError

from kgservice import errors
from kgservice.api.context import KgInfo

P = ParamSpec("P")
T = TypeVar("T")


@strawberry.type(description="An input field is invalid; nothing was written.")
class ValidationError:
    field: str
    message: str


@strawberry.type(description="A referenced node does not exist; nothing was written.")
class NotFoundError:
    id: strawberry.ID
    message: str


@strawberry.type(description="The write lost a race or broke a uniqueness rule.")
class ConflictError:
    message: str
    current: strawberry.ID | None = strawberry.field(
        description="The current value that won (e.g. the project's latest session id)."
    )


UserError = ValidationError | NotFoundError | ConflictError


def as_error_data(exc: errors.KgError) -> UserError | None:
    """Return the GraphQL error member for a domain error, or None if it is not one."""
    if isinstance(exc, errors.InputError):
        return ValidationError(field=exc.field, message=exc.reason)
    if isinstance(exc, errors.NotFoundError):
        return NotFoundError(id=strawberry.ID(exc.node_id), message=str(exc))
    if isinstance(exc, errors.ConflictError):
        current = strawberry.ID(exc.current) if exc.current else None
        return ConflictError(message=exc.message, current=current)
    return None


def graphql_error(exc: errors.InputError | errors.NotFoundError) -> GraphQLError:
    """The GraphQL error for bad input (``extensions.code`` VALIDATION with ``field``) or an
    unknown id (NOT_FOUND with ``id``)."""
    if isinstance(exc, errors.InputError):
        return GraphQLError(str(exc), extensions={"code": "VALIDATION", "field": exc.field})
    return GraphQLError(str(exc), extensions={"code": "NOT_FOUND", "id": exc.node_id})


async def call_service(
    info: KgInfo, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run a service call off the event loop; its input and not-found errors as GraphQL
    errors (:func:`graphql_error`)."""
    try:
        return await info.context.run(function, *args, **kwargs)
    except (errors.InputError, errors.NotFoundError) as exc:
        raise graphql_error(exc) from None


def bounded(field: str, value: int, low: int, high: int) -> int:
    """Return ``value`` if within [low, high], else a VALIDATION GraphQL error naming ``field``."""
    if not low <= value <= high:
        raise GraphQLError(
            f"{field}: must be between {low} and {high}",
            extensions={"code": "VALIDATION", "field": field},
        )
    return value
