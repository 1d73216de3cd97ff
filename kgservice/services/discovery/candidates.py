"""Candidate pairs and their raw signals, one function per discovery method.

Pairs are unordered, keyed ``(i, j)`` with ``i < j`` (positions in the snapshot). Pairs that
already have a RELATED edge are masked out *inside* each method, before any per-entity
limit (the vector method's k nearest are taken among entities not yet related), so reruns
keep finding new pairs instead of stalling on known ones.

Methods:

- ``vector``: cosine similarity of the entity embeddings; each entity's ``k`` nearest
  (among those above the scoring floor, below which the cosine adds nothing).
- ``co_mention``: texts mentioning both, as ``count`` and the Ochiai coefficient
  ``count / sqrt(texts(a) * texts(b))``.
- ``adamic_adar``: ``AA = sum over shared texts t of 1 / ln(entities mentioned by t)``, and
  the same normalised like Ochiai, ``AA / sqrt(texts(a) * texts(b))``: a pair seen together
  once among many texts of each is weak evidence.
- ``common_neighbours``: shared neighbours in the graph of current accepted relations, as
  ``count`` and the Salton index ``count / sqrt(deg(a) * deg(b))``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from kgservice.services.discovery.snapshot import Snapshot

Pair = tuple[int, int]
METHODS = ("vector", "co_mention", "adamic_adar", "common_neighbours", "code_imports")
VECTOR_BLOCK = 1_024


@dataclass
class Signals:
    """Raw evidence for one pair; zero where a method found nothing."""

    cosine: float = 0.0
    co_mentions: int = 0
    ochiai: float = 0.0
    adamic_adar: float = 0.0
    adamic_adar_normalised: float = 0.0
    common_neighbours: int = 0
    salton: float = 0.0
    importing_files: int = 0


def pair_of(i: int, j: int) -> Pair:
    """The unordered key of two positions."""
    return (i, j) if i < j else (j, i)


def known_pairs(snapshot: Snapshot, ignore_job: str | None = None) -> set[Pair]:
    """Pairs joined by any RELATED edge, either way, any status, current or retired.

    Edges proposed by ``ignore_job`` are left out, so that a resumed job makes the same
    choices it made before it stopped.
    """
    known: set[Pair] = set()
    for edge in snapshot.edges:
        if ignore_job is not None and edge.job_id == ignore_job:
            continue
        a = snapshot.position.get(edge.from_id)
        b = snapshot.position.get(edge.to_id)
        if a is not None and b is not None and a != b:
            known.add(pair_of(a, b))
    return known


def vector_pairs(
    snapshot: Snapshot, known: set[Pair], k: int, min_cosine: float = -1.0
) -> dict[Pair, float]:
    """Each entity's ``k`` nearest unrelated entities above ``min_cosine``, by cosine.

    The similarities are computed block by block (exact, a matrix product of unit vectors);
    only those above ``min_cosine`` and at or above the row's k-th largest are ranked.
    """
    rows, matrix = snapshot.vector_rows, snapshot.vectors
    found: dict[Pair, float] = {}
    count = len(rows)
    if count < 2 or k <= 0:
        return found
    partners: dict[int, list[int]] = {}  # vector row -> vector rows of known partners
    vector_row = {int(entity): r for r, entity in enumerate(rows)}
    for a, b in known:
        ra, rb = vector_row.get(a), vector_row.get(b)
        if ra is not None and rb is not None:
            partners.setdefault(ra, []).append(rb)
            partners.setdefault(rb, []).append(ra)
    for start in range(0, count, VECTOR_BLOCK):
        stop = min(start + VECTOR_BLOCK, count)
        similarity = matrix[start:stop] @ matrix.T
        local = np.arange(stop - start)
        similarity[local, local + start] = -np.inf
        for r in range(start, stop):
            blocked = partners.get(r)
            if blocked:
                similarity[r - start, blocked] = -np.inf
        # Only entries at or above each row's k-th largest can rank among its k nearest
        # (ties included), so the ranking below sees about k per row instead of thousands.
        if count > k:
            kth = np.partition(similarity, count - k, axis=1)[:, count - k]
            hit_rows, hit_columns = np.nonzero(
                (similarity >= kth[:, None]) & (similarity > min_cosine)
            )
        else:
            hit_rows, hit_columns = np.nonzero(similarity > min_cosine)
        values = similarity[hit_rows, hit_columns]
        order = np.lexsort((-values, hit_rows))  # by row, most similar first
        hit_rows, hit_columns, values = hit_rows[order], hit_columns[order], values[order]
        rank = np.arange(len(hit_rows)) - np.searchsorted(hit_rows, hit_rows, side="left")
        keep = rank < k
        for offset, column, value in zip(
            hit_rows[keep].tolist(), hit_columns[keep].tolist(), values[keep].tolist(), strict=True
        ):
            key = pair_of(int(rows[start + offset]), int(rows[column]))
            if value > found.get(key, -2.0):
                found[key] = value
    return found


def co_mention_pairs(snapshot: Snapshot, known: set[Pair]) -> dict[Pair, tuple[int, float]]:
    """Pairs mentioned together, with the shared-text count and the Ochiai coefficient."""
    mentions = snapshot.mentions
    if mentions.nnz == 0:
        return {}
    per_entity = np.asarray(mentions.sum(axis=1)).ravel()
    shared = sparse.triu(mentions @ mentions.T, k=1).tocoo()
    found: dict[Pair, tuple[int, float]] = {}
    for a, b, count in zip(shared.row, shared.col, shared.data, strict=True):
        key = (int(a), int(b))
        if key in known:
            continue
        found[key] = (int(count), float(count / np.sqrt(per_entity[a] * per_entity[b])))
    return found


def adamic_adar_pairs(snapshot: Snapshot, known: set[Pair]) -> dict[Pair, tuple[float, float]]:
    """Adamic-Adar over the entity-text graph, raw and normalised by the pair's text counts."""
    mentions = snapshot.mentions
    if mentions.nnz == 0:
        return {}
    degree = np.asarray(mentions.sum(axis=0)).ravel()
    per_entity = np.asarray(mentions.sum(axis=1)).ravel()
    weight = np.where(degree >= 2, 1.0 / np.log(np.maximum(degree, 2)), 0.0)
    shared = sparse.triu(mentions @ sparse.diags(weight) @ mentions.T, k=1).tocoo()
    found: dict[Pair, tuple[float, float]] = {}
    for a, b, value in zip(shared.row, shared.col, shared.data, strict=True):
        key = (int(a), int(b))
        if value > 0 and key not in known:
            norm = float(value / np.sqrt(per_entity[a] * per_entity[b]))
            found[key] = (float(value), norm)
    return found


def common_neighbour_pairs(snapshot: Snapshot, known: set[Pair]) -> dict[Pair, tuple[int, float]]:
    """Shared neighbours in the graph of current, accepted relations (either direction)."""
    links: set[Pair] = set()
    for edge in snapshot.edges:
        if not edge.current or edge.status != "accepted":
            continue
        a = snapshot.position.get(edge.from_id)
        b = snapshot.position.get(edge.to_id)
        if a is not None and b is not None and a != b:
            links.add(pair_of(a, b))
    if not links:
        return {}
    size = len(snapshot.entities)
    first, second = (np.array(side, dtype=np.int64) for side in zip(*links, strict=True))
    ones = np.ones(len(links) * 2)
    adjacency = sparse.csr_matrix(
        (ones, (np.concatenate([first, second]), np.concatenate([second, first]))),
        shape=(size, size),
    )
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    shared = sparse.triu(adjacency @ adjacency, k=1).tocoo()
    found: dict[Pair, tuple[int, float]] = {}
    for a, b, count in zip(shared.row, shared.col, shared.data, strict=True):
        key = (int(a), int(b))
        if key in known:
            continue
        found[key] = (int(count), float(count / np.sqrt(degree[a] * degree[b])))
    return found


def code_import_pairs(snapshot: Snapshot, known: set[Pair]) -> dict[Pair, int]:
    """Pairs whose code imports the other's, with the importing files of both directions."""
    found: dict[Pair, int] = {}
    for (importer, imported), evidence in snapshot.code_imports.items():
        key = pair_of(importer, imported)
        if key not in known:
            found[key] = found.get(key, 0) + evidence.importing_files
    return found


def gather_signals(
    snapshot: Snapshot,
    methods: Iterable[str],
    known: set[Pair],
    vector_k: int,
    min_cosine: float = -1.0,
) -> dict[Pair, Signals]:
    """Run the chosen methods and merge their findings per pair.

    ``min_cosine``: vector neighbours at or below it are left out (they add nothing).
    """
    chosen = set(methods)
    signals: dict[Pair, Signals] = {}
    if "vector" in chosen:
        for key, cosine in vector_pairs(snapshot, known, vector_k, min_cosine).items():
            signals.setdefault(key, Signals()).cosine = cosine
    if "co_mention" in chosen:
        for key, (count, ochiai) in co_mention_pairs(snapshot, known).items():
            found = signals.setdefault(key, Signals())
            found.co_mentions, found.ochiai = count, ochiai
    if "adamic_adar" in chosen:
        for key, (value, normalised) in adamic_adar_pairs(snapshot, known).items():
            found = signals.setdefault(key, Signals())
            found.adamic_adar, found.adamic_adar_normalised = value, normalised
    if "common_neighbours" in chosen:
        for key, (count, salton) in common_neighbour_pairs(snapshot, known).items():
            found = signals.setdefault(key, Signals())
            found.common_neighbours, found.salton = count, salton
    if "code_imports" in chosen:
        for key, files in code_import_pairs(snapshot, known).items():
            signals.setdefault(key, Signals()).importing_files = files
    return signals
