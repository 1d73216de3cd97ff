"""The vector store: upserts, KNN (exact and quantised), FTS, hybrid fusion, validation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from kgservice.errors import VectorValidationError
from kgservice.stores.opening import Stores
from kgservice.stores.text_ranking import FUSION_K, VECTOR_WEIGHT, match_expression, weighted_fusion
from kgservice.stores.vec0_chunks import chunk_blocks
from kgservice.stores.vector_knn import scan_blocks
from kgservice.stores.vector_quantised import BinaryIndex
from kgservice.stores.vectors import (
    MAX_K,
    TextItem,
    VectorItem,
    VectorStore,
)

DIM = 384
FloatArray = npt.NDArray[np.float32]


def unit_vectors(count: int, seed: int) -> FloatArray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIM))
    unit: FloatArray = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def clustered(count: int, clusters: int, seed: int) -> FloatArray:
    """Embedding-like data: a shared component, a cluster centre and per-vector noise."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(DIM) / np.sqrt(DIM)
    centres = rng.standard_normal((clusters, DIM)) / np.sqrt(DIM)
    noise = rng.standard_normal((count, DIM)) / np.sqrt(DIM)
    vectors = 0.6 * common + centres[rng.integers(0, clusters, count)] + 0.6 * noise
    unit: FloatArray = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    return unit


def items(vectors: FloatArray, prefix: str = "n") -> list[VectorItem]:
    return [
        VectorItem(
            f"{prefix}{i}",
            f"K{i % 4}",
            "alpha" if i % 3 == 0 else "",
            f"text {i} {'odd' if i % 2 else 'even'}",
            vector,
        )
        for i, vector in enumerate(vectors)
    ]


def exact_knn(
    vectors: FloatArray, query: FloatArray, k: int, keep: npt.NDArray[np.bool_] | None = None
) -> list[str]:
    distances = 1.0 - vectors @ query
    positions = np.arange(len(vectors)) if keep is None else np.flatnonzero(keep)
    order = positions[np.argsort(distances[positions], kind="stable")][:k]
    return [f"n{i}" for i in order]


def snapshot(store: VectorStore) -> tuple[object, ...]:
    return (
        store.query(
            "SELECT node_id, kind, namespace, text, has_vector FROM node_text ORDER BY node_id"
        ),
        store.query("SELECT rowid, vec_to_json(embedding) FROM node_vectors ORDER BY rowid"),
        store.query("SELECT count(*) FROM node_fts WHERE node_fts MATCH 'text'"),
        store.query("SELECT key, value FROM index_meta ORDER BY key"),
    )


@pytest.fixture
def store(stores: Stores) -> VectorStore:
    return stores.vectors


# -- writing ---------------------------------------------------------------------------------
def test_upsert_replace_and_delete(store: VectorStore) -> None:
    vectors = unit_vectors(6, seed=1)
    store.upsert(items(vectors[:5]))
    assert (store.vector_count(), store.text_count()) == (5, 5)
    [(nearest, distance)] = store.knn(vectors[2], 1)
    assert nearest == "n2"
    assert distance == pytest.approx(0.0, abs=1e-6)

    store.upsert([VectorItem("n2", "K9", "beta", "replaced words", vectors[5])])
    assert (store.vector_count(), store.text_count()) == (5, 5)
    assert store.knn(vectors[5], 1)[0][0] == "n2"
    assert store.knn(vectors[2], 1)[0][0] != "n2"
    assert [n for n, _ in store.text_search("replaced", 5)] == ["n2"]
    assert store.text_search("text 2", 5, match_all=True) == []
    assert store.knn(vectors[5], 1, kinds=["K9"], namespace="beta")[0][0] == "n2"

    assert store.delete(["n2", "n3", "unknown"]) == 2
    assert (store.vector_count(), store.text_count()) == (3, 3)
    assert store.text_search("replaced", 5) == []
    assert {n for n, _ in store.knn(vectors[5], 10)} == {"n0", "n1", "n4"}
    assert store.query("SELECT count(*) FROM node_fts WHERE node_fts MATCH 'text'") == [(3,)]
    assert sorted(store.node_ids(batch_size=2)) == ["n0", "n1", "n4"]


def test_empty_batches_do_nothing(store: VectorStore) -> None:
    before = snapshot(store)
    store.upsert([])
    store.upsert_texts([])
    assert store.delete([]) == 0
    assert snapshot(store) == before


def test_texts_without_vectors_are_offered_for_backfill(store: VectorStore) -> None:
    vectors = unit_vectors(3, seed=2)
    store.upsert_texts([TextItem("a", "Note", "", "first"), TextItem("b", "Note", "", "second")])
    assert store.missing_vectors(10) == ["a", "b"]
    assert store.missing_vectors(1) == ["a"]
    store.upsert([VectorItem("a", "Note", "", "first", vectors[0])])
    store.upsert([VectorItem("c", "Note", "", "third", vectors[2])])
    assert store.missing_vectors(10) == ["b"]
    store.upsert_texts([TextItem("a", "Note", "", "first"), TextItem("c", "Note", "", "3rd")])
    assert store.missing_vectors(10) == ["b", "c"]  # c's text changed, a's did not
    assert [n for n, _ in store.knn(vectors[2], 5)] == ["a"]
    assert (store.vector_count(), store.text_count()) == (1, 3)


# -- KNN -------------------------------------------------------------------------------------
def assert_nearest(
    hits: list[tuple[str, float]],
    vectors: FloatArray,
    query: FloatArray,
    keep: npt.NDArray[np.bool_] | None,
    tolerance: float,
) -> None:
    """``hits`` are the nearest by exact distance, up to swaps closer than ``tolerance``."""
    distances = 1.0 - vectors @ query
    expected = exact_knn(vectors, query, 10, keep)
    assert len(hits) == len(expected)
    if not hits:
        return
    cutoff = distances[int(expected[-1][1:])] + tolerance
    for node_id, distance in hits:
        position = int(node_id[1:])
        assert keep is None or keep[position]
        assert distance == pytest.approx(distances[position], abs=tolerance)
        assert distances[position] <= cutoff
    assert [d for _, d in hits] == sorted(d for _, d in hits)


@pytest.mark.parametrize("quantise_above", [10**9, 0], ids=["exact", "quantised"])
def test_knn_matches_numpy_with_filters(store: VectorStore, quantise_above: int) -> None:
    store.quantise_above = quantise_above
    tolerance = 2e-3 if quantise_above == 0 else 1e-5
    vectors = unit_vectors(600, seed=3)
    batch = items(vectors)
    batch[7] = VectorItem("n7", "Rare", "alpha", "rare", vectors[7])
    batch[8] = VectorItem("n8", "Rare", "", "rare", vectors[8])
    store.upsert(batch)
    kinds = np.array([item.kind for item in batch])
    spaces = np.array([item.namespace for item in batch])
    filters: list[tuple[list[str] | None, str | None, npt.NDArray[np.bool_] | None]] = [
        (None, None, None),
        (["Rare"], None, kinds == "Rare"),
        (["Rare"], "alpha", (kinds == "Rare") & (spaces == "alpha")),
        (["K1", "K2"], "", np.isin(kinds, ["K1", "K2"]) & (spaces == "")),
        (None, "alpha", spaces == "alpha"),
        (["Nothing"], None, kinds == "Nothing"),
        (None, "nowhere", spaces == "nowhere"),
    ]
    for query in unit_vectors(4, seed=4):
        if quantise_above:
            assert [n for n, _ in store.knn(query, 10)] == exact_knn(vectors, query, 10)
        for kind_filter, namespace, keep in filters:
            hits = store.knn(query, 10, kinds=kind_filter, namespace=namespace)
            assert_nearest(hits, vectors, query, keep, tolerance)
    assert [n for n, _ in store.knn(vectors[7], 10, kinds=["Rare"], namespace="alpha")] == ["n7"]


def test_quantised_index_follows_writes_and_other_connections(store: VectorStore) -> None:
    store.quantise_above = 0
    vectors = unit_vectors(50, seed=5)
    store.upsert(items(vectors[:40]))
    assert store.knn(vectors[3], 1)[0][0] == "n3"  # loads the index
    store.upsert([VectorItem("n3", "K3", "", "moved", vectors[45])])
    store.delete(["n4"])
    store.upsert(items(vectors[46:47], prefix="new"))
    store.upsert_texts([TextItem("n5", "K1", "", "new text: the vector is stale")])
    assert store.knn(vectors[45], 1)[0][0] == "n3"
    assert store.knn(vectors[4], 1)[0][0] != "n4"
    assert store.knn(vectors[5], 1)[0][0] != "n5"
    assert store.knn(vectors[46], 1)[0][0] == "new0"
    with VectorStore(store.path) as other:  # a commit by another connection
        other.upsert([VectorItem("elsewhere", "K0", "", "x", vectors[48])])
    assert store.knn(vectors[48], 1)[0][0] == "elsewhere"
    assert store.vector_count() == 40


def test_quantised_index_loads_from_chunks_with_holes(store: VectorStore) -> None:
    vectors = unit_vectors(2_500, seed=14)
    store.upsert(items(vectors))  # two namespaces, so two vec0 partitions
    store.delete([f"n{i}" for i in range(0, 2_500, 7)])

    def by_rowid(blocks: Iterator[tuple[npt.NDArray[np.int64], FloatArray]]) -> dict[int, bytes]:
        return {
            int(r): v.tobytes() for ids, matrix in blocks for r, v in zip(ids, matrix, strict=True)
        }

    chunked = by_rowid(chunk_blocks(store.connection, store.dimension))  # vec0's shadow tables
    assert chunked == by_rowid(scan_blocks(store.connection, store.dimension))
    assert len(chunked) == store.vector_count() == 2_500 - 358
    with VectorStore(store.path, quantise_above=0) as fresh:
        assert fresh.warm()
        assert fresh.quantised_bytes > 0
        for query in unit_vectors(3, seed=15):
            keep = (np.arange(2_500) % 7 != 0) & (np.arange(2_500) % 3 == 0)
            assert_nearest(fresh.knn(query, 10, namespace="alpha"), vectors, query, keep, 2e-3)


def test_quantised_recall_on_clustered_vectors() -> None:
    """Held-out queries: drawn like the data, but none of them is an indexed point."""
    drawn = clustered(20_050, clusters=400, seed=6)
    data, queries = drawn[:20_000], drawn[20_000:]
    index = BinaryIndex.build(np.arange(1, 20_001), data, [""] * 20_000, ["K"] * 20_000)
    recall = []
    for query in queries:
        exact = set(np.argsort(1.0 - data @ query)[:10] + 1)
        found = {r for r, _ in index.search(query, 10, candidates=400)}
        recall.append(len(exact & found) / 10)
    assert np.mean(recall) >= 0.95


# -- text search and fusion -----------------------------------------------------------------
HOSTILE = [
    '"',
    '""',
    "NEAR(",
    "NEAR(a b",
    "*",
    "-",
    "- -",
    "a*",
    "^",
    "(((",
    ")",
    "col:term",
    "AND",
    "OR NOT",
    "'; DROP TABLE node_text; --",
    "\\",
    "\x00",
    "{a b}: c",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_text_search_takes_hostile_input(store: VectorStore, query: str) -> None:
    """FTS5 syntax is matched as plain words: a hit exactly when a word of the query is stored."""
    stored = "near term column AND or not drop table"
    store.upsert_texts([TextItem("a", "Note", "", stored)])
    shared = set(re.findall(r"\w+", query.lower())) & set(stored.lower().split())
    hits = store.text_search(query, 5)
    assert [node for node, _ in hits] == (["a"] if shared else [])
    assert store.text_count() == 1


def test_text_search_words_filters_and_unicode(store: VectorStore) -> None:
    store.upsert_texts(
        [
            TextItem("a", "Note", "", "Straße nach 東京 ünïcödé café"),
            TextItem("b", "Note", "team", "near the café, NEAR(x) and *stars*"),
            TextItem("c", "Task", "team", "nothing in common"),
        ]
    )
    assert [n for n, _ in store.text_search("東京", 5)] == ["a"]
    assert [n for n, _ in store.text_search("ünïcödé!", 5)] == ["a"]
    assert {n for n, _ in store.text_search('"café"', 5)} == {"a", "b"}
    assert [n for n, _ in store.text_search("café", 5, namespace="team")] == ["b"]
    assert store.text_search("café", 5, kinds=["Task"]) == []
    assert [n for n, _ in store.text_search("NEAR(stars*", 5)] == ["b"]
    assert [n for n, _ in store.text_search("-common", 5)] == ["c"]
    assert store.text_search("!!! ... ---", 5) == []
    assert match_expression('x-b "c" NEAR(') == '"x" OR "b" OR "c" OR "near"'
    assert match_expression("_ _", match_all=True) is None
    hits = store.text_search("café nach", 5)
    assert hits[0][0] == "a"
    assert hits[0][1] > hits[1][1]


def test_hybrid_fuses_ranks(store: VectorStore) -> None:
    query = unit_vectors(1, seed=8)[0]
    other = unit_vectors(1, seed=9)[0]
    texts = {"A": "apple", "B": "zebra zebra", "C": "apple pie", "D": "zebra crossing road"}
    # cosine distance grows A < B < C < D
    batch = [
        VectorItem(node, "Note", "", texts[node], (1 - w) * query + w * other)
        for node, w in zip("ABCD", (0.1, 0.3, 0.5, 0.7), strict=True)
    ]
    store.upsert(batch)
    assert [n for n, _ in store.knn(query, 4)] == ["A", "B", "C", "D"]
    assert [n for n, _ in store.text_search("zebra", 4)] == ["B", "D"]
    fused = store.hybrid("zebra", query, 4)
    assert [n for n, _ in fused] == ["B", "D", "A", "C"]
    # weighted: the vector ranking weighs VECTOR_WEIGHT, the text ranking 1
    assert fused[0][1] == pytest.approx(VECTOR_WEIGHT / (FUSION_K + 2) + 1 / (FUSION_K + 1))
    assert fused[1][1] == pytest.approx(VECTOR_WEIGHT / (FUSION_K + 4) + 1 / (FUSION_K + 2))
    assert [n for n, _ in store.hybrid("zebra", query, 2)] == ["B", "D"]
    tied = weighted_fusion([["x", "y"], ["y", "x"]], [1.0, 1.0])
    assert [n for n, _ in tied] == ["x", "y"]  # equal scores: best rank, then id
    assert [s for _, s in tied] == pytest.approx([1 / (FUSION_K + 1) + 1 / (FUSION_K + 2)] * 2)


# -- validation ------------------------------------------------------------------------------
def test_bad_batches_leave_the_store_unchanged(store: VectorStore) -> None:
    vectors = unit_vectors(3, seed=10)
    store.upsert(items(vectors[:2]))
    before = snapshot(store)
    bad_vectors = {
        "dimension": np.ones(DIM + 1, dtype=np.float32),
        "NaN": np.full(DIM, np.nan, dtype=np.float32),
        "infinite": np.full(DIM, np.inf, dtype=np.float32),
        "zeros": np.zeros(DIM, dtype=np.float32),
    }
    for label, bad in bad_vectors.items():
        batch = [
            VectorItem("n0", "K", "", "changed", vectors[2]),
            VectorItem("fresh", "K", "", "new", vectors[2]),
            VectorItem("bad", "K", "", "bad", bad),
        ]
        with pytest.raises(VectorValidationError) as caught:
            store.upsert(batch)
        assert label.lower() in str(caught.value).lower() or "shape" in str(caught.value)
        assert snapshot(store) == before
    with pytest.raises(VectorValidationError, match="twice"):
        store.upsert([VectorItem("n9", "K", "", "x", vectors[2])] * 2)
    with pytest.raises(VectorValidationError, match="empty"):
        store.upsert_texts([TextItem("", "K", "", "x")])
    assert snapshot(store) == before


def test_search_parameters_are_checked(store: VectorStore) -> None:
    vector = unit_vectors(1, seed=11)[0]
    store.upsert(items(unit_vectors(3, seed=12)))
    for k in (0, -1, MAX_K + 1, True, 2.5):
        with pytest.raises(VectorValidationError, match="k must be"):
            store.knn(vector, k)  # type: ignore[arg-type]
        with pytest.raises(VectorValidationError, match="k must be"):
            store.text_search("text", k)  # type: ignore[arg-type]
    with pytest.raises(VectorValidationError, match="shape"):
        store.knn(vector[:10], 3)
    with pytest.raises(VectorValidationError, match="NaN"):
        store.knn(np.full(DIM, np.nan, dtype=np.float32), 3)
    with pytest.raises(VectorValidationError, match="kinds"):
        store.knn(vector, 3, kinds=[])
    assert len(store.knn(vector, MAX_K)) == 3


def test_model_is_recorded_and_enforced(store: VectorStore) -> None:
    assert store.model() is None
    store.ensure_model("all-MiniLM-L6-v2", 384)
    store.ensure_model("all-MiniLM-L6-v2", 384)
    assert store.model() == ("all-MiniLM-L6-v2", 384)
    with pytest.raises(VectorValidationError, match="built with all-MiniLM-L6-v2"):
        store.ensure_model("other-model", 384)
    with pytest.raises(VectorValidationError, match="768-dimensional"):
        store.ensure_model("all-mpnet-base-v2", 768)
    assert store.model() == ("all-MiniLM-L6-v2", 384)


# -- backup ----------------------------------------------------------------------------------
def test_backup_and_restore_keep_vectors_and_texts(store: VectorStore, tmp_path: Path) -> None:
    store.quantise_above = 0
    vectors = unit_vectors(4, seed=13)
    store.upsert(items(vectors))
    store.ensure_model("all-MiniLM-L6-v2", 384)
    before = snapshot(store)
    store.backup_to(tmp_path / "copy.db")
    assert store.knn(vectors[1], 1)[0][0] == "n1"  # index loaded
    store.delete(["n1", "n2"])
    assert store.knn(vectors[1], 1)[0][0] != "n1"
    store.restore_from(tmp_path / "copy.db")
    assert snapshot(store) == before
    assert store.knn(vectors[1], 1)[0][0] == "n1"
    assert [n for n, _ in store.text_search("even", 5)] == ["n0", "n2"]
    assert store.vector_count() == 4


def test_the_store_and_the_settings_share_one_quantise_default(tmp_path: Path) -> None:
    """Regression: the store defaulted to 20,000 while the setting said 5,000."""
    from kgservice.settings import Settings

    default = Settings.model_fields["vector_quantise_above"].default
    assert VectorStore(tmp_path / "v.db").quantise_above == default == 5_000
