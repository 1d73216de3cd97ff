"""Lookups on the vector store by node id, for consistency checks and ``similar``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

from kgservice.stores.vectors import VectorStore

FloatArray = npt.NDArray[np.float32]

BATCH = 10_000


def vector_node_ids(store: VectorStore) -> Iterator[str]:
    """Ids of every node that has a vector."""
    last = -1
    while True:
        rows = store.query(
            "SELECT rowid, node_id FROM node_text WHERE has_vector = 1 AND rowid > ? "
            "ORDER BY rowid LIMIT ?",
            (last, BATCH),
        )
        yield from (node_id for _, node_id in rows)
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def vector_of(store: VectorStore, node_id: str) -> FloatArray | None:
    """The stored embedding of ``node_id``, or None."""
    rows = store.query(
        "SELECT v.embedding FROM node_text t JOIN node_vectors v ON v.rowid = t.rowid "
        "WHERE t.node_id = ? AND t.has_vector = 1",
        (node_id,),
    )
    if not rows:
        return None
    return np.frombuffer(rows[0][0], dtype=np.float32).copy()


def has_vectors(store: VectorStore, node_ids: Sequence[str]) -> set[str]:
    """The ids among ``node_ids`` that have a vector."""
    found: set[str] = set()
    for start in range(0, len(node_ids), BATCH):
        chunk = list(node_ids[start : start + BATCH])
        rows = store.query(
            "SELECT node_id FROM node_text WHERE has_vector = 1 AND node_id IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(chunk),),
        )
        found.update(node_id for (node_id,) in rows)
    return found


def texts_and_windows(
    store: VectorStore, node_ids: Sequence[str], span: int
) -> tuple[dict[str, tuple[str, str]], dict[str, list[tuple[int, FloatArray]]]]:
    """What reranking reads about ``node_ids``: each one's ``(text, context)`` and the stored
    vectors of it and of the messages up to ``span`` positions around it in its thread, as
    ``(offset, vector)`` (offset 0: itself; a node without a place has only its own)."""
    ids = json.dumps(list(node_ids))
    texts = {
        node_id: (text, context or "")
        for node_id, text, context in store.query(
            "SELECT node_id, text, context FROM node_text WHERE node_id IN "
            "(SELECT value FROM json_each(?))",
            (ids,),
        )
    }
    rows = store.query(
        "WITH hits AS (SELECT rowid, node_id, thread_id, position FROM node_text "
        "WHERE node_id IN (SELECT value FROM json_each(?))), "
        "near(node_id, offset, rowid) AS (SELECT node_id, 0, rowid FROM hits UNION ALL "
        "SELECT h.node_id, n.position - h.position, n.rowid FROM hits AS h "
        "JOIN node_text AS n ON n.thread_id = h.thread_id AND n.rowid != h.rowid "
        "AND n.position BETWEEN h.position - ? AND h.position + ?) "
        "SELECT near.node_id, near.offset, v.embedding FROM near "
        "JOIN node_vectors AS v ON v.rowid = near.rowid",
        (ids, span, span),
    )
    windows: dict[str, list[tuple[int, FloatArray]]] = {}
    for node_id, offset, blob in rows:
        vector = np.frombuffer(blob, dtype=np.float32)
        windows.setdefault(node_id, []).append((int(offset or 0), vector))
    return texts, windows
