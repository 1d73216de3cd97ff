"""Nested ``where`` inputs shared by list fields, and their conversion to plain dicts."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry


@strawberry.input(description="Conditions on a text field; all given ones must hold.")
class StringFilter:
    eq: str | None = None
    ne: str | None = None
    in_: list[str] | None = strawberry.field(default=None, name="in")
    contains: str | None = None
    starts_with: str | None = None
    ends_with: str | None = None


@strawberry.input(description="Conditions on a number field; all given ones must hold.")
class FloatFilter:
    eq: float | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


def filter_dict(where: object | None) -> dict[str, Any] | None:
    """Turn a where input into the dict shape ``kgservice.stores.where`` compiles.

    ``and_``/``or_``/``not_`` become ``AND``/``OR``/``NOT``; ``in_`` becomes ``in``.
    """
    if where is None:
        return None
    result: dict[str, Any] = {}
    for field in dataclasses.fields(where):  # type: ignore[arg-type]
        value = getattr(where, field.name)
        if value is None:
            continue
        key = {"and_": "AND", "or_": "OR", "not_": "NOT", "in_": "in"}.get(field.name, field.name)
        if key in ("AND", "OR"):
            result[key] = [filter_dict(item) for item in value]
        elif dataclasses.is_dataclass(value):
            result[key] = filter_dict(value)
        else:
            result[key] = value
    return result
