"""The vector store: the only module that imports apsw and sqlite-vec.

One SQLite file in WAL mode holds the vec0 table of node embeddings and the FTS5 index over
the same texts. Python's own ``sqlite3`` here cannot load extensions, so apsw is used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import apsw
import sqlite_vec

from kgservice.errors import StoreError, StoreLockedError

BUSY_TIMEOUT_MS = 5_000


class VectorStore:
    """A SQLite database with sqlite-vec loaded, one writer at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: apsw.Connection | None = None
        self._lock = threading.RLock()

    def open(self) -> VectorStore:
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
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> VectorStore:
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
        """Run a write transaction (``BEGIN IMMEDIATE``), rolled back on error."""
        with self._lock:
            connection = self.connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

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
            origin = apsw.Connection(str(source))
            try:
                with self.connection.backup("main", origin, "main") as backup:
                    backup.step(-1)
            finally:
                origin.close()
