"""Typed errors returned as data by mutations (members of each payload union)."""

from __future__ import annotations

import strawberry

from kgservice import errors


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
