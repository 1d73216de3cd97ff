"""Compile a nested filter into a Cypher boolean expression with bound parameters.

Filters look like ``{"name": {"contains": "x"}, "OR": [{...}, {...}], "NOT": {...}}``.
Property names come only from the caller's allowlist and operators from :data:`OPERATORS`;
every value becomes a parameter (``$w0``, ``$w1``...), never text in the statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kgservice.errors import InputError

OPERATORS = {
    "eq": "{prop} = {param}",
    "ne": "{prop} <> {param}",
    "in": "list_contains({param}, {prop})",
    "contains": "{prop} CONTAINS {param}",
    "starts_with": "starts_with({prop}, {param})",
    "ends_with": "ends_with({prop}, {param})",
    "gt": "{prop} > {param}",
    "gte": "{prop} >= {param}",
    "lt": "{prop} < {param}",
    "lte": "{prop} <= {param}",
}
MAX_DEPTH = 5
MAX_TERMS = 50


@dataclass
class CompiledFilter:
    """A Cypher expression and the parameters it binds."""

    expression: str = "true"
    params: dict[str, Any] = field(default_factory=dict)


def compile_where(
    where: Mapping[str, Any] | None, variable: str, fields: Mapping[str, str]
) -> CompiledFilter:
    """Compile ``where`` for node ``variable``; ``fields`` maps filter names to properties."""
    compiled = CompiledFilter()
    if where:
        compiled.expression = _node(where, variable, fields, compiled.params, depth=0, path="where")
    return compiled


def _node(
    where: Mapping[str, Any],
    variable: str,
    fields: Mapping[str, str],
    params: dict[str, Any],
    depth: int,
    path: str,
) -> str:
    if depth > MAX_DEPTH:
        raise InputError(path, f"filters nest at most {MAX_DEPTH} deep")
    parts: list[str] = []
    for key, value in where.items():
        if value is None:
            continue
        if key in ("AND", "OR"):
            subs = [
                _node(item, variable, fields, params, depth + 1, f"{path}.{key}[{i}]")
                for i, item in enumerate(value)
            ]
            if subs:
                parts.append("(" + f" {key} ".join(subs) + ")")
        elif key == "NOT":
            parts.append(
                f"(NOT {_node(value, variable, fields, params, depth + 1, f'{path}.NOT')})"
            )
        elif key in fields:
            for op, operand in value.items():
                if operand is None:
                    continue
                if op not in OPERATORS:
                    raise InputError(f"{path}.{key}", f"unknown operator {op!r}")
                if len(params) >= MAX_TERMS:
                    raise InputError(path, f"at most {MAX_TERMS} filter terms")
                name = f"w{len(params)}"
                params[name] = list(operand) if op == "in" else operand
                parts.append(
                    OPERATORS[op].format(prop=f"{variable}.{fields[key]}", param=f"${name}")
                )
        else:
            raise InputError(f"{path}.{key}", "is not a filterable field")
    return "(" + " AND ".join(parts) + ")" if parts else "true"
