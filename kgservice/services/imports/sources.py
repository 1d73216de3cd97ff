"""Reading session-buddy's files: DuckDB (``reflection.duckdb``, ``knowledge_graph.duckdb``)
and SQLite (``skills.db``), read-only, with their format and tables checked first.

Every given file is opened and checked before anything is written, so a missing file, a file
of another format or a database from a version without the expected tables or columns stops
the import with one error naming the file and what is missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from kgservice.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # at offset 8 of a DuckDB file
#: The three files of an installation: option name, file name, format.
FILES: dict[str, tuple[str, str]] = {
    "reflection_db": ("reflection.duckdb", "DuckDB"),
    "kg_db": ("knowledge_graph.duckdb", "DuckDB"),
    "skills_db": ("skills.db", "SQLite"),
}
INSTALL_HINT = "reading DuckDB files needs the duckdb package: uv sync --extra legacy"


@dataclass(frozen=True)
class LegacyTable:
    """A legacy table a mapper reads: the columns it needs, and those it uses when present.

    ``times`` are read as text (so infinite or odd values reach the parser, not the driver);
    ``vector`` is an embedding column returned as arrays. A ``supplementary`` table is read
    when present but never counts as the family's own (skills' taxonomy tables).
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    vector: str | None = None
    supplementary: bool = False


class LegacyFile:
    """One open legacy database and the columns of each of its tables."""

    def __init__(self, option: str, path: Path, connection: Any, columns: dict[str, set[str]]):
        self.option = option
        self.path = path
        self.connection = connection
        self.columns = columns
        self.format = FILES[option][1]

    @property
    def label(self) -> str:
        """How errors and reports name the file: ``reflection.duckdb (/path/file)``."""
        return f"{FILES[self.option][0]} ({self.path})"

    def has(self, table: str) -> bool:
        """Whether the database has ``table``."""
        return table in self.columns

    def missing_columns(self, table: LegacyTable) -> list[str]:
        """Required columns of ``table`` the database lacks."""
        present = self.columns.get(table.name, set())
        return [column for column in table.required if column not in present]

    def read(self, table: LegacyTable) -> tuple[list[dict[str, Any]], list[Any]]:
        """Every row of ``table`` (columns it lacks read as None) and its vector column."""
        present = self.columns[table.name]
        wanted = [c for c in (*table.required, *table.optional) if c in present]
        parts = []
        for column in wanted:
            quoted = f'"{column}"'
            if column in table.times:
                parts.append(f"CAST({quoted} AS VARCHAR) AS {quoted}")
            elif column != table.vector:
                parts.append(quoted)
        has_vector = table.vector is not None and table.vector in present
        if has_vector:
            parts.append(f'"{table.vector}"')
        sql = f'SELECT {", ".join(parts)} FROM "{table.name}"'
        if self.format == "DuckDB":
            data = self.connection.sql(sql).to_arrow_table()
            vectors = vector_list(data.column(table.vector)) if has_vector else []
            if has_vector:
                data = data.drop_columns([table.vector])
            rows = data.to_pylist()
        else:
            cursor = self.connection.execute(sql)
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            vectors = [row.pop(table.vector) for row in rows] if has_vector else []
        for row in rows:
            for column in (*table.required, *table.optional):
                row.setdefault(column, None)
        return rows, vectors or [None] * len(rows)

    def count(self, table: str) -> int:
        """Rows of ``table`` (0 when it is absent)."""
        if not self.has(table):
            return 0
        return int(self.connection.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])

    def close(self) -> None:
        """Close the database."""
        self.connection.close()


def vector_list(column: pa.ChunkedArray) -> list[Any]:
    """An Arrow list column as one float32 array (or None) per row, without Python floats."""
    import numpy as np

    out: list[Any] = []
    for chunk in column.chunks:
        if pa.types.is_fixed_size_list(chunk.type):
            width = chunk.type.list_size
            flat = chunk.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
            if len(flat) == width * (len(chunk) - chunk.null_count):
                matrix = flat.reshape(-1, width)
                valid = chunk.is_valid().to_numpy(zero_copy_only=False)
                rows = iter(matrix)
                out.extend(next(rows) if ok else None for ok in valid)
                continue
        for value in chunk.to_pylist():
            out.append(None if value is None else np.asarray(value, dtype=np.float32))
    return out


def _format_of(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "SQLite"
    if head[8:12] == DUCKDB_MAGIC:
        return "DuckDB"
    return "unknown"


def _open(option: str, path: Path) -> LegacyFile:
    name, expected = FILES[option]
    field = option.replace("_db", "Db")  # the GraphQL input's name of the option
    if not path.is_file():
        raise InputError(field, f"{name} ({path}): no such file")
    found = _format_of(path)
    if found != expected:
        what = "not a database" if found == "unknown" else f"a {found} database"
        raise InputError(field, f"{name} ({path}): is {what}, not a {expected} database")
    if expected == "SQLite":
        connection: Any = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = connection.execute(
                "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
                "WHERE m.type IN ('table', 'view')"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise InputError(field, f"{name} ({path}): cannot be read: {exc}") from None
    else:
        try:
            import duckdb
        except ImportError:
            raise InputError(field, f"{name} ({path}): {INSTALL_HINT}") from None
        try:
            connection = duckdb.connect(str(path), read_only=True)
            rows = connection.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'main'"
            ).fetchall()
        except duckdb.Error as exc:
            raise InputError(field, f"{name} ({path}): cannot be read: {exc}") from None
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return LegacyFile(option, path, connection, columns)


@contextmanager
def open_files(paths: Mapping[str, Path]) -> Iterator[dict[str, LegacyFile]]:
    """Open the given files (option name to path), closing them all afterwards."""
    opened: dict[str, LegacyFile] = {}
    try:
        for option, path in paths.items():
            opened[option] = _open(option, path)
        yield opened
    finally:
        for legacy in opened.values():
            legacy.close()


def check_tables(
    legacy: LegacyFile, families: Sequence[tuple[str, Sequence[LegacyTable], bool]]
) -> list[str]:
    """What ``legacy`` lacks for the families reading it: ``(family, tables, required)``.

    A required family needs at least one of its own (not supplementary) tables; every table
    present needs its required columns.
    """
    missing = []
    for family, tables, required in families:
        present = [t for t in tables if legacy.has(t.name)]
        own = [t for t in tables if not t.supplementary]
        if required and not any(legacy.has(t.name) for t in own):
            names = " or ".join(t.name for t in own)
            missing.append(f"no table {names} (for {family})")
        for table in present:
            lacking = legacy.missing_columns(table)
            if lacking:
                missing.append(f"table {table.name} lacks column(s) {', '.join(lacking)}")
    return missing
