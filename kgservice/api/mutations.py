"""Running a mutation: domain errors become typed error members of the payload union."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kgservice.api.context import KgInfo
from kgservice.api.errors import UserError, as_error_data
from kgservice.errors import KgError

R = TypeVar("R")
P = TypeVar("P")


async def run_mutation(
    info: KgInfo, action: Callable[[], R], payload: Callable[[R], P]
) -> P | UserError:
    """Run ``action`` off the event loop; wrap its result, or return its user error as data."""
    try:
        result = await info.context.run(action)
    except KgError as exc:
        error = as_error_data(exc)
        if error is None:
            raise
        return error
    return payload(result)
