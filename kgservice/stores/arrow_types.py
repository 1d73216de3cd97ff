"""Arrow types for the graph engine's column types (what a COPY source must hold)."""

from __future__ import annotations

import pyarrow as pa

ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "TIMESTAMP": pa.timestamp("us"),
    "TIMESTAMP_TZ": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "DOUBLE": pa.float64(),
    "FLOAT": pa.float32(),
    "INT64": pa.int64(),
    "INT32": pa.int32(),
    "INT16": pa.int16(),
    "INT8": pa.int8(),
    "UINT64": pa.uint64(),
    "UINT32": pa.uint32(),
    "BOOL": pa.bool_(),
    "BOOLEAN": pa.bool_(),
    "BLOB": pa.binary(),
    "STRING[]": pa.list_(pa.string()),
    "DOUBLE[]": pa.list_(pa.float64()),
    "FLOAT[]": pa.list_(pa.float32()),
    "INT64[]": pa.list_(pa.int64()),
}


def arrow_type(table: str, kind: str) -> pa.DataType:
    """The Arrow type of a column of ``table`` declared as ``kind``."""
    try:
        return ARROW_TYPES[kind]
    except KeyError:
        raise ValueError(f"cannot load {table}: column type {kind} unsupported") from None
