"""Extension hooks wrapped once per extension class instead of once per request.

Strawberry builds each lifecycle phase's hooks afresh for every request: for every
extension and phase it looks the hook up, tests what kind of function it is and wraps a
bound method in ``contextlib.contextmanager``. With our seven extensions that is 28
lookups and seven decorator applications a request, about a fifth of a small query's
cost. :class:`CachedHooksRunner` does the lookup and the wrapping once per extension
class and phase; each request only instantiates the context managers.

Hooks run as strawberry runs them: the same ``contextlib`` context managers, in the same
order, on one exit stack per phase. One liberty: when a hook fails on entry, the hooks
entered before it are exited with its error, where strawberry leaves them open. A phase
with a hook that is not a plain generator function (an async generator, a coroutine or
another callable) is handed to strawberry's own context manager unchanged.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, cast

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext
from strawberry.utils.await_maybe import await_maybe

_Factory = Callable[[SchemaExtension], contextlib.AbstractContextManager[None]]


class _General:
    """Marks a hook that strawberry's own context manager must run."""


_GENERAL = _General()


_HOOKS: dict[tuple[type[SchemaExtension], str], _Factory | _General | None] = {}


def _hook(extension_type: type[SchemaExtension], name: str) -> _Factory | _General | None:
    """The context-manager factory of ``extension_type``'s hook ``name`` (None: the class
    keeps the base class's, which does nothing; ``_GENERAL``: not a generator function)."""
    key = (extension_type, name)
    if key not in _HOOKS:
        function = getattr(extension_type, name)
        factory: _Factory | _General | None = _GENERAL
        if function is getattr(SchemaExtension, name):
            factory = None
        elif inspect.isgeneratorfunction(function):
            factory = contextlib.contextmanager(function)
        _HOOKS[key] = factory
    return _HOOKS[key]


class _Phase:
    """One lifecycle phase's hooks, entered in order on one exit stack."""

    __slots__ = ("_hooks", "_stack")

    def __init__(self, hooks: list[contextlib.AbstractContextManager[None]]) -> None:
        self._hooks = hooks
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> None:
        stack = self._stack
        stack.__enter__()
        try:
            for hook in self._hooks:
                stack.enter_context(hook)
        except BaseException as error:  # hooks entered so far are exited, then it fails
            stack.__exit__(type(error), error, error.__traceback__)
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        return self._stack.__exit__(exc_type, exc_val, exc_tb)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        return self.__exit__(exc_type, exc_val, exc_tb)


def _phase(
    extensions: Sequence[SchemaExtension],
    general: type[ExtensionContextManagerBase],
) -> _Phase | ExtensionContextManagerBase:
    hooks: list[contextlib.AbstractContextManager[None]] = []
    for extension in extensions:
        factory = _hook(type(extension), general.HOOK_NAME)
        if factory is None:
            continue
        if isinstance(factory, _General):
            return general(list(extensions))
        hooks.append(factory(extension))
    return _Phase(hooks)


def _has_results(extension_type: type[SchemaExtension]) -> bool:
    """Whether ``extension_type`` adds results of its own (the base class adds none)."""
    return _hook(extension_type, "get_results") is not None


class CachedHooksRunner(SchemaExtensionsRunner):
    """Strawberry's extensions runner with each class's hooks wrapped once.

    Extensions that add no results of their own are not asked for them.
    """

    def operation(self) -> Any:
        return _phase(self.extensions, OperationContextManager)

    def validation(self) -> Any:
        return _phase(self.extensions, ValidationContextManager)

    def parsing(self) -> Any:
        return _phase(self.extensions, ParsingContextManager)

    def executing(self) -> Any:
        return _phase(self.extensions, ExecutingContextManager)

    def get_extensions_results_sync(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if _has_results(type(extension)):
                if inspect.iscoroutinefunction(extension.get_results):
                    raise RuntimeError("Cannot use async extension hook during sync execution")
                data.update(cast(dict[str, Any], extension.get_results()))
        return data

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for extension in self.extensions:
            if _has_results(type(extension)):
                data.update(await await_maybe(extension.get_results()))
        data.update(ctx.extensions_results)
        return data
