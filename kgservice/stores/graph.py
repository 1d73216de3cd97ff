"""The graph store: the only module that imports the graph engine (Kuzu, or its fork Ladybug).

Every statement is a named query from ``queries/`` (see :mod:`query_catalog`), bound with
parameters only. Writes go through one writer connection guarded by a lock
(:mod:`.graph_transaction`); reads use a pool of connections (:mod:`.reader_pool`) and run
concurrently. Each connection (:mod:`.graph_session`) has a query timeout. Bulk loads are
in :mod:`.graph_copy`; the lock file that keeps a second process out, in
:mod:`.process_lock`.
"""

from __future__ import annotations

import importlib
import importlib.util  # kuzu 0.11.3 calls importlib.util without importing it
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import pyarrow as pa

from kgservice.errors import QueryError, StoreError, StoreLockedError
from kgservice.stores.algorithm_session import AlgorithmSession, AlgorithmSlot
from kgservice.stores.fair_lock import FairRLock
from kgservice.stores.graph_copy import copy_arrow
from kgservice.stores.graph_session import (
    EngineSession,
    Row,
    Values,
    query_deadline,
)
from kgservice.stores.graph_transaction import Transaction
from kgservice.stores.process_lock import lock_file, unlock_file
from kgservice.stores.query_catalog import NamedQuery, QueryCatalog
from kgservice.stores.reader_pool import READER_DRAIN_S, ReaderPool
from kgservice.stores.where import CompiledFilter

__all__ = ["GraphStore", "Row", "Transaction", "Values", "load_engine", "query_deadline"]

ENGINES = ("kuzu", "ladybug")
OPTIONAL_EXTENSIONS = ("algo", "fts", "vector", "json")


def load_engine(name: str) -> ModuleType:
    """Import the engine module ``name`` (``kuzu`` or ``ladybug``) with a clear error."""
    if name not in ENGINES:
        raise StoreError(f"unknown graph engine {name!r}; choose one of {', '.join(ENGINES)}")
    try:
        return importlib.import_module(name)
    except ImportError:
        hint = " (install it with: uv sync --extra ladybug)" if name == "ladybug" else ""
        raise StoreError(f"graph engine {name!r} is not installed{hint}") from None


class GraphStore:
    """An embedded graph database opened read-write by this process.

    Example:
        >>> with GraphStore(path) as graph:  # doctest: +SKIP
        ...     graph.run("core/node_by_id", {"id": some_id})
    """

    def __init__(
        self,
        path: Path,
        *,
        engine: str = "kuzu",
        query_timeout_ms: int = 30_000,
        buffer_pool_mb: int = 1024,
        read_connections: int = 4,
        catalog: QueryCatalog | None = None,
    ) -> None:
        self.path = path
        self.engine_name = engine
        self.catalog = catalog if catalog is not None else QueryCatalog()
        self._engine = load_engine(engine)
        self._timeout_ms = query_timeout_ms
        self._buffer_pool_bytes = buffer_pool_mb * 1024 * 1024
        self._reader_count = read_connections
        self._write_lock = FairRLock()  # FIFO: a job's next batch queues behind waiters
        self._database: Any = None
        self._writer: EngineSession | None = None
        self._readers = ReaderPool()
        self._algorithms: AlgorithmSlot | None = None  # with the algo extension only
        self.extensions: frozenset[str] = frozenset()
        self._columns: dict[str, tuple[str, ...]] = {}
        self._tables: set[str] | None = None
        self._sessions: list[EngineSession] = []
        self._lock_file: IO[str] | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def open(self) -> GraphStore:
        """Open the database (creating it if missing) and its connections."""
        if self._database is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._take_process_lock()
        try:
            self._database = self._engine.Database(
                str(self.path), buffer_pool_size=self._buffer_pool_bytes
            )
        except RuntimeError as exc:
            self._release_process_lock()
            if "lock" in str(exc).lower():
                raise self._locked_error() from None
            raise StoreError(f"cannot open graph database {self.path}: {exc}") from None
        self._sessions = [
            EngineSession(self._engine, self._database, self._timeout_ms)
            for _ in range(self._reader_count + 1)
        ]
        self._writer = self._sessions[0]
        self._readers.fill(self._sessions[1:])
        self.extensions = self._load_extensions()
        if "algo" in self.extensions:
            session = EngineSession(self._engine, self._database, self._timeout_ms)
            self._sessions.append(session)  # last: not a pooled reader
            self._algorithms = AlgorithmSlot(session, self._write_lock)
        self.forget_schema()
        return self

    def close(self) -> None:
        """Close every connection and the database; safe to call twice."""
        if self._database is None:
            return
        with self._write_lock:
            self._readers.clear()
            for session in self._sessions:
                session.close()
            self._sessions = []
            self._writer = None
            self._algorithms = None
            self._database.close()
            self._database = None
            self._release_process_lock()

    def __enter__(self) -> GraphStore:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        """Whether the database is open."""
        return self._database is not None

    def _take_process_lock(self) -> None:
        """Hold an exclusive lock file beside the database: not every engine locks its file."""
        self._lock_file = lock_file(self.path.with_name(self.path.name + ".pid"))
        if self._lock_file is None:
            raise self._locked_error()

    def _release_process_lock(self) -> None:
        if self._lock_file is not None:
            unlock_file(self._lock_file)
            self._lock_file = None

    def _locked_error(self) -> StoreLockedError:
        return StoreLockedError(
            f"another kgservice holds {self.path.parent} (its graph database is open elsewhere)"
        )

    def _load_extensions(self) -> frozenset[str]:
        loaded = set()
        assert self._writer is not None
        for name in OPTIONAL_EXTENSIONS:
            try:
                self._writer.execute("load extension", f"LOAD EXTENSION {name}")
            except QueryError:
                continue
            loaded.add(name)
        return frozenset(loaded)

    # -- queries -------------------------------------------------------------------------
    def resolve(
        self, name: str, label: str | None = None, where: CompiledFilter | None = None
    ) -> NamedQuery:
        """Return the named query with its ``__LABEL__`` and ``__WHERE__`` slots filled.

        The label must name an existing table; the filter must come from ``compile_where``.
        """
        query = self.catalog[name]
        if query.filterable:
            where = where or CompiledFilter()
            query = query.with_filter(where.expression, frozenset(where.params))
        elif where is not None:
            raise QueryError(f"query {name} takes no filter")
        if label is None:
            if query.labelled:
                raise QueryError(f"query {name} needs a table label")
            return query
        return query.for_label(label, self.table_names())

    def run(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        label: str | None = None,
        where: CompiledFilter | None = None,
    ) -> list[Row]:
        """Run the named query ``name``: writes on the writer, reads on a pooled reader.

        ``label`` fills the query's ``__LABEL__`` slot (it must name an existing table) and
        ``where`` its ``__WHERE__`` slot; the filter's parameters are bound with ``params``.
        """
        query = self.resolve(name, label, where)
        if where is not None:
            params = {**(params or {}), **where.params}
        if query.writes:
            with self._write_lock:
                return self._require_writer().run(query, params or {})
        with self.reader() as session:
            return session.run(query, params or {})

    def run_values(self, name: str, params: Mapping[str, Any] | None = None) -> Values:
        """Run the read-only named query ``name``; return its columns and its rows as lists.

        For long results, where building a dict per row costs more than the query itself.
        """
        query = self.resolve(name)
        if query.writes:
            raise QueryError(f"query {name} writes; use run")
        with self.reader() as session:
            return session.run_values(query, params or {})

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Hold the single writer for a transaction; commit on success, roll back on error."""
        with self._write_lock:
            session = self._require_writer()
            session.execute("begin", "BEGIN TRANSACTION")
            transaction = Transaction(self, session)
            try:
                yield transaction
                if transaction.copied:
                    with self._quiesced():
                        session.execute("commit", "COMMIT")
                else:
                    session.execute("commit", "COMMIT")
            except BaseException:
                self._rollback(session)
                raise
            finally:
                if transaction.changed_schema:
                    self.forget_schema()

    @staticmethod
    def _rollback(session: EngineSession) -> None:
        """Roll back, unless the engine already did (it does when a COPY fails)."""
        try:
            session.execute("rollback", "ROLLBACK")
        except QueryError as exc:
            if "no active transaction" not in str(exc).lower():
                raise

    def copy_from_arrow(
        self, table: str, data: pa.Table, *, pair: tuple[str, str] | None = None
    ) -> int:
        """Bulk-load rows into node table ``table``, or rel table (``from``/``to`` columns first).

        ``pair`` names the (from, to) node tables for a rel table that connects several.
        Columns are converted to plain Arrow types first, since the engine crashes on some
        (fixed-size lists, string views). Returns the number of rows loaded. Its commit
        checkpoints the whole database, so it runs with the pooled readers drained (see
        :meth:`checkpoint`).
        """
        with self._write_lock, self._quiesced():
            return self._copy(self._require_writer(), table, data, pair)

    def _copy(
        self, session: EngineSession, table: str, data: pa.Table, pair: tuple[str, str] | None
    ) -> int:
        known = self._table_names_on(session)  # not a pooled reader: they may be busy
        return copy_arrow(session, table, data, pair, known)

    def table_names(self) -> set[str]:
        """Return the names of every node and rel table (cached until the schema changes)."""
        if self._tables is None:
            with self.reader() as session:
                return self._table_names_on(session)
        return self._tables

    def _table_names_on(self, session: EngineSession) -> set[str]:
        if self._tables is None:
            rows = session.execute("show tables", "CALL show_tables() RETURN name")
            self._tables = {row["name"] for row in rows}
        return self._tables

    def execute_catalog(self, statement: str) -> list[Row]:
        """Run a read-only catalog statement (``CALL show_tables()`` and the like)."""
        with self.reader() as session:
            return session.execute("catalog", statement)

    def forget_schema(self) -> None:
        """Drop cached table names, columns and prepared statements (after DDL)."""
        self._columns.clear()
        self._tables = None
        for session in self._sessions:
            session.forget_prepared()

    def columns(self, table: str) -> tuple[str, ...]:
        """Return the property names of ``table`` (cached until the schema changes)."""
        cached = self._columns.get(table)
        if cached is None:
            if table not in self.table_names():
                raise QueryError(f"unknown table {table!r}")
            rows = self.execute_catalog(f"CALL table_info('{table}') RETURN name")
            cached = self._columns[table] = tuple(row["name"] for row in rows)
        return cached

    def checkpoint(self) -> None:
        """Flush the write-ahead log into the database file.

        Kuzu's CHECKPOINT waits for every active transaction to leave while blocking new
        ones, and fails after about 5 s; with reads running in other threads a plain
        checkpoint stalled every request for 6 s and then failed (bench/load.py). So this
        holds the writer and takes every pooled reader out first (the lock order a write
        transaction that also reads follows); then it takes tens of milliseconds.

        Raises:
            StoreError: a reader or a graph algorithm stayed busy for
                ``reader_pool.READER_DRAIN_S``; nothing was done.
        """
        with self._write_lock, self._quiesced():
            self._require_writer().execute("checkpoint", "CHECKPOINT")

    @contextmanager
    def _quiesced(self) -> Iterator[None]:
        """Hold every pooled reader and the algorithm connection (whose reads count too), as
        a checkpoint or a COPY commit needs; new reads wait meanwhile."""
        deadline = time.monotonic() + READER_DRAIN_S
        with self._readers.drained():
            algorithms = self._algorithms
            if algorithms is not None and not algorithms.acquire(deadline - time.monotonic()):
                raise StoreError("a graph algorithm stayed busy; checkpoint postponed")
            try:
                yield
            finally:
                if algorithms is not None:
                    algorithms.release()

    def interrupt(self) -> None:
        """Interrupt whatever the writer connection is running (used on shutdown)."""
        if self._writer is not None:
            self._writer.connection.interrupt()

    # -- backup --------------------------------------------------------------------------
    def backup_to(self, target: Path) -> None:
        """Copy a consistent image of the database to ``target`` (writes wait meanwhile)."""
        with self._write_lock:
            self.checkpoint()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.path, target)

    def restore_from(self, source: Path) -> None:
        """Replace the database with the image at ``source`` and reopen it."""
        with self._write_lock:
            self.close()
            wal = self.path.with_name(self.path.name + ".wal")
            wal.unlink(missing_ok=True)
            shutil.copy2(source, self.path)
            self.open()

    # -- internals -----------------------------------------------------------------------
    def _require_writer(self) -> EngineSession:
        if self._writer is None:
            raise StoreError("the graph store is closed")
        return self._writer

    @contextmanager
    def algorithm_session(self) -> Iterator[AlgorithmSession]:
        """Hold the connection kept for the algo extension's projected graphs.

        One caller at a time, waiting its turn within its query deadline; see
        :mod:`kgservice.stores.algorithm_session`.

        Raises:
            StoreError: the store is closed or has no algo extension.
            QueryTimeoutError: the deadline passed while another algorithm ran.
        """
        if self._database is None:
            raise StoreError("the graph store is closed")
        if self._algorithms is None:
            raise StoreError(f"the {self.engine_name} engine has no algo extension loaded")
        with self._algorithms.hold() as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[EngineSession]:
        """Hold one pooled reader connection (e.g. for state kept per connection)."""
        if self._database is None:
            raise StoreError("the graph store is closed")
        with self._readers.reader() as session:
            yield session
