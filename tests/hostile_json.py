"""Request bodies a hostile or careless client may send, for the injection and fuzz suites.

Each case is raw bytes spliced into an otherwise valid GraphQL body, at the place of one
JSON-typed argument (found by introspection), or the whole body. The server must answer
each with HTTP 200 and a proper GraphQL answer, or with HTTP 400 and a one-line JSON error;
never a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
)

#: Deeper than any decoder's recursion limit.
DEEP = 5_000
#: Deep in ``variables``: past the default nesting limit, short of json's recursion limit.
DEEP_VARIABLES = 3_000
#: The placeholder replaced by a hostile value in an encoded body.
HOLE = "__hostile_value__"

#: name -> (raw JSON value, whether the server must refuse it with 400)
VALUES: dict[str, tuple[bytes, bool]] = {
    "deep_array": (b"[" * DEEP_VARIABLES + b"]" * DEEP_VARIABLES, True),
    "deep_object": (b'{"a":' * DEEP_VARIABLES + b"1" + b"}" * DEEP_VARIABLES, True),
    "nested_within_limit": (b'{"a":' * 30 + b"[1]" + b"}" * 30, False),
    "huge_integer": (b"9" * 5_000, True),
    "long_integer": (b"-" + b"9" * 300, False),
    "huge_exponent": (b"1e999999", True),
    "long_string": (b'"' + b"x" * 200_000 + b'"', False),
    "invalid_utf8": (b'"caf\xc3\x28 \xff\xfe"', True),
    "lone_surrogate": (b'"a \\ud800 b"', True),
    "reversed_surrogates": (b'"\\udc00\\ud800"', True),
}

#: Whole bodies: name -> raw body (every one refused with 400).
BODIES: dict[str, bytes] = {
    "deep_body_array": b"[" * DEEP + b"]" * DEEP,
    "deep_body_object": b'{"query":' * DEEP + b'"{ version { service } }"' + b"}" * DEEP,
    "invalid_utf8_body": b'{"query": "{ version { service } }", "x": "\xff"}',
    "surrogate_body": b'{"query": "{ version { service } }", "operationName": "\\udfff"}',
    "huge_integer_body": b'{"query": "{ version { service } }", "x": ' + b"1" * 5_000 + b"}",
}


def json_slots(
    kind: GraphQLInputType, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """Every JSON scalar reachable from an input type (list items as index 0)."""
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if isinstance(inner, GraphQLList):
        yield from json_slots(inner.of_type, (*path, 0))
    elif isinstance(inner, GraphQLScalarType) and inner.name == "JSON":
        yield path
    elif isinstance(inner, GraphQLInputObjectType):
        for name, field in inner.fields.items():
            if name not in ("AND", "OR", "NOT"):  # recursive filters: their leaves suffice
                yield from json_slots(field.type, (*path, name))


def json_arguments(
    schema: GraphQLSchema,
) -> Iterator[tuple[str, str, GraphQLField, str, tuple[Any, ...]]]:
    """(operation, field name, field, argument, slot) of every JSON slot of every root field."""
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            for argument, arg in field.args.items():
                for slot in json_slots(arg.type):
                    yield operation, name, field, argument, slot


def splice(query: str, variables: dict[str, Any], raw: bytes) -> bytes:
    """The encoded body with ``raw`` in place of the string ``HOLE``."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    assert body.count(json.dumps(HOLE).encode()) == 1
    return body.replace(json.dumps(HOLE).encode(), raw)


def check_refusal(status: int, text: str, where: str) -> None:
    """A 400 whose body is one line of JSON with a GraphQL-style error."""
    assert status == 400, f"{where}: {status} {text[:300]}"
    assert "\n" not in text.strip(), f"{where}: {text[:300]}"
    body = json.loads(text)
    assert body["errors"][0]["message"], where
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", where
