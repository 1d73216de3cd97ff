"""Bulk loads into the graph: ``COPY ... FROM`` an Arrow table on the writer's session.

The engine crashes on some Arrow types (fixed-size lists, string views), so columns are
converted to plain ones first (:func:`plain_arrow`); a node table's COPY source must hold
every column, so columns a later migration added load as null (:func:`with_later_columns`).
The engine keeps COPY out of its write-ahead log: the commit that follows checkpoints the
whole database, which :class:`~kgservice.stores.graph.GraphStore` runs with its readers
drained.
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa

from kgservice.errors import QueryError
from kgservice.stores.arrow_types import arrow_type
from kgservice.stores.graph_session import EngineSession


def copy_arrow(
    session: EngineSession,
    table: str,
    data: pa.Table,
    pair: tuple[str, str] | None,
    known_tables: Collection[str],
) -> int:
    """Load ``data`` into node or rel ``table`` (``pair``: the rel's from and to tables);
    returns the number of rows loaded.

    Raises:
        QueryError: If a table is not among ``known_tables``, or the engine refuses the data.
    """
    for name in (table, *(pair or ())):
        if name not in known_tables:
            raise QueryError(f"unknown table {name!r}")
    if data.num_rows == 0:
        return 0
    data = with_later_columns(session, table, data)
    options = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
    session.execute(
        f"copy {table}", f"COPY {table} FROM $data{options}", {"data": plain_arrow(data)}
    )
    return int(data.num_rows)


def with_later_columns(session: EngineSession, table: str, data: pa.Table) -> pa.Table:
    """``data`` with null columns for the table's columns after its own.

    A node table's COPY source must hold every column, so a migration that adds one
    would break every loader written before it; the added columns load as null.
    """
    rows = session.execute("table info", f"CALL table_info('{table}') RETURN *")
    if not rows or "primary key" not in rows[0]:  # a rel table: its own columns follow
        return data
    names = [row["name"] for row in rows]
    given = data.column_names
    if len(given) >= len(names) or names[: len(given)] != given:
        return data
    for row in rows[len(given) :]:
        kind = arrow_type(table, row["type"])
        data = data.append_column(pa.field(row["name"], kind), pa.nulls(data.num_rows, kind))
    return data


def plain_arrow(data: pa.Table) -> pa.Table:
    """Return ``data`` with column types the engine's COPY handles safely."""
    fields = []
    for field in data.schema:
        kind = field.type
        if pa.types.is_fixed_size_list(kind) or pa.types.is_large_list(kind):
            kind = pa.list_(kind.value_type)
        elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        elif pa.types.is_dictionary(kind):
            kind = kind.value_type
        fields.append(pa.field(field.name, kind))
    schema = pa.schema(fields)
    return data if schema.equals(data.schema) else data.cast(schema)
