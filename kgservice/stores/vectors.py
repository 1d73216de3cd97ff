"""The vector store: the only module that imports apsw and sqlite-vec.

One SQLite file in WAL mode holds the texts of text-bearing nodes (``node_text``), their FTS5
index (``node_fts``, kept in sync by triggers) and their embeddings (``node_vectors``, a vec0
table whose rowid is the node's ``node_text`` rowid, partitioned by namespace, with the kind as
a metadata column). Python's own ``sqlite3`` here cannot load extensions, so apsw is used.

Searches: :meth:`VectorStore.knn` (cosine distance), :meth:`VectorStore.text_search` (BM25 over
a node's text and, for a message, the text of its neighbouring turns) and
:meth:`VectorStore.hybrid` (weighted reciprocal rank fusion of both). Exact KNN in vec0 reads every
vector, so from ``quantise_above`` vectors on, KNN runs on an in-memory
:class:`~kgservice.stores.vector_quantised.BinaryIndex` (Hamming candidates, int8 rescoring),
loaded on first use and kept in step with this store's writes. A commit by another connection
(seen through ``PRAGMA data_version``), a raw :meth:`VectorStore.transaction` or a restore
drops it, and the next search reloads it.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apsw
import numpy as np
import numpy.typing as npt
import sqlite_vec

from kgservice.errors import StoreError, StoreLockedError, VectorValidationError
from kgservice.settings import DEFAULT_VECTOR_QUANTISE_ABOVE
from kgservice.stores.text_ranking import (
    CONTEXT_SPAN,
    CONTEXT_WEIGHT,
    FUSION_DEPTH,
    FUSION_K,
    TEXT_WEIGHT,
    VECTOR_WEIGHT,
    match_expression,
    weighted_fusion,
)
from kgservice.stores.vec0_chunks import chunk_blocks
from kgservice.stores.vector_inputs import (
    MAX_K,
    Block,
    FloatArray,
    Hits,
    TextItem,
    VectorItem,
    check_items,
    check_k,
    check_kinds,
    check_vectors,
)
from kgservice.stores.vector_quantised import BinaryIndex

BUSY_TIMEOUT_MS = 5_000
DEFAULT_CANDIDATES_PER_RESULT = 40
_MIN_CANDIDATES = 400
_SCAN_BLOCK = 65_536
Place = tuple[str, int]
"""Where a message sits: its thread's id and its idx there."""
_DIMENSION = re.compile(r"\bembedding\s+float\[(\d+)\]", re.IGNORECASE)

__all__ = [
    "MAX_K",
    "Place",
    "TextItem",
    "VectorItem",
    "VectorStore",
]


class VectorStore:
    """A SQLite database with sqlite-vec loaded, one writer at a time."""

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
        self.path = path
        self.quantise_above = quantise_above
        self.candidates_per_result = candidates_per_result
        self._connection: apsw.Connection | None = None
        self._lock = threading.RLock()
        self._dimension: int | None = None
        self._vector_count: int | None = None
        self._index: BinaryIndex | None = None
        self._data_version = -1

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
            self._invalidate()
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
        """Run a write transaction (``BEGIN IMMEDIATE``), rolled back on error.

        The caller may change any table, so cached counts and the quantised index are dropped.
        """
        with self._lock:
            try:
                with self._write() as connection:
                    yield connection
            finally:
                self._invalidate()

    @contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
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
                placed = self._contexts(connection, items, places) if places else {}
                rowids, replaced = self._write_texts(connection, items, vectors=True, placed=placed)
                if placed:  # the neighbours outside the batch see the new turns
                    self._refresh_context(
                        connection, [(t, p) for t, p, _ in placed.values()], skip=rowids
                    )
                self._delete_vectors(connection, replaced)
                connection.executemany(
                    "INSERT INTO node_vectors (rowid, namespace, kind, embedding) "
                    "VALUES (?, ?, ?, ?)",
                    [
                        (int(r), item.namespace, item.kind, vector.tobytes())
                        for r, item, vector in zip(rowids, items, matrix, strict=True)
                    ],
                )
            if self._vector_count is not None:
                self._vector_count += len(rowids) - len(replaced)
            if self._index is not None:
                self._index.upsert(
                    rowids, matrix, [i.namespace for i in items], [i.kind for i in items]
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
                _, stale = self._write_texts(connection, items, vectors=False)
                self._delete_vectors(connection, stale)
            self._forget(stale)

    def delete(self, node_ids: Sequence[str]) -> int:
        """Remove the texts, FTS rows and vectors of ``node_ids``; returns how many existed."""
        ids = list(dict.fromkeys(node_ids))
        if not ids:
            return 0
        with self._lock:
            with self._write() as connection:
                rows = list(
                    connection.execute(
                        "SELECT rowid, has_vector FROM node_text WHERE node_id IN "
                        "(SELECT value FROM json_each(?))",
                        (json.dumps(ids),),
                    )
                )
                with_vectors = np.array([r for r, has in rows if has], dtype=np.int64)
                self._delete_vectors(connection, with_vectors)
                connection.executemany(
                    "DELETE FROM node_text WHERE rowid = ?", [(r,) for r, _ in rows]
                )
            self._forget(with_vectors)
        return len(rows)

    @staticmethod
    def _contexts(
        connection: apsw.Connection, items: Sequence[TextItem], places: Sequence[Place | None]
    ) -> dict[str, tuple[str, int, str]]:
        """``node id -> (thread id, idx, context)`` for the placed items: the texts within
        ``CONTEXT_SPAN`` positions, from the batch and from the stored neighbours."""
        wanted: dict[str, list[int]] = {}
        for place in places:
            if place is not None:
                wanted.setdefault(place[0], []).append(int(place[1]))
        texts: dict[tuple[str, int], str] = {}
        for thread_id, positions in wanted.items():
            rows = connection.execute(
                "SELECT position, text FROM node_text WHERE thread_id = ? "
                "AND position BETWEEN ? AND ?",
                (thread_id, min(positions) - CONTEXT_SPAN, max(positions) + CONTEXT_SPAN),
            )
            texts.update(((thread_id, int(position)), text) for position, text in rows)
        for item, place in zip(items, places, strict=True):
            if place is not None:
                texts[(place[0], int(place[1]))] = item.text
        contexts: dict[str, tuple[str, int, str]] = {}
        for item, place in zip(items, places, strict=True):
            if place is None:
                continue
            thread_id, position = place[0], int(place[1])
            around = (
                texts.get((thread_id, other))
                for other in range(position - CONTEXT_SPAN, position + CONTEXT_SPAN + 1)
                if other != position
            )
            contexts[item.node_id] = (thread_id, position, " ".join(t for t in around if t))
        return contexts

    @staticmethod
    def _write_texts(
        connection: apsw.Connection,
        items: Sequence[TextItem],
        *,
        vectors: bool,
        placed: Mapping[str, tuple[str, int, str]] | None = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Insert or update ``node_text`` rows, marking whether each will have a vector;
        ``placed`` gives messages their thread, idx and context as they are written.

        Returns:
            The rowids in item order, and the rowids whose existing vector must be deleted
            (all that had one when ``vectors``; else those whose text, kind or namespace
            changed).
        """
        known = {
            node_id: (rowid, (kind, namespace, text), has)
            for node_id, rowid, kind, namespace, text, has in connection.execute(
                "SELECT node_id, rowid, kind, namespace, text, has_vector FROM node_text "
                "WHERE node_id IN (SELECT value FROM json_each(?))",
                (json.dumps([item.node_id for item in items]),),
            )
        }
        now = datetime.now(UTC).isoformat()
        (top,) = next(connection.execute("SELECT coalesce(max(rowid), 0) FROM node_text"))
        rowids: list[int] = []
        replaced: list[int] = []
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        places: list[tuple[Any, ...]] = []
        placed = placed or {}
        for item in items:
            values = (item.kind, item.namespace, item.text)
            where = placed.get(item.node_id)
            if item.node_id not in known:
                top += 1
                rowids.append(top)
                inserts.append(
                    (top, item.node_id, *values, now, int(vectors), *(where or (None, None, "")))
                )
                continue
            rowid, current, has_vector = known[item.node_id]
            rowids.append(rowid)
            if where is not None:
                places.append((*where, rowid))
            if vectors or current != values:
                updates.append((*values, now, int(vectors), rowid))
                if has_vector:
                    replaced.append(rowid)
        connection.executemany(
            "INSERT INTO node_text (rowid, node_id, kind, namespace, text, updated_at, "
            "has_vector, thread_id, position, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
        connection.executemany(
            "UPDATE node_text SET kind = ?, namespace = ?, text = ?, updated_at = ?, "
            "has_vector = ? WHERE rowid = ?",
            updates,
        )
        connection.executemany(
            "UPDATE node_text SET thread_id = ?, position = ?, context = ? WHERE rowid = ?",
            places,
        )
        return np.array(rowids, dtype=np.int64), np.array(replaced, dtype=np.int64)

    def place(self, places: Mapping[str, Place]) -> int:
        """Record the ``(thread id, idx)`` of stored messages and refresh the context of
        them and their neighbours; returns how many were stored."""
        if not places:
            return 0
        with self._lock, self._write() as connection:
            known = list(
                connection.execute(
                    "SELECT rowid, node_id FROM node_text WHERE node_id IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(list(places)),),
                )
            )
            self._place(
                connection,
                np.array([rowid for rowid, _ in known], dtype=np.int64),
                [places[node_id] for _, node_id in known],
            )
        return len(known)

    def unplaced(self, kind: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of stored ``kind`` texts that have no place in a thread."""
        rows = self.query(
            "SELECT node_id FROM node_text WHERE kind = ? AND thread_id IS NULL "
            "ORDER BY rowid LIMIT ?",
            (kind, max(limit, 0)),
        )
        return [node_id for (node_id,) in rows]

    @classmethod
    def _place(
        cls,
        connection: apsw.Connection,
        rowids: npt.NDArray[np.int64],
        places: Sequence[Place | None],
    ) -> None:
        """Record where stored messages sit in their threads and refresh the ``context`` of
        them and of every message within ``CONTEXT_SPAN`` positions of them."""
        placed = [
            (place[0], int(place[1]), int(rowid))
            for rowid, place in zip(rowids, places, strict=True)
            if place is not None
        ]
        if not placed:
            return
        connection.executemany(
            "UPDATE node_text SET thread_id = ?, position = ? WHERE rowid = ?", placed
        )
        cls._refresh_context(connection, [(t, p) for t, p, _ in placed])

    @staticmethod
    def _refresh_context(
        connection: apsw.Connection,
        changed: Sequence[Place],
        skip: npt.NDArray[np.int64] | None = None,
    ) -> None:
        """Recompute the ``context`` of the messages within ``CONTEXT_SPAN`` positions of
        ``changed`` places (leaving out the rowids in ``skip``, already up to date)."""
        connection.execute(
            "WITH changed(thread_id, position) AS ("
            " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
            " FROM json_each(:changed)),"
            " near(rowid) AS (SELECT DISTINCT n.rowid FROM changed c JOIN node_text n"
            " ON n.thread_id = c.thread_id AND n.position BETWEEN c.position - :span"
            " AND c.position + :span"
            " WHERE n.rowid NOT IN (SELECT value FROM json_each(:skip)))"
            " UPDATE node_text SET context = coalesce(("
            " SELECT group_concat(o.text, ' ') FROM (SELECT text FROM node_text AS o"
            " WHERE o.thread_id = node_text.thread_id AND o.rowid != node_text.rowid"
            " AND o.position BETWEEN node_text.position - :span AND node_text.position + :span"
            " ORDER BY o.position) AS o), '')"
            " WHERE rowid IN (SELECT rowid FROM near)",
            {
                "changed": json.dumps([[t, int(p)] for t, p in changed]),
                "skip": json.dumps([int(r) for r in (skip if skip is not None else [])]),
                "span": CONTEXT_SPAN,
            },
        )

    @staticmethod
    def _delete_vectors(connection: apsw.Connection, rowids: npt.NDArray[np.int64]) -> None:
        connection.executemany(
            "DELETE FROM node_vectors WHERE rowid = ?", [(int(r),) for r in rowids]
        )

    def _forget(self, rowids: npt.NDArray[np.int64]) -> None:
        if self._vector_count is not None:
            self._vector_count -= len(rowids)
        if self._index is not None:
            self._index.remove(rowids)

    # -- reading ---------------------------------------------------------------------------
    def vector_count(self) -> int:
        """Number of stored vectors."""
        with self._lock:
            self._check_fresh()
            if self._vector_count is None:
                self._vector_count = int(
                    self.query("SELECT count(*) FROM node_text WHERE has_vector = 1")[0][0]
                )
            return self._vector_count

    def text_count(self) -> int:
        """Number of stored texts (nodes known to the index, with or without a vector)."""
        return int(self.query("SELECT count(*) FROM node_text")[0][0])

    @property
    def quantised_bytes(self) -> int:
        """Memory held by the in-memory quantised index (0 while it is not loaded)."""
        index = self._index
        return index.nbytes if index is not None else 0

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
            if self.vector_count() >= self.quantise_above:
                candidates = max(k * self.candidates_per_result, _MIN_CANDIDATES)
                hits = self._quantised().search(
                    query, k, candidates=candidates, namespace=namespace, kinds=kinds
                )
            else:
                sql = "SELECT rowid, distance FROM node_vectors WHERE embedding MATCH ? AND k = ?"
                params: list[Any] = [query.tobytes(), k]
                if namespace is not None:
                    sql += " AND namespace = ?"
                    params.append(namespace)
                if kinds is not None:
                    sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
                    params.extend(kinds)
                hits = [(int(r), float(d)) for r, d in self.connection.execute(sql, params)]
            names = dict(
                self.connection.execute(
                    "SELECT rowid, node_id FROM node_text WHERE rowid IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps([r for r, _ in hits]),),
                )
            )
        return sorted(((names[r], d) for r, d in hits if r in names), key=lambda h: (h[1], h[0]))

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
        """The ``k`` best BM25 matches of the words of ``query`` (score: higher is better).

        Words are stemmed and quoted, so FTS5 syntax in ``query`` is matched as plain text;
        English stop words are left out (``stop_words``); a query without words returns
        nothing. By default any word may match (``match_all``: all). A match in the text
        of a message's neighbouring turns weighs ``context_weight`` (its own text: 1).
        """
        check_k(k)
        kinds = check_kinds(kinds)
        if not 0 <= context_weight <= 10:
            raise VectorValidationError("context_weight must be between 0 and 10")
        expression = match_expression(query, match_all=match_all, stop_words=stop_words)
        if expression is None:
            return []
        if context_weight == 0:
            expression = f"text : ({expression})"  # own text only
        sql = (
            f"SELECT t.node_id, bm25(node_fts, {TEXT_WEIGHT!r}, {float(context_weight)!r}) "
            "AS score FROM node_fts "
            "JOIN node_text t ON t.rowid = node_fts.rowid WHERE node_fts MATCH ?"
        )
        params: list[Any] = [expression]
        if namespace is not None:
            sql += " AND t.namespace = ?"
            params.append(namespace)
        if kinds is not None:
            sql += f" AND t.kind IN ({', '.join('?' * len(kinds))})"
            params.extend(kinds)
        rows = self.query(sql + " ORDER BY score, t.node_id LIMIT ?", (*params, k))
        return [(node_id, -float(score)) for node_id, score in rows]

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
        if window < 1 or not node_ids:
            return {}
        rows = self.query(
            "SELECT m.node_id, n.node_id, n.position - m.position FROM node_text AS m "
            "JOIN node_text AS n ON n.thread_id = m.thread_id AND n.rowid != m.rowid "
            "AND n.position BETWEEN m.position - ? AND m.position + ? "
            "WHERE m.node_id IN (SELECT value FROM json_each(?)) AND m.thread_id IS NOT NULL "
            "ORDER BY m.node_id, n.position",
            (window, window, json.dumps(list(node_ids))),
        )
        found: dict[str, tuple[list[str], list[str]]] = {}
        for hit, other, offset in rows:
            before, after = found.setdefault(hit, ([], []))
            (before if offset < 0 else after).append(other)
        return found

    # -- internals -------------------------------------------------------------------------
    def warm(self) -> bool:
        """Load the quantised index now if KNN would use it; returns whether it is loaded."""
        with self._lock:
            self._check_fresh()
            if self.vector_count() >= self.quantise_above:
                self._quantised()
            return self._index is not None

    def _quantised(self) -> BinaryIndex:
        """The in-memory quantised index, loaded from the store on first use.

        Vectors are read straight from vec0's chunk tables (about 4x faster than scanning the
        virtual table); if their layout is not the expected one or the count disagrees, the
        virtual table is scanned instead. Kinds and namespaces come from ``node_text``.
        """
        if self._index is not None:
            return self._index
        expected = self.vector_count()
        rows = self.query(
            "SELECT rowid, namespace, kind FROM node_text WHERE has_vector = 1 ORDER BY rowid"
        )
        label_rowids = np.array([r[0] for r in rows], dtype=np.int64)
        namespaces, kinds = [r[1] for r in rows], [r[2] for r in rows]
        index: BinaryIndex | None = None
        for blocks in (self._chunk_blocks, self._scan_blocks):
            try:
                index = BinaryIndex.from_blocks(
                    self.dimension, blocks(), label_rowids, namespaces, kinds
                )
            except (apsw.Error, ValueError):
                continue
            if len(index) == expected:
                break
        if index is None:
            raise StoreError("cannot read the vectors of node_vectors")
        self._index = index
        return index

    def _chunk_blocks(self) -> Iterator[Block]:
        """``(rowids, vectors)`` per vec0 chunk, read from its shadow tables."""
        return chunk_blocks(self.connection, self.dimension)

    def _scan_blocks(self) -> Iterator[Block]:
        """``(rowids, vectors)`` blocks from a scan of the vec0 table itself."""
        cursor = self.connection.execute("SELECT rowid, embedding FROM node_vectors")
        while rows := list(itertools.islice(cursor, _SCAN_BLOCK)):
            matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
            yield (
                np.array([row[0] for row in rows], dtype=np.int64),
                matrix.reshape(len(rows), self.dimension),
            )

    def _check_fresh(self) -> None:
        """Drop cached state if another connection committed since we last looked."""
        (version,) = next(self.connection.execute("PRAGMA data_version"))
        if version != self._data_version:
            self._invalidate()
            self._data_version = int(version)

    def _invalidate(self) -> None:
        self._vector_count = None
        self._index = None
        self._dimension = None
