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
