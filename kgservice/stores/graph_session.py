"""One engine connection: prepared statements, per-query deadlines, and fast result reading.

The engine module (``kuzu`` or ``ladybug``) is handed in by :mod:`kgservice.stores.graph`, the
only module that imports it. :func:`_all_values` reads results through the engine's native
result object (a private attribute of kuzu 0.11's ``QueryResult``), with the public API as the
fallback; ``tests/unit/stores/test_graph_session.py`` fails by name if an upgrade changes it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any

from kgservice.errors import QueryError, QueryTimeoutError
from kgservice.stores.query_catalog import NamedQuery

Row = dict[str, Any]
#: A result as column names and rows of values, in the query's RETURN order.
Values = tuple[list[str], list[list[Any]]]
PREPARED_CACHE_SIZE = 512  # per connection; filtered queries add one entry per filter shape

#: The monotonic time by which the current caller's queries must finish (see query_deadline).
_DEADLINE: ContextVar[float | None] = ContextVar("kg_query_deadline", default=None)


@contextmanager
def query_deadline(deadline: float | None) -> Iterator[None]:
    """Run the enclosed queries under ``deadline`` (a ``time.monotonic()`` value).

    Each query's engine timeout becomes the smaller of ``query_timeout_ms`` and the time left,
    so a request's time budget interrupts the query itself; a query started after the
    deadline fails at once with :class:`QueryTimeoutError`.
    """
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds left before the current caller's query deadline (None: no deadline)."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


class EngineSession:
    """One engine connection with its cache of prepared statements."""

    def __init__(self, engine: ModuleType, database: Any, timeout_ms: int) -> None:
        self._engine = engine
        self.connection = engine.Connection(database)
        self.connection.set_query_timeout(timeout_ms)
        self._default_timeout_ms = timeout_ms
        self._timeout_ms = timeout_ms
        self._prepared: OrderedDict[str, Any] = OrderedDict()

    def run(self, query: NamedQuery, params: Mapping[str, Any]) -> list[Row]:
        return _as_dicts(self._run(query, params))

    def run_values(self, query: NamedQuery, params: Mapping[str, Any]) -> Values:
        """Run ``query``; return its column names and its rows as lists of values."""
        (values,) = self._run(query, params)  # a prepared statement is one statement
        return values

    def _run(self, query: NamedQuery, params: Mapping[str, Any]) -> list[Values]:
        query.check_parameters(params)
        statement = self._prepared.pop(query.name, None)  # re-inserted below: LRU order
        if statement is not None:
            self._prepared[query.name] = statement
        else:
            statement = self._engine.prepared_statement.PreparedStatement(
                self.connection, query.text
            )
            if not statement.is_success():
                raise QueryError(f"query {query.name} is invalid: {statement.get_error_message()}")
            self._prepared[query.name] = statement
            if len(self._prepared) > PREPARED_CACHE_SIZE:
                self._prepared.popitem(last=False)
        self._apply_deadline(query.name)
        return self._collect(query.name, statement, dict(params))

    def execute(self, label: str, text: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run trusted text (migration DDL, COPY); never text built from user input."""
        return _as_dicts(self._collect(label, text, dict(params or {})))

    def _apply_deadline(self, label: str) -> None:
        """Bound a named query by the caller's deadline (never BEGIN/COMMIT/ROLLBACK/DDL)."""
        timeout_ms = self._default_timeout_ms
        deadline = _DEADLINE.get()
        if deadline is not None:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                raise QueryTimeoutError(f"query {label} ran past its time budget")
            timeout_ms = min(timeout_ms, left_ms)
        if timeout_ms != self._timeout_ms:
            self.connection.set_query_timeout(timeout_ms)
            self._timeout_ms = timeout_ms

    def _collect(self, label: str, statement: Any, params: dict[str, Any]) -> list[Values]:
        """Execute; return each statement's columns and rows (texts may hold several)."""
        try:
            result = self.connection.execute(statement, params)
        except RuntimeError as exc:
            message = str(exc)
            if "interrupted" in message.lower():
                raise QueryTimeoutError(f"query {label} ran past its time budget") from None
            raise QueryError(f"query {label} failed: {message}") from None
        results = result if isinstance(result, list) else [result]
        collected = []
        for item in results:
            collected.append((item.get_column_names(), _all_values(item)))
            item.close()
        return collected

    def forget_prepared(self) -> None:
        """Drop cached prepared statements (they may be stale after DDL)."""
        self._prepared.clear()

    def close(self) -> None:
        self._prepared.clear()
        self.connection.close()


def _as_dicts(results: list[Values]) -> list[Row]:
    return [dict(zip(columns, row, strict=True)) for columns, rows in results for row in rows]


def _all_values(result: Any) -> list[list[Any]]:
    """Every row of an engine result, as lists of values.

    The engine's ``get_all`` steps a Python iterator per row (two checks and two calls
    each); calling its native result directly takes about half the time on long results.
    """
    native = getattr(result, "_query_result", None)
    if native is None:
        return list(result.get_all())
    rows = []
    has_next, get_next = native.hasNext, native.getNext
    while has_next():
        rows.append(get_next())
    return rows
