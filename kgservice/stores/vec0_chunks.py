"""Reading sqlite-vec's vec0 chunk tables directly: the one place that knows their layout.

A vec0 table keeps its vectors in shadow tables, a chunk at a time: ``<table>_chunks`` holds
each chunk's row ids (int64) and a validity bitmap, ``<table>_vector_chunks00`` the float32
vectors. Reading those blobs loads a large index about ten times faster than a scan of the
vec0 table. This layout is sqlite-vec 0.1's internals: the dependency is pinned below 0.2, and
``tests/unit/stores/test_vec0_chunks.py`` fails by name if an upgrade changes it (the store
then falls back to a scan).
"""

from __future__ import annotations

from collections.abc import Iterator

import apsw
import numpy as np

from kgservice.stores.vector_inputs import Block


def chunk_blocks(
    connection: apsw.Connection, dimension: int, table: str = "node_vectors"
) -> Iterator[Block]:
    """``(rowids, vectors)`` of the live rows of each chunk of vec0 table ``table``."""
    for rowids, validity, vectors in connection.execute(
        f"SELECT c.rowids, c.validity, v.vectors FROM {table}_chunks AS c "
        f"JOIN {table}_vector_chunks00 AS v ON v.rowid = c.chunk_id"
    ):
        ids = np.frombuffer(rowids, dtype=np.int64)
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[
            : len(ids)
        ].astype(bool)
        matrix = np.frombuffer(vectors, dtype=np.float32).reshape(len(ids), dimension)
        yield (ids, matrix) if valid.all() else (ids[valid], matrix[valid])
