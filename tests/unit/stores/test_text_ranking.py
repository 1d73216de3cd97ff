"""Ranking by words: stop words, stemming, the context of neighbouring turns, fusion."""

from __future__ import annotations

import numpy as np
import pytest

from kgservice.errors import VectorValidationError
from kgservice.stores.migrations import discover_migrations
from kgservice.stores.opening import Stores
from kgservice.stores.text_ranking import (
    STOP_WORDS,
    match_expression,
    query_terms,
    weighted_fusion,
)
from kgservice.stores.vectors import VectorItem, VectorStore

DIM = 384


@pytest.fixture
def store(stores: Stores) -> VectorStore:
    return stores.vectors


def vectors(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    return [v / np.linalg.norm(v) for v in rng.standard_normal((count, DIM)).astype(np.float32)]


def thread(store: VectorStore, texts: list[str], thread_id: str = "t1", start: int = 0) -> None:
    ids = [f"{thread_id}-{start + i}" for i in range(len(texts))]
    items = [
        VectorItem(node, "Message", "ns", text, vector)
        for node, text, vector in zip(ids, texts, vectors(len(texts)), strict=True)
    ]
    store.upsert(items, [(thread_id, start + i) for i in range(len(texts))])


def contexts(store: VectorStore) -> dict[str, str]:
    return dict(store.query("SELECT node_id, context FROM node_text ORDER BY rowid"))


def test_query_terms_leave_out_stop_words_unless_only_they_remain() -> None:
    assert query_terms("When did Caroline go to the support group?") == [
        "caroline",
        "go",
        "support",
        "group",
    ]
    assert query_terms("What is it?") == ["what", "is", "it"]
    assert query_terms("the cat", stop_words=False) == ["the", "cat"]
    assert match_expression('a-b "c" NEAR(') == '"b" OR "c" OR "near"'
    assert match_expression("!!!") is None
    assert {"the", "when", "did"} <= STOP_WORDS


def test_words_are_stemmed(store: VectorStore) -> None:
    thread(store, ["She painted a sunrise last year."])
    thread(store, ["We went hiking."], thread_id="t2")
    assert [n for n, _ in store.text_search("painting sunrises", 5)] == ["t1-0"]
    assert [n for n, _ in store.text_search("hikes", 5)] == ["t2-0"]


def test_context_holds_the_neighbouring_turns_and_follows_appends(store: VectorStore) -> None:
    thread(store, ["zero", "one", "two"])
    assert contexts(store) == {"t1-0": "one two", "t1-1": "zero two", "t1-2": "zero one"}
    thread(store, ["three", "four"], start=3)
    assert contexts(store)["t1-1"] == "zero two three"
    assert contexts(store)["t1-2"] == "zero one three four"
    assert contexts(store)["t1-4"] == "two three"
    thread(store, ["other"], thread_id="t2")
    assert contexts(store)["t2-0"] == ""


def test_a_neighbour_match_ranks_a_message_below_its_own_match(store: VectorStore) -> None:
    thread(store, ["I adopted a puppy", "Its name is Biscuit", "We walk every morning"])
    thread(store, ["lunch was good"], thread_id="t2")
    hits = [n for n, _ in store.text_search("puppy", 5)]
    assert hits == ["t1-0", "t1-1", "t1-2"]
    assert [n for n, _ in store.text_search("puppy", 5, context_weight=0)] == ["t1-0"]
    with pytest.raises(VectorValidationError):
        store.text_search("puppy", 5, context_weight=-1)


def test_neighbours_and_placing_stored_messages(store: VectorStore) -> None:
    items = [
        VectorItem(f"m{i}", "Message", "ns", text, vector)
        for i, (text, vector) in enumerate(zip(["a1", "b2", "c3", "d4"], vectors(4), strict=True))
    ]
    store.upsert(items)  # no places yet (an import, or texts stored before migration 0007)
    assert store.unplaced("Message", 10) == ["m0", "m1", "m2", "m3"]
    assert store.neighbours(["m1"], 1) == {}
    assert store.place({f"m{i}": ("t", i) for i in range(4)} | {"gone": ("t", 9)}) == 4
    assert store.unplaced("Message", 10) == []
    assert store.neighbours(["m1", "m3"], 1) == {"m1": (["m0"], ["m2"]), "m3": (["m2"], [])}
    assert store.neighbours(["m0"], 2) == {"m0": ([], ["m1", "m2"])}
    assert next(n for n, _ in store.text_search("c3", 5)) == "m2"
    with pytest.raises(VectorValidationError):
        store.upsert(items, [None])


def test_weighted_fusion() -> None:
    fused = weighted_fusion([["a", "b"], ["b", "c"]], [0.5, 1.0], k=10)
    assert [n for n, _ in fused] == ["b", "c", "a"]
    assert fused[0][1] == pytest.approx(0.5 / 12 + 1 / 11)
    tied = weighted_fusion([["x", "y"], ["y", "x"]], [1.0, 1.0])
    assert [n for n, _ in tied] == ["x", "y"]
    with pytest.raises(ValueError, match="one weight"):
        weighted_fusion([["a"]], [1.0, 2.0])


def test_the_migration_rebuilds_the_index_both_ways(stores: Stores) -> None:
    store = stores.vectors
    thread(store, ["She painted a sunrise", "Then lunch"])
    (retrieval,) = [m for m in discover_migrations() if m.name == "retrieval"]
    migrator = stores.migrator()
    migrator.down(to=retrieval.version - 1)
    plain = "SELECT count(*) FROM node_fts WHERE node_fts MATCH ?"
    assert store.query(plain, ('"painted"',)) == [(1,)]
    assert store.query(plain, ('"painting"',)) == [(0,)]  # no stemming before
    assert "context" not in {row[1] for row in store.query("PRAGMA table_info(node_text)")}
    migrator.up()
    assert store.query(plain, ('"painting"',)) == [(1,)]
    assert store.unplaced("Message", 5) == ["t1-0", "t1-1"]  # the backfill places them again
