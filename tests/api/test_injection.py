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
from starlette.websockets import WebSocketDisconnect

from kgservice.api.app import create_app
from kgservice.embedding import Embedder
from kgservice.settings import Settings
from kgservice.stores.opening import Stores
from tests.hostile_json import BODIES, HOLE, VALUES, check_refusal, json_arguments, splice

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
#: Mutations that start background work (a Job): what the job finds depends on the data,
#: so the tables it writes its findings to are only checked for "nothing disappeared".
BACKGROUND_PREFIXES = ("start",)
JOB_FINDINGS = frozenset({"rel:RELATED"})
#: Payloads sent to each argument slot in the default run: they rotate through PAYLOADS,
#: so every payload reaches many slots while the run stays short.
PER_SLOT = 2
#: Tables whose rows a write creates on first use (skills, categories, modalities: the
#: define mutations create or update by name) or replaces (a
#: skill's modalities and category, a category's parent), so what the same write changes
#: there depends on what earlier calls stored: not compared.
CREATED_ON_FIRST_USE = {
    "node:Skill",
    "node:SkillCategory",
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


def without_findings(change: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in change.items() if k not in JOB_FINDINGS}


@pytest.mark.parametrize(
    "per_slot",
    [pytest.param(PER_SLOT, id="rotating"), pytest.param(None, id="all", marks=pytest.mark.slow)],
)
def test_no_injection_through_any_string_argument(
    app_and_stores: tuple[TestClient, Stores], per_slot: int | None
) -> None:
    http, stores = app_and_stores
    schema = introspect(http)
    shared = make_fixture(http)
    calls = 0
    sent: set[str] = set()
    rotation = 0

    def payloads_for_slot() -> list[str]:
        nonlocal rotation
        if per_slot is None:
            return PAYLOADS
        chosen = [PAYLOADS[(rotation + i) % len(PAYLOADS)] for i in range(per_slot)]
        rotation += per_slot
        return chosen

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
                    payloads = payloads_for_slot()
                    sent.update(payloads)
                    literals = payloads if expected is not None else [BENIGN, *payloads]
                    # Each slot writes texts of its own (unique values, such as external
                    # ids, must not collide with an earlier slot's), as long as the benign one.
                    tag = f" #{calls:06d}"
                    for literal in literals:
                        value = literal
                        if literal == BENIGN and not is_id:
                            value = (tag.strip() + " " + BENIGN)[: len(BENIGN)]
                        elif not is_id:
                            value = (literal + tag + PADDING)[: max(len(BENIGN), len(literal))]
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
                            own = without_findings(change)
                            if not (own == {} and refused(body, name)):
                                assert own == without_findings(expected), f"{where}: {change}"
                        elif not (change == {} and refused(body, name)):
                            assert change == expected, f"{where}: {change} != {expected}"
                        if writes and change and literal != BENIGN and not is_id:
                            result = json.dumps(body.get("data"))
                            assert json.dumps(value)[1:-1] in result or stored_verbatim(
                                stores, value
                            ), where
    assert calls > 100
    assert sent == set(PAYLOADS)  # every payload was sent


def _type_at(kind: Any, path: Path) -> Any:
    for step in path:
        named = unwrap(kind)
        if isinstance(step, int):
            inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
            kind = inner.of_type
        else:
            kind = named.fields[step].type
    return kind


def hostile_json_everywhere(http: Any) -> int:
    """Send every hostile value through every JSON argument, and every hostile body.

    ``http`` posts to ``/graphql`` (a TestClient, or an httpx client of a live server).
    Each must get a 400 with a one-line JSON error or a proper answer. Returns the count.
    """
    schema = introspect(http)
    fixture = make_fixture(http)
    calls = 0
    for operation, name, field, argument, slot in json_arguments(schema):
        text = document(operation, name, field)
        variables = {
            a: value_for(x.type, a, fixture, slot if a == argument else None, HOLE)
            for a, x in field.args.items()
            if a == argument or isinstance(x.type, GraphQLNonNull)
        }
        for case, (raw, must_refuse) in VALUES.items():
            where = f"{name}({argument}{''.join(f'.{p}' for p in slot)}) with {case}"
            response = http.post(
                "/graphql",
                content=splice(text, variables, raw),
                headers={"content-type": "application/json"},
            )
            calls += 1
            if must_refuse:
                check_refusal(response.status_code, response.text, where)
                continue
            assert response.status_code == 200, f"{where}: {response.text[:300]}"
            for error in response.json().get("errors") or []:
                assert error["message"] != "Unexpected error.", where
    for case, body in BODIES.items():
        response = http.post("/graphql", content=body, headers={"content-type": "application/json"})
        check_refusal(response.status_code, response.text, case)
        calls += 1
    return calls


def test_hostile_json_in_every_json_argument(app_and_stores: tuple[TestClient, Stores]) -> None:
    """Deep nesting, huge numbers, long strings, bad UTF-8 and surrogates: 400 or an answer."""
    http, _ = app_and_stores
    assert hostile_json_everywhere(http) >= 5 * len(VALUES) + len(BODIES)


def test_hostile_variables_in_a_get_request(app_and_stores: tuple[TestClient, Stores]) -> None:
    http, _ = app_and_stores
    deep = "[" * 3_000 + "]" * 3_000
    response = http.get("/graphql", params={"query": "{ version { service } }", "variables": deep})
    check_refusal(response.status_code, response.text, "GET variables")


@pytest.mark.parametrize("case", sorted(BODIES))
def test_hostile_bodies_get_a_400(app_and_stores: tuple[TestClient, Stores], case: str) -> None:
    http, _ = app_and_stores
    response = http.post(
        "/graphql", content=BODIES[case], headers={"content-type": "application/json"}
    )
    check_refusal(response.status_code, response.text, case)
    assert http.post("/graphql", json={"query": "{ version { service } }"}).status_code == 200


def test_the_nesting_limit_is_a_setting(
    settings: Settings, stores: Stores, embedder: Embedder
) -> None:
    strict = settings.model_copy(update={"backfill_on_start": False, "max_json_depth": 4})
    app = create_app(strict, stores=stores, close_stores=False, embedder=embedder)
    with TestClient(app) as http:
        query = "{ version { service } }"
        shallow = {"query": query, "variables": {"m": {"a": [1]}}}
        assert http.post("/graphql", json=shallow).status_code == 200
        deep = {"query": query, "variables": {"m": {"a": {"b": [1]}}}}
        response = http.post("/graphql", json=deep)
        check_refusal(response.status_code, response.text, "depth 5 of 4")
        assert "nest" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("case", ["deep_body_array", "deep_body_object", "surrogate_body"])
def test_hostile_websocket_messages_close_the_connection_cleanly(
    app_and_stores: tuple[TestClient, Stores], case: str
) -> None:
    http, _ = app_and_stores
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_text(BODIES[case].decode())
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4400
    assert http.post("/graphql", json={"query": "{ version { service } }"}).status_code == 200
