"""PlainFieldExecutor answers exactly as strawberry's general executor, only faster."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import inspect
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
import strawberry
from graphql.execution.collect_fields import FieldDetailsList
from starlette.routing import WebSocketRoute
from strawberry.extensions import FieldExtension, ParserCache, SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from kgservice.api.app import KgGraphQL, create_app
from kgservice.api.context import RequestContext
from kgservice.api.execution import TESTED_WITH, PlainFieldExecutor
from kgservice.api.schema import KgSchema, build_schema
from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.settings import load_settings
from kgservice.stores.opening import Stores


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):
    size: int
    colour: Colour
    when: dt.datetime
    tags: list[str]
    maybe: int | None
    data: JSON | None


@strawberry.type
class Badge(Named):
    """Another type of the interface: a Leaf field holding one is an error."""

    level: int


class BigLeaf(Leaf):
    """A subclass: strawberry's is_type_of accepts it."""


@strawberry.type
class Holder:
    label: str
    leaf: Leaf
    leaves: list[Leaf]
    maybe_leaf: Leaf | None
    strict: str  # sometimes None on purpose: a non-null violation
    wrong: int  # sometimes a string on purpose: a value Int refuses
    anything: Named  # an interface: never plain

    @strawberry.field
    def computed(self) -> str:
        return self.label.upper()

    @strawberry.field
    def scaled(self, by: int) -> int:
        return len(self.label) * by


def _leaf(i: int) -> Leaf:
    return Leaf(
        name=f"leaf-{i}",
        size=i,
        colour=Colour.RED if i % 2 else Colour.BLUE,
        when=dt.datetime(2026, 1, 1, 12, i % 60, tzinfo=dt.UTC),
        tags=[f"t{i}", "x"],
        maybe=None if i % 3 else i,
        data={"i": i, "nested": [1, None, "a"]} if i % 2 else None,
    )


def _holder(i: int, *, strict: str | None = "ok", wrong: Any = 1) -> Holder:
    return Holder(
        label=f"h{i}",
        leaf=_leaf(i),
        leaves=[_leaf(i * 10 + j) for j in range(5)],
        maybe_leaf=_leaf(i) if i % 2 else None,
        strict=strict,  # type: ignore[arg-type]
        wrong=wrong,
        anything=_leaf(i),
    )


ROOT = Path(__file__).resolve().parents[3]
HOLDERS: list[Holder] = []
T = TypeVar("T")


@strawberry.type
class Box(Generic[T]):
    """A generic type: its specialisations' is_type_of accepts the generic class."""

    note: str
    item: T


@strawberry.type
class Query:
    @strawberry.field
    def holders(self) -> list[Holder]:
        return HOLDERS

    @strawberry.field
    async def later(self) -> list[Holder]:
        return HOLDERS

    @strawberry.field
    def boxes(self) -> list[Box[Leaf]]:
        return [Box(note=h.label, item=h.leaf) for h in HOLDERS]


def _schemas(**extra: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    general = strawberry.Schema(query=Query, types=[Leaf, Badge], **extra)
    plain = strawberry.Schema(
        query=Query, types=[Leaf, Badge], execution_context_class=PlainFieldExecutor, **extra
    )
    return plain, general


def _both(query: str, variables: dict[str, Any] | None = None, **extra: Any) -> Any:
    plain, general = _schemas(**extra)
    fast = plain.execute_sync(query, variable_values=variables)
    slow = general.execute_sync(query, variable_values=variables)
    assert fast.data == slow.data
    assert [e.formatted for e in fast.errors or []] == [e.formatted for e in slow.errors or []]
    return fast


@pytest.fixture(autouse=True)
def holders() -> None:
    HOLDERS[:] = [_holder(i) for i in range(4)]


QUERIES = [
    "{ holders { label } }",
    "{ holders { __typename label leaf { __typename name size colour when tags maybe data } } }",
    "{ holders { leaves { name size } maybeLeaf { name } } }",
    "{ holders { a: label b: label leaf { n: name } ...F } } fragment F on Holder { label strict }",
    "{ holders { leaf { ... on Leaf { size } ... on Named { name } } } }",
    "query($s: Boolean!) { holders { label @skip(if: $s) leaf @include(if: $s) { name } } }",
    "{ holders { computed label leaf { name } } }",  # a resolver beside plain fields
    "{ holders { scaled(by: 3) leaf { size } } }",  # an argument
    "{ holders { anything { name ... on Leaf { size } } } }",  # an interface
    "{ holders { leaf { name } } holders2: holders { label } }",
    "{ boxes { note item { __typename name size } } }",  # a generic type
]


@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_as_the_general_executor(query: str) -> None:
    result = _both(query, {"s": True})
    assert not result.errors


def _both_async(query: str, prepare: Callable[[], None] = lambda: None) -> Any:
    """Like ``_both`` in an event loop; ``prepare`` runs before each (fresh awaitables)."""
    plain, general = _schemas()

    async def run(schema: strawberry.Schema) -> Any:
        prepare()
        return await schema.execute(query)

    fast, slow = asyncio.run(run(plain)), asyncio.run(run(general))
    assert fast.data == slow.data
    return fast


def test_async_resolvers_upstream_of_plain_objects() -> None:
    assert not _both_async("{ later { label leaves { name colour } } }").errors


def test_a_null_in_a_non_null_field_is_reported_as_before() -> None:
    HOLDERS[2] = _holder(2, strict=None)
    result = _both("{ holders { label strict leaf { name } } }")
    assert result.data is None
    assert result.errors
    assert "Holder.strict" in result.errors[0].message


def test_a_value_its_scalar_refuses_is_reported_as_before() -> None:
    HOLDERS[1] = _holder(1, wrong="not a number")
    result = _both("{ holders { label wrong } }")
    assert result.errors
    assert result.errors[0].path == ["holders", 1, "wrong"]


def test_a_missing_attribute_is_reported_as_before() -> None:
    del HOLDERS[3].label
    result = _both("{ holders { label } }")
    assert result.errors
    assert result.errors[0].path == ["holders", 3, "label"]


def test_awaitable_attribute_values_are_awaited_as_before() -> None:
    async def label() -> str:
        return "awaited"

    def prepare() -> None:
        HOLDERS[:] = [_holder(0)]
        HOLDERS[0].label = label()  # type: ignore[assignment]

    result = _both_async("{ holders { label } }", prepare)
    assert result.data == {"holders": [{"label": "awaited"}]}


def test_awaitable_objects_are_awaited_as_before() -> None:
    async def leaf() -> Leaf:
        return _leaf(7)

    def prepare() -> None:
        HOLDERS[:] = [_holder(0)]
        HOLDERS[0].leaf = leaf()  # type: ignore[assignment]

    result = _both_async("{ holders { leaf { __typename size } } }", prepare)
    assert result.data == {"holders": [{"leaf": {"__typename": "Leaf", "size": 7}}]}


def test_objects_of_other_types_complete_or_fail_as_before() -> None:
    # Strawberry's is_type_of accepts any instance of the type's interfaces...
    HOLDERS[1].leaf = Badge(name="b", level=1)  # type: ignore[assignment]
    # ...but not an object cast to another type.
    HOLDERS[2].leaves[0] = strawberry.cast(Badge, _leaf(3))
    result = _both("{ holders { leaf { name } leaves { name } } }")
    assert [e.path for e in result.errors or ()] == [["holders", 2, "leaves", 0]]


def test_instances_of_subclasses_complete_as_before() -> None:
    HOLDERS[0].leaf = BigLeaf(**vars(_leaf(5)))
    assert not _both("{ holders { leaf { name size } } }").errors


@pytest.mark.parametrize(("size", "label"), [(True, "h"), (2**31, "h"), (3.0, 5), (-(2**31), "")])
def test_int_and_string_values_outside_the_inline_cases_coerce_as_before(
    size: Any, label: Any
) -> None:
    HOLDERS[0].leaf.size = size
    HOLDERS[0].label = label
    _both("{ holders { label leaf { size } } }")


def test_plain_selections_skip_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is taken (a test that the optimisation exists, not only that it's right)."""
    calls: list[str] = []
    general = PlainFieldExecutor.__mro__[1].complete_object_value

    def counting(self: Any, return_type: Any, *args: Any) -> Any:
        calls.append(return_type.name)
        return general(self, return_type, *args)

    monkeypatch.setattr(PlainFieldExecutor.__mro__[1], "complete_object_value", counting)
    plain, _ = _schemas()
    assert not plain.execute_sync("{ holders { label leaves { name } } }").errors
    assert calls == []
    assert not plain.execute_sync("{ holders { computed leaves { name } } }").errors
    assert set(calls) == {"Holder"}  # Holder has a resolver; its leaves stay plain


class Shout(SchemaExtension):
    """An extension hooking field resolution: the executor must not bypass it."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


def test_extensions_that_hook_resolution_still_see_every_field() -> None:
    result = _both("{ holders { label leaf { name } } }", extensions=[Shout])
    assert result.data["holders"][0] == {"label": "H0", "leaf": {"name": "LEAF-0"}}


def _cached_parse() -> dict[str, Any]:
    """Schema options that hand every request the same document, as the service does."""
    return {"extensions": [lambda: ParserCache(maxsize=16)]}


def test_later_requests_of_a_document_complete_anew() -> None:
    plain, _ = _schemas(**_cached_parse())
    query = "{ holders { label leaves { name size } } }"
    first = plain.execute_sync(query)
    HOLDERS[0].label = "changed"
    again = plain.execute_sync(query)
    assert again.data != first.data
    assert again.data == _both(query).data


def test_documents_with_directives_follow_their_variables() -> None:
    plain, general = _schemas(**_cached_parse())
    query = "query($s: Boolean!) { holders { label leaf @skip(if: $s) { name } } }"
    for skip in (True, False, True):
        fast = plain.execute_sync(query, variable_values={"s": skip})
        assert fast.data == general.execute_sync(query, variable_values={"s": skip}).data
        assert fast.data is not None
        assert ("leaf" in fast.data["holders"][0]) is (not skip)


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Upper(FieldExtension):
    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Guarded:
    label: str
    secret: str = strawberry.field(permission_classes=[Deny])
    shouted: str = strawberry.field(extensions=[Upper()])


@strawberry.type
class GuardedQuery:
    @strawberry.field
    def guarded(self) -> list[Guarded]:
        return [Guarded(label=f"g{i}", secret="hidden", shouted=f"s{i}") for i in range(3)]


def _guarded_both(query: str) -> Any:
    plain = strawberry.Schema(query=GuardedQuery, execution_context_class=PlainFieldExecutor)
    general = strawberry.Schema(query=GuardedQuery)
    fast, slow = plain.execute_sync(query), general.execute_sync(query)
    assert fast.data == slow.data
    assert [e.formatted for e in fast.errors or []] == [e.formatted for e in slow.errors or []]
    return fast


def test_a_permission_guarded_field_without_resolver_is_checked() -> None:
    result = _guarded_both("{ guarded { label secret } }")
    assert result.data is None
    assert result.errors
    assert result.errors[0].message == "not for you"


def test_a_field_extension_on_a_field_without_resolver_runs() -> None:
    result = _guarded_both("{ guarded { label shouted } }")
    assert result.data == {"guarded": [{"label": f"g{i}", "shouted": f"S{i}"} for i in range(3)]}


class EditResult(SchemaExtension):
    """Edits the response in place after execution, as an extension may."""

    def on_execute(self) -> Any:
        yield
        result = self.execution_context.result
        if result is not None and result.data is not None:
            result.data["holders"][0]["label"] = "edited"
            result.data["holders"][0]["leaf"]["name"] = "edited"


def test_an_edited_response_does_not_leak_into_later_requests() -> None:
    plain, general = _schemas(extensions=[lambda: ParserCache(maxsize=16), EditResult])
    query = "{ holders { label leaf { name } } }"
    for _ in range(3):
        fast = plain.execute_sync(query)
        assert fast.data == general.execute_sync(query).data
        assert fast.data is not None
        assert fast.data["holders"][1] == {"label": "h1", "leaf": {"name": "leaf-1"}}


def test_an_edited_page_of_messages_does_not_leak_into_later_requests(
    stores: Stores, embedder: Embedder
) -> None:
    """The service's schema, a page of messages read twice: the second answer is its own."""
    services = Services.create(stores, embedder)
    project = services.sessions.create_project("kg")
    session = services.sessions.create_session(project.id, "agent-1")
    thread = services.sessions.create_thread(session.id, "t")
    services.sessions.add_messages(thread.id, [NewMessage("user", f"m{i}") for i in range(3)])
    schema = build_schema()
    query = (
        "query($t: ID!) { thread(id: $t) { messages(first: 3) { edges { node { content } } } } }"
    )

    async def read() -> Any:
        result = await schema.execute(
            query, variable_values={"t": thread.id}, context_value=RequestContext(services)
        )
        assert not result.errors
        return result.data

    for _ in range(3):
        data = asyncio.run(read())
        edges = data["thread"]["messages"]["edges"]
        assert [e["node"]["content"] for e in edges] == ["m0", "m1", "m2"]
        edges[0]["node"]["content"] = "edited"  # as a client library or an extension may
        edges.pop()


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_private_internals_pinned() -> None:
    """The private parts of strawberry and graphql-core that execution.py and
    extension_runner.py override are as they were written against.

    When an upgrade fails here, compare the overridden code with the new release, adapt it
    (or switch it off with KG_FAST_EXECUTOR=false), then move TESTED_WITH and the pins.
    """
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for package, tested in TESTED_WITH.items():
        assert ".".join(version(package).split(".")[:2]) == tested, package
        major, minor = tested.split(".")
        spec = f">={tested},<{major}.{int(minor) + 1}"
        assert any(p.split("[")[0].startswith(package) and p.endswith(spec) for p in pinned)
    base = PlainFieldExecutor.__mro__[1]
    assert base is StrawberryGraphQLCoreExecutionContext
    assert _parameters(base.complete_object_value) == [
        *("self", "return_type", "field_details_list", "info", "path", "result"),
        "position_context",
    ]
    assert _parameters(base.collect_subfields) == ["self", "return_type", "field_details_list"]
    assert callable(base.is_awaitable)
    assert any(
        "self.middleware_manager =" in inspect.getsource(c.__init__)
        for c in base.__mro__
        if "__init__" in vars(c) and c.__module__.startswith("graphql.")
    )
    assert GraphQLCoreConverter.DEFINITION_BACKREF == "strawberry-definition"
    assert TYPE_CAST_ATTRIBUTE == "__as_strawberry_type__"
    assert FieldDetailsList is not None
    assert _parameters(strawberry.Schema.create_extensions_runner) == [
        *("self", "execution_context", "extensions")
    ]
    assert _parameters(SchemaExtensionsRunner.__init__) == [
        *("self", "execution_context", "extensions")
    ]
    for manager, hook in (
        (OperationContextManager, "on_operation"),
        (ValidationContextManager, "on_validate"),
        (ParsingContextManager, "on_parse"),
        (ExecutingContextManager, "on_execute"),
    ):
        assert hook == manager.HOOK_NAME
        assert callable(getattr(SchemaExtension, hook))
    assert _parameters(SchemaExtensionsRunner.get_extensions_results) == ["self", "ctx"]
    assert _parameters(SchemaExtensionsRunner.get_extensions_results_sync) == ["self"]


def test_the_fast_executor_setting_switches_it_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embedder: Embedder
) -> None:
    for value, executor in (
        ("true", PlainFieldExecutor),
        ("false", StrawberryGraphQLCoreExecutionContext),
    ):
        monkeypatch.setenv("KG_FAST_EXECUTOR", value)
        app = create_app(load_settings(data_dir=tmp_path / "data"), embedder=embedder)
        graphql = next(
            route.app
            for route in app.routes
            if isinstance(route, WebSocketRoute) and route.path == "/graphql"
        )
        assert isinstance(graphql, KgGraphQL)
        assert graphql.schema.execution_context_class is executor  # type: ignore[attr-defined]
        assert isinstance(graphql.schema, KgSchema) is (value == "true")
