"""A write transaction on the graph store's writer connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pyarrow as pa

from kgservice.stores.graph_session import EngineSession, Row


class TransactionHost(Protocol):
    """What a transaction needs of its store (:class:`kgservice.stores.graph.GraphStore`)."""

    def resolve(self, name: str, label: str | None = None) -> Any: ...

    def forget_schema(self) -> None: ...

    def _copy(
        self, session: EngineSession, table: str, data: pa.Table, pair: tuple[str, str] | None
    ) -> int: ...


class Transaction:
    """A write transaction on the writer connection; see :meth:`GraphStore.transaction`."""

    def __init__(self, store: TransactionHost, session: EngineSession) -> None:
        self._store = store
        self._session = session
        self.changed_schema = False
        self.copied = False  # a COPY makes the commit checkpoint the database

    def run(
        self, name: str, params: Mapping[str, Any] | None = None, *, label: str | None = None
    ) -> list[Row]:
        """Run the named query ``name`` inside this transaction."""
        return self._session.run(self._store.resolve(name, label), params or {})

    def execute_trusted(self, statement: str) -> list[Row]:
        """Run a statement from a migration file (trusted text, no user input)."""
        self.changed_schema = True
        self._store.forget_schema()
        return self._session.execute("migration statement", statement)

    def copy_from_arrow(
        self, table: str, data: pa.Table, *, pair: tuple[str, str] | None = None
    ) -> int:
        """Bulk-load ``data`` into node or rel ``table``; see :meth:`GraphStore.copy_from_arrow`.

        The commit then checkpoints the whole database (the engine keeps COPY out of its
        write-ahead log), with the pooled readers drained as :meth:`GraphStore.checkpoint` does.
        """
        loaded = self._store._copy(self._session, table, data, pair)
        self.copied = self.copied or loaded > 0
        return loaded
