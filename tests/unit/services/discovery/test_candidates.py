"""Candidate methods on a hand-made snapshot: known pairs are masked before the k nearest."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from kgservice.services.discovery.candidates import (
    adamic_adar_pairs,
    co_mention_pairs,
    code_import_pairs,
    common_neighbour_pairs,
    gather_signals,
    known_pairs,
    vector_pairs,
)
from kgservice.services.discovery.code_imports import CodeImports
from kgservice.services.discovery.snapshot import EntityInfo, ExistingEdge, Snapshot


def snapshot(
    vectors: list[list[float]] | None = None,
    mentions: list[list[int]] | None = None,
    edges: list[ExistingEdge] | None = None,
    size: int = 4,
    code_imports: dict[tuple[int, int], CodeImports] | None = None,
) -> Snapshot:
    entities = [EntityInfo(f"e{i}", f"name{i}", "library", (), ()) for i in range(size)]
    matrix = np.asarray(vectors or np.zeros((0, 0)), dtype=np.float32)
    if len(matrix):
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    texts = mentions or []
    rows = [e for text in texts for e in text]
    columns = [t for t, text in enumerate(texts) for _ in text]
    return Snapshot(
        namespace="default",
        entities=entities,
        edges=edges or [],
        mentions=sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(size, len(texts))),
        text_ids=[f"t{i}" for i in range(len(texts))],
        vector_rows=np.arange(len(matrix), dtype=np.int64),
        vectors=matrix,
        code_imports=code_imports or {},
    )


def edge(a: int, b: int, status: str = "accepted", current: bool = True) -> ExistingEdge:
    return ExistingEdge(f"e{a}", f"e{b}", "uses", status, current, None)


VECTORS = [[1, 0], [0.9, 0.1], [0.8, 0.3], [0, 1]]


def test_vector_neighbours_are_the_nearest() -> None:
    found = vector_pairs(snapshot(VECTORS), set(), k=1)
    assert set(found) == {(0, 1), (1, 2), (2, 3)}
    assert found[(0, 1)] == pytest.approx(0.9939, abs=1e-3)


def test_known_partners_are_masked_before_the_k_nearest() -> None:
    world = snapshot(VECTORS, edges=[edge(1, 0, status="rejected", current=False)])
    known = known_pairs(world)
    assert known == {(0, 1)}
    found = vector_pairs(world, known, k=1)
    assert (0, 1) not in found
    assert (0, 2) in found  # entity 0 still gets its next nearest


def test_min_cosine_leaves_out_weak_neighbours() -> None:
    assert (0, 3) not in vector_pairs(snapshot(VECTORS), set(), k=3, min_cosine=0.5)


def nearest_by_brute_force(
    world: Snapshot, known: set[tuple[int, int]], k: int, min_cosine: float
) -> dict[tuple[int, int], float]:
    """Each row's k most similar (ties by position), ranking every column above min_cosine."""
    similarity = world.vectors @ world.vectors.T
    found: dict[tuple[int, int], float] = {}
    for row in range(len(similarity)):
        ranked = sorted(
            (-float(similarity[row, column]), column)
            for column in range(len(similarity))
            if column != row
            and (min(row, column), max(row, column)) not in known
            and similarity[row, column] > min_cosine
        )
        for negative, column in ranked[:k]:
            key = (min(row, column), max(row, column))
            found[key] = max(found.get(key, -2.0), -negative)
    return found


def test_the_k_nearest_keep_ties_and_match_a_full_ranking() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(12, 8))
    vectors = np.concatenate([base, base[:6], base[:3]])  # exact duplicates tie exactly
    world = snapshot(vectors.tolist(), size=len(vectors))
    known = {(0, 12), (1, 5)}
    for k in (1, 3, 7):
        found = vector_pairs(world, known, k=k, min_cosine=0.1)
        assert found == pytest.approx(nearest_by_brute_force(world, known, k, 0.1), abs=1e-6)


def test_co_mentions_and_adamic_adar() -> None:
    world = snapshot(mentions=[[0, 1], [0, 1, 2], [2, 3]])
    co = co_mention_pairs(world, set())
    assert co[(0, 1)] == (2, pytest.approx(1.0))
    assert co[(1, 2)] == (1, pytest.approx(1 / 2))
    aa = adamic_adar_pairs(world, set())
    raw, normalised = aa[(0, 1)]
    assert raw == pytest.approx(1 / np.log(2) + 1 / np.log(3))
    assert normalised == pytest.approx(raw / 2)
    assert (0, 1) not in co_mention_pairs(world, {(0, 1)})


def test_common_neighbours_use_current_accepted_relations() -> None:
    world = snapshot(edges=[edge(0, 2), edge(1, 2), edge(0, 3, status="rejected")])
    found = common_neighbour_pairs(world, known_pairs(world))
    assert found == {(0, 1): (1, pytest.approx(1 / np.sqrt(1 * 1)))}


def test_gather_signals_runs_only_the_chosen_methods() -> None:
    world = snapshot(VECTORS, mentions=[[0, 3]])
    only_text = gather_signals(world, ["co_mention"], set(), vector_k=3)
    assert set(only_text) == {(0, 3)}
    both = gather_signals(world, ["vector", "co_mention"], set(), vector_k=3)
    assert both[(0, 3)].co_mentions == 1
    assert both[(0, 1)].cosine > 0.9


def test_code_imports_count_importing_files_of_both_directions() -> None:
    found = snapshot(
        code_imports={
            (0, 1): CodeImports(importing_files=3, imports=4),
            (1, 0): CodeImports(importing_files=1, imports=1),
            (2, 3): CodeImports(importing_files=1, imports=2),
        }
    )
    assert code_import_pairs(found, set()) == {(0, 1): 4, (2, 3): 1}
    assert code_import_pairs(found, {(2, 3)}) == {(0, 1): 4}
    signals = gather_signals(found, ["code_imports"], set(), vector_k=2)
    assert {key: s.importing_files for key, s in signals.items()} == {(0, 1): 4, (2, 3): 1}
    assert gather_signals(found, ["vector"], set(), vector_k=2) == {}
