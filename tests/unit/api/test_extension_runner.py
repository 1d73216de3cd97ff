"""CachedHooksRunner runs extension hooks as strawberry's own runner does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from kgservice.api.extension_runner import CachedHooksRunner

Log = list[str]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("resolver failed")


class CachedSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return CachedHooksRunner(execution_context=execution_context, extensions=extensions)


def recorder(log: Log, name: str) -> type[SchemaExtension]:
    """An extension logging every phase it enters and leaves, and errors it sees."""

    def phase(hook: str) -> Callable[[SchemaExtension], Iterator[None]]:
        def run(self: SchemaExtension) -> Iterator[None]:
            log.append(f"{name}.{hook}>")
            try:
                yield
            except Exception as error:
                log.append(f"{name}.{hook}!{type(error).__name__}")
                raise
            log.append(f"{name}.{hook}<")

        return run

    hooks = {h: phase(h) for h in ("on_operation", "on_parse", "on_validate", "on_execute")}
    return type(name, (SchemaExtension,), hooks)


class Refuses(SchemaExtension):
    """Fails when execution starts, like a guard would."""

    def on_execute(self) -> Iterator[None]:
        raise PermissionError("refused")
        yield  # pragma: no cover


class ReplacesResult(SchemaExtension):
    """Sets a result before execution, as our write-scope guard does."""

    def on_execute(self) -> Iterator[None]:
        self.execution_context.result = strawberry.types.ExecutionResult(
            data={"hello": "replaced"}, errors=None
        )
        yield


class AsyncHook(SchemaExtension):
    """An async-generator hook, which goes to strawberry's own context manager."""

    log: ClassVar[Log] = []

    async def on_operation(self) -> AsyncIterator[None]:
        AsyncHook.log.append("async>")
        yield
        AsyncHook.log.append("async<")


class PlainHook(SchemaExtension):
    """A hook that is a plain method, also strawberry's own way."""

    log: ClassVar[Log] = []

    def on_parse(self) -> None:  # type: ignore[override]
        PlainHook.log.append("plain")


class Reports(SchemaExtension):
    """Adds results of its own to the response."""

    def get_results(self) -> dict[str, Any]:
        return {"report": {"query": self.execution_context.query}}


class ReportsLater(SchemaExtension):
    """Adds results asynchronously."""

    async def get_results(self) -> dict[str, Any]:  # type: ignore[override]
        return {"later": True}


def both(
    extensions: Callable[[Log], list[type[SchemaExtension]]],
    query: str,
    sync: bool = False,
) -> tuple[tuple[Log, Any], tuple[Log, Any]]:
    """Run ``query`` on a plain strawberry schema and on ours: (log, result) of each."""
    out = []
    for schema_type in (strawberry.Schema, CachedSchema):
        log: ClassVar[Log] = []
        schema = schema_type(query=Query, extensions=extensions(log))
        result = schema.execute_sync(query) if sync else asyncio.run(schema.execute(query))
        errors = [e.message for e in result.errors or ()]
        out.append((log, (result.data, errors, result.extensions)))
    return out[0], out[1]


def test_hooks_run_in_the_same_order() -> None:
    general, cached = both(lambda log: [recorder(log, "A"), recorder(log, "B")], "{ hello }")
    assert cached == general
    assert cached[0][:3] == ["A.on_operation>", "B.on_operation>", "A.on_parse>"]
    assert cached[1] == ({"hello": "hi"}, [], {})


def test_sync_execution_runs_the_same_hooks() -> None:
    general, cached = both(
        lambda log: [recorder(log, "A"), recorder(log, "B")], "{ hello }", sync=True
    )
    assert cached == general
    assert "B.on_execute<" in cached[0]


def test_resolver_errors_and_invalid_queries_are_the_same() -> None:
    for query in ("{ broken }", "{ nope }", "{ hello"):
        general, cached = both(lambda log: [recorder(log, "A")], query)
        assert cached == general
        assert cached[1][1], query  # each reports an error


@pytest.mark.parametrize("sync", [False, True])
def test_extension_results_are_the_same(sync: bool) -> None:
    extensions: list[type[SchemaExtension]] = [Reports] if sync else [Reports, ReportsLater]
    general, cached = both(lambda log: [recorder(log, "A"), *extensions], "{ hello }", sync)
    assert cached == general
    assert cached[1][2]["report"] == {"query": "{ hello }"}


def test_a_hook_failing_on_entry_fails_the_request_the_same_way() -> None:
    general, cached = both(
        lambda log: [recorder(log, "A"), Refuses, recorder(log, "B")], "{ hello }"
    )
    assert cached[1] == general[1] == (None, ["refused"], {})
    assert "B.on_execute>" not in cached[0]  # hooks after the failing one never start
    # The one liberty: hooks entered before it are closed with its error.
    assert "A.on_execute!PermissionError" in cached[0]
    assert "A.on_execute!PermissionError" not in general[0]
    assert [e for e in cached[0] if e != "A.on_execute!PermissionError"] == general[0]


def test_a_result_set_by_a_hook_is_kept() -> None:
    general, cached = both(lambda log: [ReplacesResult], "{ hello }")
    assert cached == general == ([], ({"hello": "replaced"}, [], {}))


def test_hooks_of_other_kinds_run_strawberrys_way() -> None:
    AsyncHook.log.clear()
    PlainHook.log.clear()
    general, cached = both(lambda log: [recorder(log, "A"), AsyncHook, PlainHook], "{ hello }")
    assert cached == general
    assert AsyncHook.log == ["async>", "async<"] * 2
    assert PlainHook.log == ["plain"] * 2
