"""The vector store's SQLite file: one apsw connection with sqlite-vec loaded, one writer at a
time, whole-database copies through SQLite's backup API, and the embedding model's record.

Python's own ``sqlite3`` here cannot load extensions, so apsw is used. :class:`VectorDatabase`
knows nothing of what the tables mean; :class:`~kgservice.stores.vectors.VectorStore` builds
on it and extends :meth:`VectorDatabase._invalidate` with what it caches.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import apsw
import sqlite_vec

from kgservice.errors import StoreError, StoreLockedError, VectorValidationError

BUSY_TIMEOUT_MS = 5_000
_DIMENSION = re.compile(r"\bembedding\s+float\[(\d+)\]", re.IGNORECASE)


class VectorDatabase:
    """A SQLite database with sqlite-vec loaded, one writer at a time."""

    def __init__(self, path: Path) -> None:
        """Configure the database at ``path`` (the SQLite file); nothing is opened yet."""
        self.path = path
        self._connection: apsw.Connection | None = None
        self._lock = threading.RLock()
        self._dimension: int | None = None

    def open(self) -> Self:
        """Open (or create) the database and load sqlite-vec."""
        if self._connection is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = apsw.Connection(str(self.path))
            connection.enable_load_extension(True)
            connection.load_extension(sqlite_vec.loadable_path())
            connection.enable_load_extension(False)
            connection.set_busy_timeout(BUSY_TIMEOUT_MS)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
        except apsw.BusyError:
            raise StoreLockedError(f"another kgservice holds {self.path.parent}") from None
        except apsw.Error as exc:
            raise StoreError(f"cannot open vector store {self.path}: {exc}") from None
        self._connection = connection
        return self

    def close(self) -> None:
        """Close the database; safe to call twice."""
        with self._lock:
            self._invalidate()
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connection(self) -> apsw.Connection:
        """The open apsw connection."""
        if self._connection is None:
            raise StoreError("the vector store is closed")
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[apsw.Connection]:
        """Run a write transaction (``BEGIN IMMEDIATE``), rolled back on error.

        The caller may change any table, so everything cached is dropped.
        """
        with self._lock:
            try:
                with self._write() as connection:
                    yield connection
            finally:
                self._invalidate()

    @contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
        """A write transaction whose caller keeps the caches right itself."""
        with self._lock:
            connection = self.connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _invalidate(self) -> None:
        """Drop what is cached from the database (here: the vectors' dimension)."""
        self._dimension = None

    def query(
        self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run a read statement and return all rows."""
        with self._lock:
            return list(self.connection.execute(sql, params))

    def table_names(self) -> list[str]:
        """Return user tables, leaving out sqlite-vec and FTS5 shadow tables."""
        rows = self.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        virtual = [name for name, sql in rows if sql and sql.upper().startswith("CREATE VIRTUAL")]
        return [
            name
            for name, _ in rows
            if not name.startswith("sqlite_")
            and not any(name.startswith(f"{owner}_") for owner in virtual)
        ]

    def size_bytes(self) -> int:
        """Bytes on disk, the write-ahead log included."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def ping(self) -> None:
        """Check the database answers and sqlite-vec is loaded."""
        self.query("SELECT vec_version()")

    def backup_to(self, target: Path) -> None:
        """Write a consistent copy of the database to ``target`` (SQLite backup API)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        with self._lock:
            destination = apsw.Connection(str(target))
            try:
                with destination.backup("main", self.connection, "main") as backup:
                    backup.step(-1)
            finally:
                destination.close()

    def restore_from(self, source: Path) -> None:
        """Replace the database contents with the copy at ``source``."""
        with self._lock:
            self._invalidate()
            origin = apsw.Connection(str(source))
            try:
                with self.connection.backup("main", origin, "main") as backup:
                    backup.step(-1)
            finally:
                origin.close()
            self._invalidate()

    # -- model record ----------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        """Length of the stored vectors, read from the ``node_vectors`` definition."""
        with self._lock:
            if self._dimension is None:
                rows = self.query("SELECT sql FROM sqlite_master WHERE name = 'node_vectors'")
                match = _DIMENSION.search(rows[0][0]) if rows else None
                if match is None:
                    raise StoreError("the vector store has no node_vectors table; run migrations")
                self._dimension = int(match.group(1))
            return self._dimension

    def model(self) -> tuple[str, int] | None:
        """The ``(model name, dimension)`` recorded by :meth:`ensure_model`, if any."""
        meta = dict(self.query("SELECT key, value FROM index_meta"))
        if "model_name" not in meta:
            return None
        return str(meta["model_name"]), int(meta["dimension"])

    def ensure_model(self, model_name: str, dimension: int) -> None:
        """Record the embedding model on first use; refuse a different one later.

        Raises:
            VectorValidationError: If another model or dimension made the stored vectors, or
                the dimension does not fit the ``node_vectors`` column.
        """
        if dimension != self.dimension:
            raise VectorValidationError(
                f"embedding model {model_name} makes {dimension}-dimensional vectors; "
                f"this vector store holds {self.dimension}-dimensional ones"
            )
        with self._lock, self._write() as connection:
            recorded = self.model()
            if recorded is None:
                connection.executemany(
                    "INSERT INTO index_meta (key, value) VALUES (?, ?)",
                    [("model_name", model_name), ("dimension", str(dimension))],
                )
            elif recorded != (model_name, dimension):
                raise VectorValidationError(
                    f"the vector store was built with {recorded[0]} ({recorded[1]} dimensions), "
                    f"not {model_name} ({dimension}); rebuild the index to change models"
                )
