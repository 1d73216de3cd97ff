"""Running skills service work from a read field: bad input becomes a GraphQL error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphql import GraphQLError

from kgservice.api.context import KgInfo
from kgservice.errors import InputError, NotFoundError

T = TypeVar("T")


async def call(info: KgInfo, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function`` off the event loop; InputError and NotFoundError become GraphQL
    errors with ``extensions.code`` VALIDATION (and ``field``) or NOT_FOUND (and ``id``)."""
    try:
        return await info.context.run(lambda: function(*args, **kwargs))
    except InputError as exc:
        raise GraphQLError(
            str(exc), extensions={"code": "VALIDATION", "field": exc.field}
        ) from None
    except NotFoundError as exc:
        raise GraphQLError(str(exc), extensions={"code": "NOT_FOUND", "id": exc.node_id}) from None


def bounded(field: str, value: int, low: int, high: int) -> int:
    """Return ``value`` if within [low, high], else a VALIDATION GraphQL error."""
    if not low <= value <= high:
        raise GraphQLError(
            f"{field}: must be between {low} and {high}",
            extensions={"code": "VALIDATION", "field": field},
        )
    return value
