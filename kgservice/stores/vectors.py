"""The vector store: texts, their full-text index and their embeddings in one SQLite file.

The file (in WAL mode, opened with apsw and sqlite-vec by :mod:`.vector_database`) holds the
texts of text-bearing nodes (``node_text``), their FTS5 index (``node_fts``, kept in sync by
triggers) and their embeddings (``node_vectors``, a vec0 table whose rowid is the node's
``node_text`` rowid, partitioned by namespace, with the kind as a metadata column).
:class:`VectorStore` is the one entry point: it validates inputs (:mod:`.vector_inputs`), runs
each write in one transaction under the connection's lock, and leaves the work to

- :mod:`.vector_texts`: ``node_text`` rows, messages' places in their threads and the
  ``context`` column of their neighbouring turns, and BM25 search;
- :mod:`.vector_knn`: KNN by cosine distance, exact in vec0 below ``quantise_above`` vectors,
  else on an in-memory quantised index loaded on first use and kept in step with this store's
  writes; a commit by another connection (seen through ``PRAGMA data_version``), a raw
  :meth:`VectorStore.transaction` or a restore drops it;
- :mod:`.text_ranking`: the weighted reciprocal rank fusion of both (:meth:`VectorStore.hybrid`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import apsw

from kgservice.errors import VectorValidationError
from kgservice.settings import DEFAULT_VECTOR_QUANTISE_ABOVE
from kgservice.stores import vector_texts
from kgservice.stores.text_ranking import (
    CONTEXT_WEIGHT,
    FUSION_DEPTH,
    FUSION_K,
    VECTOR_WEIGHT,
    weighted_fusion,
)
from kgservice.stores.vector_database import VectorDatabase
from kgservice.stores.vector_inputs import (
    MAX_K,
    FloatArray,
    Hits,
    IntArray,
    TextItem,
    VectorItem,
    check_items,
    check_k,
    check_kinds,
    check_vectors,
)
from kgservice.stores.vector_knn import DEFAULT_CANDIDATES_PER_RESULT, KnnCache, node_hits
from kgservice.stores.vector_texts import Place, delete_texts, place_messages, store_texts

__all__ = [
    "MAX_K",
    "Place",
    "TextItem",
    "VectorItem",
    "VectorStore",
]


class VectorStore(VectorDatabase):
    """The texts, full-text index and vectors of text-bearing nodes, one writer at a time."""

    def __init__(
        self,
        path: Path,
        *,
        quantise_above: int = DEFAULT_VECTOR_QUANTISE_ABOVE,
        candidates_per_result: int = DEFAULT_CANDIDATES_PER_RESULT,
    ) -> None:
        """Configure the store; nothing is opened yet.

        Args:
            path: The SQLite file.
            quantise_above: Vector count from which KNN uses the in-memory quantised index.
            candidates_per_result: Hamming candidates rescored per requested result (at least
                400 in all); more raises recall and costs time.
        """
        super().__init__(path)
        self.quantise_above = quantise_above
        self.candidates_per_result = candidates_per_result
        self._knn = KnnCache()

    # -- writing ---------------------------------------------------------------------------
    def upsert(
        self, items: Sequence[VectorItem], places: Sequence[Place | None] | None = None
    ) -> None:
        """Store texts and vectors in one transaction, replacing those of known nodes.

        ``places`` (one per item, or None) gives a message's ``(thread id, idx)``: its
        neighbours' context columns and its own are brought up to date in the same
        transaction. Everything is validated before anything is written; an empty batch
        does nothing.

        Raises:
            VectorValidationError: On an empty id or kind, a duplicated id, a vector of the
                wrong dimension, a non-finite value or a zero vector.
        """
        if not items:
            return
        check_items(items)
        if places is not None and len(places) != len(items):
            raise VectorValidationError("give one place (or None) per item")
        matrix = check_vectors([item.embedding for item in items], self.dimension, "embedding")
        with self._lock:
            with self._write() as connection:
                rowids, replaced = store_texts(connection, items, places, vectors=True)
                _delete_vectors(connection, replaced)
                connection.executemany(
                    "INSERT INTO node_vectors (rowid, namespace, kind, embedding) "
                    "VALUES (?, ?, ?, ?)",
                    [
                        (int(r), item.namespace, item.kind, vector.tobytes())
                        for r, item, vector in zip(rowids, items, matrix, strict=True)
                    ],
                )
            self._knn.written(
                rowids, replaced, matrix, [i.namespace for i in items], [i.kind for i in items]
            )

    def upsert_texts(self, items: Sequence[TextItem]) -> None:
        """Store texts without vectors (validated first; an empty batch does nothing).

        A node whose text, kind or namespace changed loses its vector, so that
        :meth:`missing_vectors` offers it for re-embedding; an unchanged node is left alone.
        """
        if not items:
            return
        check_items(items)
        with self._lock:
            with self._write() as connection:
                _, stale = store_texts(connection, items, vectors=False)
                _delete_vectors(connection, stale)
            self._knn.removed(stale)

    def delete(self, node_ids: Sequence[str]) -> int:
        """Remove the texts, FTS rows and vectors of ``node_ids``; returns how many existed."""
        ids = list(dict.fromkeys(node_ids))
        if not ids:
            return 0
        with self._lock:
            with self._write() as connection:
                existed, with_vectors = delete_texts(connection, ids)
                _delete_vectors(connection, with_vectors)
            self._knn.removed(with_vectors)
        return existed

    def place(self, places: Mapping[str, Place]) -> int:
        """Record the ``(thread id, idx)`` of stored messages and refresh the context of
        them and their neighbours; returns how many were stored."""
        if not places:
            return 0
        with self._lock, self._write() as connection:
            return place_messages(connection, places)

    def unplaced(self, kind: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of stored ``kind`` texts that have no place in a thread."""
        with self._lock:
            return vector_texts.unplaced(self.connection, kind, limit)

    # -- reading ---------------------------------------------------------------------------
    def vector_count(self) -> int:
        """Number of stored vectors."""
        with self._lock:
            self._check_fresh()
            return self._knn.vector_count(self.connection)

    def text_count(self) -> int:
        """Number of stored texts (nodes known to the index, with or without a vector)."""
        return int(self.query("SELECT count(*) FROM node_text")[0][0])

    @property
    def quantised_bytes(self) -> int:
        """Memory held by the in-memory quantised index (0 while it is not loaded)."""
        return self._knn.nbytes

    def missing_vectors(self, limit: int) -> list[str]:
        """Up to ``limit`` ids of nodes whose text is stored but whose vector is not."""
        rows = self.query(
            "SELECT node_id FROM node_text WHERE has_vector = 0 ORDER BY rowid LIMIT ?",
            (max(limit, 0),),
        )
        return [node_id for (node_id,) in rows]

    def node_ids(self, batch_size: int = 10_000) -> Iterator[str]:
        """Every stored node id, read in batches (no lock is held between batches)."""
        last = -1
        while True:
            rows = self.query(
                "SELECT rowid, node_id FROM node_text WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, batch_size),
            )
            yield from (node_id for _, node_id in rows)
            if len(rows) < batch_size:
                return
            last = rows[-1][0]

    # -- searching -------------------------------------------------------------------------
    def knn(
        self,
        vector: FloatArray,
        k: int,
        kinds: Sequence[str] | None = None,
        namespace: str | None = None,
    ) -> Hits:
        """The ``k`` nearest nodes by cosine distance (0 = same direction), nearest first.

        Args:
            vector: Query vector of the store's dimension.
            k: Number of results, 1 to 1000.
            kinds: Only nodes of these kinds.
            namespace: Only nodes of this namespace.
        """
        check_k(k)
        kinds = check_kinds(kinds)
        query = check_vectors([vector], self.dimension, "query vector")[0]
        with self._lock:
            self._check_fresh()
            hits = self._knn.search(
                self.connection,
                self.dimension,
                query,
                k,
                kinds,
                namespace,
                quantise_above=self.quantise_above,
                candidates_per_result=self.candidates_per_result,
            )
            return node_hits(self.connection, hits)

    def text_search(
        self,
        query: str,
        k: int,
        kinds: Sequence[str] | None = None,
        namespace: str | None = None,
        *,
        match_all: bool = False,
        stop_words: bool = True,
        context_weight: float = CONTEXT_WEIGHT,
    ) -> Hits:
        """The ``k`` best BM25 matches of the words of ``query`` (score: higher is better);
        see :func:`kgservice.stores.vector_texts.text_search`."""
        with self._lock:
            return vector_texts.text_search(
                self.connection,
                query,
                k,
                kinds,
                namespace,
                match_all=match_all,
                stop_words=stop_words,
                context_weight=context_weight,
            )

    def hybrid(
        self,
        text: str,
        vector: FloatArray,
        k: int,
        kinds: Sequence[str] | None = None,
        namespace: str | None = None,
        *,
        depth: int | None = None,
        vector_weight: float = VECTOR_WEIGHT,
        context_weight: float = CONTEXT_WEIGHT,
    ) -> Hits:
        """Fuse :meth:`knn` and :meth:`text_search` by weighted reciprocal rank fusion.

        Args:
            text: Query text for BM25.
            vector: Embedding of the query for KNN.
            k: Number of results, 1 to 1000.
            kinds: Only nodes of these kinds.
            namespace: Only nodes of this namespace.
            depth: Hits taken from each list before fusing (default ``FUSION_DEPTH``, at
                least ``k``).
            vector_weight: Weight of the vector ranking (the text ranking weighs 1).
            context_weight: BM25 weight of neighbouring turns (see :meth:`text_search`).

        Returns:
            ``(node_id, fused score)``, best first.
        """
        fused, _, _ = self.hybrid_parts(
            text,
            vector,
            k,
            kinds,
            namespace,
            depth=depth,
            vector_weight=vector_weight,
            context_weight=context_weight,
        )
        return fused

    def hybrid_parts(
        self,
        text: str,
        vector: FloatArray,
        k: int,
        kinds: Sequence[str] | None = None,
        namespace: str | None = None,
        *,
        depth: int | None = None,
        vector_weight: float = VECTOR_WEIGHT,
        context_weight: float = CONTEXT_WEIGHT,
    ) -> tuple[Hits, Hits, Hits]:
        """:meth:`hybrid`, with the two rankings it fused: ``(fused, by vector, by text)``;
        the vector hits carry cosine distances, the text hits BM25 scores."""
        check_k(k)
        if not 0 <= vector_weight <= 10:
            raise VectorValidationError("vector_weight must be between 0 and 10")
        depth = min(max(depth or FUSION_DEPTH, k), MAX_K)
        by_vector = self.knn(vector, depth, kinds, namespace)
        by_text = self.text_search(text, depth, kinds, namespace, context_weight=context_weight)
        fused = weighted_fusion(
            [[n for n, _ in by_vector], [n for n, _ in by_text]], [vector_weight, 1.0], FUSION_K
        )
        return fused[:k], by_vector, by_text

    def neighbours(
        self, node_ids: Sequence[str], window: int
    ) -> dict[str, tuple[list[str], list[str]]]:
        """For each message of ``node_ids``: the ids of the up to ``window`` messages before
        it and after it in its thread, in thread order (nodes without a place: none)."""
        with self._lock:
            return vector_texts.neighbours(self.connection, node_ids, window)

    # -- the quantised index ---------------------------------------------------------------
    def warm(self) -> bool:
        """Load the quantised index now if KNN would use it; returns whether it is loaded."""
        with self._lock:
            self._check_fresh()
            if self._knn.vector_count(self.connection) >= self.quantise_above:
                self._knn.quantised(self.connection, self.dimension)
            return self._knn.index is not None

    def _check_fresh(self) -> None:
        """Drop cached state if another connection committed since we last looked."""
        if self._knn.changed_elsewhere(self.connection):
            self._invalidate()

    def _invalidate(self) -> None:
        super()._invalidate()
        self._knn.clear()


def _delete_vectors(connection: apsw.Connection, rowids: IntArray) -> None:
    connection.executemany("DELETE FROM node_vectors WHERE rowid = ?", [(int(r),) for r in rowids])
