"""KNN over the stored vectors, and what it keeps in memory between searches.

Exact KNN in vec0 reads every vector, so from ``quantise_above`` vectors on, KNN runs on an
in-memory :class:`~kgservice.stores.vector_quantised.BinaryIndex` (Hamming candidates, int8
rescoring) instead. :class:`KnnCache` holds that index and the vector count: the index is
loaded on first use (from vec0's chunk tables, or from a scan of the table if their layout is
not the expected one) and kept in step with the store's own writes;
:class:`~kgservice.stores.vectors.VectorStore` clears the cache when another connection has
committed (:meth:`KnnCache.changed_elsewhere`), after a raw transaction and after a restore.
Every function and method takes the store's connection, with the store's lock held.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from typing import Any

import apsw
import numpy as np

from kgservice.errors import StoreError
from kgservice.stores.vec0_chunks import chunk_blocks
from kgservice.stores.vector_inputs import Block, FloatArray, Hits, IntArray
from kgservice.stores.vector_quantised import BinaryIndex

DEFAULT_CANDIDATES_PER_RESULT = 40
MIN_CANDIDATES = 400
"""Hamming candidates rescored at the least, however few results are asked for."""
SCAN_BLOCK = 65_536
"""Rows per block when the quantised index is loaded from a scan of the vec0 table."""

RowHits = list[tuple[int, float]]
"""``node_text`` rowids and cosine distances."""


class KnnCache:
    """The vector count and the quantised index of one store, as its connection last saw it."""

    def __init__(self) -> None:
        self.count: int | None = None
        self.index: BinaryIndex | None = None
        self._data_version = -1

    def changed_elsewhere(self, connection: apsw.Connection) -> bool:
        """Whether another connection committed since the last look (``PRAGMA data_version``);
        the cache is cleared if so."""
        (version,) = next(connection.execute("PRAGMA data_version"))
        if version == self._data_version:
            return False
        self.clear()
        self._data_version = int(version)
        return True

    def clear(self) -> None:
        """Drop the count and the index; both are read again when next needed."""
        self.count = None
        self.index = None

    @property
    def nbytes(self) -> int:
        """Memory held by the quantised index (0 while it is not loaded)."""
        index = self.index
        return index.nbytes if index is not None else 0

    def vector_count(self, connection: apsw.Connection) -> int:
        """Number of stored vectors (counted once, then kept up to date)."""
        if self.count is None:
            sql = "SELECT count(*) FROM node_text WHERE has_vector = 1"
            self.count = int(next(connection.execute(sql))[0])
        return self.count

    def written(
        self,
        rowids: IntArray,
        replaced: IntArray,
        matrix: FloatArray,
        namespaces: Sequence[str],
        kinds: Sequence[str],
    ) -> None:
        """Follow a committed write of the vectors ``matrix`` at ``rowids`` (of which
        ``replaced`` already had one)."""
        if self.count is not None:
            self.count += len(rowids) - len(replaced)
        if self.index is not None:
            self.index.upsert(rowids, matrix, namespaces, kinds)

    def removed(self, rowids: IntArray) -> None:
        """Follow a committed deletion of the vectors at ``rowids``."""
        if self.count is not None:
            self.count -= len(rowids)
        if self.index is not None:
            self.index.remove(rowids)

    def quantised(self, connection: apsw.Connection, dimension: int) -> BinaryIndex:
        """The quantised index, loaded from the store on first use."""
        if self.index is None:
            self.index = load_quantised(connection, dimension, self.vector_count(connection))
        return self.index

    def search(
        self,
        connection: apsw.Connection,
        dimension: int,
        query: FloatArray,
        k: int,
        kinds: Sequence[str] | None,
        namespace: str | None,
        *,
        quantise_above: int,
        candidates_per_result: int,
    ) -> RowHits:
        """The ``k`` nearest rows to ``query``: on the quantised index from ``quantise_above``
        vectors on (``candidates_per_result`` Hamming candidates per result, at least
        ``MIN_CANDIDATES``), else exactly in vec0."""
        if self.vector_count(connection) < quantise_above:
            return exact_knn(connection, query, k, kinds, namespace)
        candidates = max(k * candidates_per_result, MIN_CANDIDATES)
        return self.quantised(connection, dimension).search(
            query, k, candidates=candidates, namespace=namespace, kinds=kinds
        )


def exact_knn(
    connection: apsw.Connection,
    query: FloatArray,
    k: int,
    kinds: Sequence[str] | None,
    namespace: str | None,
) -> RowHits:
    """The ``k`` nearest rows by a KNN query on the vec0 table (it reads every vector)."""
    sql = "SELECT rowid, distance FROM node_vectors WHERE embedding MATCH ? AND k = ?"
    params: list[Any] = [query.tobytes(), k]
    if namespace is not None:
        sql += " AND namespace = ?"
        params.append(namespace)
    if kinds is not None:
        sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
        params.extend(kinds)
    return [(int(r), float(d)) for r, d in connection.execute(sql, params)]


def node_hits(connection: apsw.Connection, hits: RowHits) -> Hits:
    """``hits`` with node ids for rowids, nearest first (ties by node id)."""
    names = dict(
        connection.execute(
            "SELECT rowid, node_id FROM node_text WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps([r for r, _ in hits]),),
        )
    )
    return sorted(((names[r], d) for r, d in hits if r in names), key=lambda h: (h[1], h[0]))


def load_quantised(connection: apsw.Connection, dimension: int, expected: int) -> BinaryIndex:
    """Build the quantised index of every stored vector (``expected`` of them).

    Vectors are read straight from vec0's chunk tables (about 4x faster than scanning the
    virtual table); if their layout is not the expected one or the count disagrees, the
    virtual table is scanned instead. Kinds and namespaces come from ``node_text``.
    """
    rows = list(
        connection.execute(
            "SELECT rowid, namespace, kind FROM node_text WHERE has_vector = 1 ORDER BY rowid"
        )
    )
    label_rowids = np.array([r[0] for r in rows], dtype=np.int64)
    namespaces, kinds = [r[1] for r in rows], [r[2] for r in rows]
    index: BinaryIndex | None = None
    for blocks in (chunk_blocks, scan_blocks):
        try:
            index = BinaryIndex.from_blocks(
                dimension, blocks(connection, dimension), label_rowids, namespaces, kinds
            )
        except (apsw.Error, ValueError):
            continue
        if len(index) == expected:
            break
    if index is None:
        raise StoreError("cannot read the vectors of node_vectors")
    return index


def scan_blocks(connection: apsw.Connection, dimension: int) -> Iterator[Block]:
    """``(rowids, vectors)`` blocks from a scan of the vec0 table itself."""
    cursor = connection.execute("SELECT rowid, embedding FROM node_vectors")
    while rows := list(itertools.islice(cursor, SCAN_BLOCK)):
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        yield (
            np.array([row[0] for row in rows], dtype=np.int64),
            matrix.reshape(len(rows), dimension),
        )
