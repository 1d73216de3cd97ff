"""sqlite-vec's chunk tables, read directly: fails by name when an upgrade changes their layout."""

from __future__ import annotations

import numpy as np
import sqlite_vec

from kgservice.stores.opening import Stores
from kgservice.stores.vec0_chunks import chunk_blocks
from kgservice.stores.vectors import VectorItem


def test_sqlite_vec_is_the_pinned_minor_version() -> None:
    assert sqlite_vec.__version__.startswith("0.1."), sqlite_vec.__version__


def test_sqlite_vec_chunk_layout_is_unchanged(stores: Stores) -> None:
    store = stores.vectors
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((1_500, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store.upsert([VectorItem(f"n{i}", "Note", "", f"t{i}", v) for i, v in enumerate(vectors)])
    store.delete([f"n{i}" for i in range(0, 1_500, 5)])
    rowid_of = dict(store.query("SELECT node_id, rowid FROM node_text"))
    read = {
        int(r): v
        for ids, matrix in chunk_blocks(store.connection, 384)
        for r, v in zip(ids, matrix, strict=True)
    }
    kept = [i for i in range(1_500) if i % 5]
    assert sorted(read) == sorted(rowid_of[f"n{i}"] for i in kept)
    for i in kept[:50]:
        np.testing.assert_array_equal(read[rowid_of[f"n{i}"]], vectors[i])
