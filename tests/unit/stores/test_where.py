from __future__ import annotations

import pytest

from kgservice.errors import InputError
from kgservice.stores.where import MAX_DEPTH, compile_where

FIELDS = {"name": "name", "status": "status"}


def test_empty_filter_is_true() -> None:
    assert compile_where(None, "t", FIELDS).expression == "true"
    assert compile_where({}, "t", FIELDS).expression == "true"


def test_values_become_parameters() -> None:
    compiled = compile_where(
        {
            "name": {"contains": "x') DELETE", "starts_with": "a"},
            "OR": [{"status": {"in": ["a", "b"]}}],
        },
        "t",
        FIELDS,
    )
    assert "DELETE" not in compiled.expression
    assert compiled.params == {"w0": "x') DELETE", "w1": "a", "w2": ["a", "b"]}
    assert compiled.expression == (
        "(t.name CONTAINS $w0 AND starts_with(t.name, $w1) AND ((list_contains($w2, t.status))))"
    )


def test_unknown_fields_and_operators_are_refused() -> None:
    with pytest.raises(InputError, match="is not a filterable field"):
        compile_where({"secret": {"eq": 1}}, "t", FIELDS)
    with pytest.raises(InputError, match="unknown operator"):
        compile_where({"name": {"regex": ".*"}}, "t", FIELDS)


def test_depth_is_bounded() -> None:
    where: dict = {"name": {"eq": "x"}}
    for _ in range(MAX_DEPTH + 1):
        where = {"NOT": where}
    with pytest.raises(InputError, match="nest at most"):
        compile_where(where, "t", FIELDS)
