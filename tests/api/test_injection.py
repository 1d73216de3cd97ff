"""Cypher, SQL and FTS5 injection through every string and ID argument of the schema.

The schema is introspected, so fields added later are covered without editing this test.
For every query and mutation field and every String/ID slot of its arguments (nested input
fields and list items included), the field is called once with a benign literal and once
per payload, each on fresh fixture nodes. The server must answer (HTTP 200, no masked
unexpected error), the change in node, edge and vector counts must be the benign call's
change (nothing beyond the literal's own write), and a payload that was written is stored
verbatim.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
)
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.settings import Settings
from kgservice.stores.embedder import Embedder
from kgservice.stores.opening import Stores

PAYLOADS = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "'); DROP TABLE vectors; --",
    "`Project`) DETACH DELETE n //",
    "$id",
    'NEAR(a b) OR "x" * AND -y ^z: {col}',
    "\\'; MATCH (n) SET n.name = 'pwned' RETURN n //",
]
PADDING = " <- injection probe, padded past every minimum length of the schema."
BENIGN = "benign probe text, long enough to pass every minimum length of the schema."
#: Mutations that start background work (a Job): their later effects depend on the data,
#: so only "nothing disappeared" is checked for them.
BACKGROUND_PREFIXES = ("start",)
#: Tables whose rows a write creates on first use (skills, modalities) or replaces (a
#: skill's modalities and category, a category's parent), so what the same write changes
#: there depends on what earlier calls stored: not compared.
CREATED_ON_FIRST_USE = {
    "node:Skill",
    "node:Modality",
    "rel:HAS_MODALITY",
    "rel:IN_CATEGORY",
    "rel:SUBCATEGORY_OF",
}

Path = tuple[str | int, ...]


@dataclass
class Fixture:
    """Fresh nodes that default ID arguments point at."""

    ids: dict[str, str]

    def id_for(self, name: str) -> str:
        lowered = name.lower()
        for kind in ("project", "session", "thread", "message", "reflection"):
            if kind in lowered:
                return self.ids[kind]
        return self.ids["thread"]


def unwrap(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def type_string(kind: Any) -> str:
    if isinstance(kind, GraphQLNonNull):
        return type_string(kind.of_type) + "!"
    if isinstance(kind, GraphQLList):
        return f"[{type_string(kind.of_type)}]"
    return str(kind.name)


def slots(
    kind: GraphQLInputType, path: Path = (), seen: frozenset[str] = frozenset()
) -> Iterator[Path]:
    """Every String/ID leaf reachable from an input type (list items as index 0).

    A recursive input type (``where: {AND: [...]}``) is entered once per path.
    """
    named = unwrap(kind)
    inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
    if isinstance(inner, GraphQLList):
        yield from slots(inner.of_type, (*path, 0), seen)
    elif isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        yield path
    elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            yield from slots(field.type, (*path, name), seen | {named.name})


def value_for(
    kind: GraphQLInputType, name: str, fixture: Fixture, slot: Path | None, literal: str
) -> Any:
    """A value of ``kind``: the literal at the slot path, plausible defaults elsewhere."""
    if isinstance(kind, GraphQLNonNull):
        return value_for(kind.of_type, name, fixture, slot, literal)
    if isinstance(kind, GraphQLList):
        return [value_for(kind.of_type, name, fixture, slot[1:] if slot else None, literal)]
    if slot == ():
        return literal
    if isinstance(kind, GraphQLInputObjectType):
        value = {}
        for field_name, field in kind.fields.items():
            on_path = slot is not None and slot[0] == field_name
            if on_path or isinstance(field.type, GraphQLNonNull):
                inner = slot[1:] if on_path and slot else None
                value[field_name] = value_for(field.type, field_name, fixture, inner, literal)
        return value
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    scalar = kind.name
    if scalar == "ID":
        return fixture.id_for(name)
    if scalar == "String":
        return {"role": "user", "status": "active", "mode": "TEXT"}.get(name, BENIGN)
    return {
        "Int": 1,
        "Float": 0.5,
        "Boolean": False,
        "JSON": {"note": BENIGN},
        "DateTime": "2026-01-01T00:00:00+00:00",
    }.get(scalar, BENIGN)


def selection(kind: GraphQLOutputType, depth: int = 2) -> str:
    """Scalar fields of the result, two levels deep (unions and interfaces spread)."""
    named: GraphQLNamedType = unwrap(kind)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLUnionType):
        members = " ".join(f"... on {m.name} {selection(m, depth)}" for m in named.types)
        return f"{{ __typename {members} }}"
    parts = ["__typename"]
    if depth > 0 and isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for name, field in named.fields.items():
            if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
                continue
            inner = unwrap(field.type)
            if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
                parts.append(name)
            elif depth > 1 and not isinstance(inner, GraphQLInterfaceType | GraphQLUnionType):
                sub = selection(field.type, depth - 1)
                parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }"


def document(operation: str, name: str, field: GraphQLField) -> str:
    variables = ", ".join(f"${a}: {type_string(arg.type)}" for a, arg in field.args.items())
    arguments = ", ".join(f"{a}: ${a}" for a in field.args)
    head = f"{operation}({variables})" if variables else operation
    call = f"{name}({arguments})" if arguments else name
    return f"{head} {{ {call} {selection(field.type)} }}"


def counts(stores: Stores) -> dict[str, int]:
    graph = stores.graph
    found = {f"node:{r['label']}": r["count"] for r in graph.run("core/count_nodes")}
    found |= {f"rel:{r['label']}": r["count"] for r in graph.run("core/count_rels")}
    for table in stores.vectors.table_names():
        found[f"vec:{table}"] = stores.vectors.query(f'SELECT count(*) FROM "{table}"')[0][0]
    return found


def settled_counts(stores: Stores, background: bool) -> dict[str, int]:
    now = counts(stores)
    while background:  # wait for a started job to finish changing things
        time.sleep(0.2)
        later = counts(stores)
        if later == now:
            break
        now = later
    return now


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        k: after.get(k, 0) - before.get(k, 0)
        for k in (before.keys() | after.keys()) - CREATED_ON_FIRST_USE
        if after.get(k, 0) != before.get(k, 0)
    }


def stored_verbatim(stores: Stores, literal: str) -> bool:
    for table in stores.graph.table_names():
        try:
            rows = stores.graph.run("index/all_nodes", label=table)
        except Exception:  # rel tables and tables without a node shape
            continue
        for row in rows:
            for value in (row.get("node") or {}).values():
                if value == literal or (isinstance(value, list) and literal in value):
                    return True
                if isinstance(value, str) and json.dumps(literal)[1:-1] in value:
                    return True  # inside a JSON text (metadata)
    return False


@pytest.fixture
def app_and_stores(
    settings: Settings, stores: Stores, embedder: Embedder
) -> Iterator[tuple[TestClient, Stores]]:
    quiet = settings.model_copy(update={"backfill_on_start": False})
    with TestClient(
        create_app(quiet, stores=stores, close_stores=False, embedder=embedder)
    ) as http:
        yield http, stores


def post(http: TestClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors") or []:
        assert error["message"] != "Unexpected error.", (query, variables)
    return body


def make_fixture(http: TestClient) -> Fixture:
    def run(query: str, **variables: Any) -> Any:
        return post(http, query, variables)["data"]

    project = run(
        'mutation { createProject(input: {name: "fixture"}) { ... on CreateProjectPayload { project { id } } } }'
    )
    pid = project["createProject"]["project"]["id"]
    session = run(
        "mutation($p: ID!, $x: String!) { createSession(input: {projectId: $p, externalId: $x}) { ... on CreateSessionPayload { session { id } } } }",
        p=pid,
        x=f"fixture-{time.monotonic_ns()}",
    )
    sid = session["createSession"]["session"]["id"]
    thread = run(
        'mutation($s: ID!) { createThread(input: {sessionId: $s, name: "fixture"}) { ... on ThreadPayload { thread { id } } } }',
        s=sid,
    )
    tid = thread["createThread"]["thread"]["id"]
    message = run(
        'mutation($t: ID!) { addMessage(input: {threadId: $t, role: "user", content: "fixture message"}) { ... on AddMessagePayload { added { id } } } }',
        t=tid,
    )
    reflection = run(
        'mutation($p: ID!) { storeReflection(input: {projectId: $p, content: "fixture reflection"}) { ... on StoreReflectionPayload { reflection { id } } } }',
        p=pid,
    )
    return Fixture(
        {
            "project": pid,
            "session": sid,
            "thread": tid,
            "message": message["addMessage"]["added"]["id"],
            "reflection": reflection["storeReflection"]["reflection"]["id"],
        }
    )


def refused(body: dict[str, Any], field: str) -> bool:
    """Whether the answer is an error: a GraphQL error or a typed error member."""
    if body.get("errors"):
        return True
    result = (body.get("data") or {}).get(field)
    return isinstance(result, dict) and str(result.get("__typename", "")).endswith("Error")


def introspect(http: TestClient) -> GraphQLSchema:
    body = post(http, get_introspection_query(), {})
    return build_client_schema(body["data"])


@pytest.mark.parametrize(
    "payloads",
    [
        pytest.param(PAYLOADS[1:2] + PAYLOADS[5:6], id="quick"),
        pytest.param(PAYLOADS, id="all", marks=pytest.mark.slow),
    ],
)
def test_no_injection_through_any_string_argument(
    app_and_stores: tuple[TestClient, Stores], payloads: list[str]
) -> None:
    http, stores = app_and_stores
    schema = introspect(http)
    shared = make_fixture(http)
    calls = 0
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            text = document(operation, name, field)
            writes = operation == "mutation"
            background = writes and name.startswith(BACKGROUND_PREFIXES)
            fixture = make_fixture(http) if writes else shared
            for arg_name, arg in field.args.items():
                for path in slots(arg.type):
                    is_id = unwrap(_type_at(arg.type, path)).name == "ID"
                    # An injected id must match nothing, and a read must change nothing;
                    # a written string must change what the same write of plain text does.
                    expected: dict[str, int] | None = {} if is_id or not writes else None
                    literals = payloads if expected is not None else [BENIGN, *payloads]
                    for literal in literals:
                        value = literal
                        if literal != BENIGN and not is_id:  # as long as the benign text
                            value = (literal + PADDING)[: max(len(BENIGN), len(literal))]
                        variables = {
                            a: value_for(x.type, a, fixture, path if a == arg_name else None, value)
                            for a, x in field.args.items()
                            if a == arg_name or isinstance(x.type, GraphQLNonNull)
                        }
                        before = settled_counts(stores, background)
                        body = post(http, text, variables)
                        change = delta(before, settled_counts(stores, background))
                        calls += 1
                        where = f"{name}({arg_name}{''.join(f'.{p}' for p in path)}) with {value!r}"
                        if expected is None:
                            expected = change
                        elif background:
                            assert all(v >= 0 for v in change.values()), where
                        elif not (change == {} and refused(body, name)):
                            assert change == expected, f"{where}: {change} != {expected}"
                        if writes and change and literal != BENIGN and not is_id:
                            result = json.dumps(body.get("data"))
                            assert json.dumps(value)[1:-1] in result or stored_verbatim(
                                stores, value
                            ), where
    assert calls > 100


def _type_at(kind: Any, path: Path) -> Any:
    for step in path:
        named = unwrap(kind)
        if isinstance(step, int):
            inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
            kind = inner.of_type
        else:
            kind = named.fields[step].type
    return kind
