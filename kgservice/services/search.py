"""Search over text-bearing nodes: by vector, by full text, or both fused (RRF).

Hits come from the vector store; each is checked against the graph, the source of truth.
A hit whose node is gone (an orphan vector) is never returned and is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np
import numpy.typing as npt

from kgservice.errors import InputError, NotFoundError, VectorValidationError
from kgservice.services.nodes import NodeRecord, find_nodes
from kgservice.services.search_rerank import RERANK_DEFAULT, RERANK_DEPTH, Candidate, Reranker
from kgservice.services.text_index import TEXT_KINDS, TextIndex
from kgservice.stores.graph import GraphStore
from kgservice.stores.vector_lookups import vector_of

MAX_RESULTS = 100
MAX_WINDOW = 10


class SearchMode(Enum):
    """How ``search`` ranks."""

    VECTOR = "VECTOR"
    TEXT = "TEXT"
    HYBRID = "HYBRID"


@dataclass(frozen=True)
class HitWhy:
    """Why a hit ranks where it does: its score on each side (None: not found there).

    ``vector`` is the cosine similarity, ``text`` the BM25 relevance (own text and weighted
    neighbouring turns), ``rerank`` the reranker's score and ``features`` what it weighed,
    ``name -> (value, weight)`` (None: not reranked).
    """

    vector: float | None = None
    text: float | None = None
    rerank: float | None = None
    features: Mapping[str, tuple[float, float]] | None = None


@dataclass(frozen=True)
class HitContext:
    """The messages around a hit in its thread, in thread order."""

    before: list[NodeRecord]
    after: list[NodeRecord]


@dataclass(frozen=True)
class SearchHit:
    """A node and its score (higher is better; see SearchService.search)."""

    node: NodeRecord
    score: float
    why: HitWhy = HitWhy()
    context: HitContext | None = None


class SearchService:
    """Finds nodes by meaning and by words."""

    def __init__(self, graph: GraphStore, index: TextIndex) -> None:
        self.graph = graph
        self.index = index
        self.reranker = Reranker(index.vectors)

    def search(
        self,
        *,
        text: str | None = None,
        vector: Sequence[float] | None = None,
        kinds: Sequence[str] | None = None,
        namespace: str | None = None,
        k: int = 10,
        mode: SearchMode = SearchMode.HYBRID,
        window: int = 0,
        rerank: bool | None = None,
    ) -> list[SearchHit]:
        """Return up to ``k`` hits, best first.

        Scores: VECTOR is cosine similarity (1 = same direction); TEXT is the BM25 relevance
        FTS5 reports (higher is better); HYBRID is the weighted reciprocal-rank-fusion score.
        With ``window`` > 0, each message hit carries the up to ``window`` messages before
        and after it in its thread. ``rerank`` (HYBRID only; None: ``RERANK_DEFAULT``)
        reorders the fused top ``RERANK_DEPTH`` by the reranker's score, which becomes the
        hit's score.
        """
        if not 1 <= k <= MAX_RESULTS:
            raise InputError("k", f"must be between 1 and {MAX_RESULTS}")
        if not 0 <= window <= MAX_WINDOW:
            raise InputError("window", f"must be between 0 and {MAX_WINDOW}")
        kind_list = self._check_kinds(kinds)
        if text is not None and not text.strip():
            raise InputError("text", "must not be empty")
        if mode is SearchMode.TEXT and text is None:
            raise InputError("text", "is required in TEXT mode")
        if mode is SearchMode.HYBRID and text is None:
            raise InputError("text", "is required in HYBRID mode (it feeds the full-text side)")
        if text is None and vector is None:
            raise InputError("text", "give text or vector")
        if rerank and mode is not SearchMode.HYBRID:
            raise InputError("rerank", "applies to HYBRID mode only")
        reranking = mode is SearchMode.HYBRID and (RERANK_DEFAULT if rerank is None else rerank)
        query = self._query_vector(text, vector) if mode is not SearchMode.TEXT else None
        store = self.index.vectors
        why: dict[str, HitWhy]
        try:
            if query is None:  # TEXT mode
                hits = store.text_search(text or "", k, kinds=kind_list, namespace=namespace)
                why = {node_id: HitWhy(text=score) for node_id, score in hits}
            elif mode is SearchMode.VECTOR:
                hits = [
                    (node_id, 1.0 - distance)
                    for node_id, distance in store.knn(
                        query, k, kinds=kind_list, namespace=namespace
                    )
                ]
                why = {node_id: HitWhy(vector=score) for node_id, score in hits}
            else:
                hits, why = self._hybrid(
                    text or "",
                    query,
                    max(k, RERANK_DEPTH) if reranking else k,
                    kind_list,
                    namespace,
                )
                if reranking:
                    hits, why = self._rerank(text or "", query, hits, why, k)
        except VectorValidationError as exc:
            raise InputError("vector" if vector is not None else "text", str(exc)) from None
        return self._with_context(self._resolve(hits, why), window)

    def candidates(
        self, text: str, *, kinds: Sequence[str] | None = None, namespace: str | None = None
    ) -> tuple[npt.NDArray[np.float32], list[Candidate]]:
        """The query vector of ``text`` and the fused top ``RERANK_DEPTH`` that reranking
        reorders (with each side's score), best first."""
        query = self._query_vector(text, None)
        fused, why = self._hybrid(text, query, RERANK_DEPTH, self._check_kinds(kinds), namespace)
        return query, [Candidate(n, score, why[n].vector, why[n].text) for n, score in fused]

    def _hybrid(
        self,
        text: str,
        query: npt.NDArray[np.float32],
        k: int,
        kinds: list[str] | None,
        namespace: str | None,
    ) -> tuple[list[tuple[str, float]], dict[str, HitWhy]]:
        """The fused top ``k`` with each hit's score on either side."""
        hits, by_vector, by_text = self.index.vectors.hybrid_parts(
            text, query, k, kinds=kinds, namespace=namespace
        )
        similarity = {node_id: 1.0 - distance for node_id, distance in by_vector}
        relevance = dict(by_text)
        why = {n: HitWhy(similarity.get(n), relevance.get(n)) for n, _ in hits}
        return hits, why

    def _rerank(
        self,
        text: str,
        query: npt.NDArray[np.float32],
        hits: Sequence[tuple[str, float]],
        why: dict[str, HitWhy],
        k: int,
    ) -> tuple[list[tuple[str, float]], dict[str, HitWhy]]:
        """The first ``k`` of ``hits`` reordered by the reranker, with their reasons."""
        candidates = [Candidate(n, score, why[n].vector, why[n].text) for n, score in hits]
        reranked = self.reranker.rerank(text, query, candidates, k)
        return [(r.node_id, r.score) for r in reranked], {
            r.node_id: replace(why[r.node_id], rerank=r.score, features=r.features)
            for r in reranked
        }

    def similar(self, node_id: str, k: int = 10) -> list[SearchHit]:
        """Nodes whose vectors are nearest to the vector of ``node_id`` (itself left out)."""
        if not 1 <= k <= MAX_RESULTS:
            raise InputError("k", f"must be between 1 and {MAX_RESULTS}")
        vector = vector_of(self.index.vectors, node_id)
        if vector is None:
            if not find_nodes(self.graph, [node_id]):
                raise NotFoundError(node_id)
            raise InputError("id", "this node has no vector yet (the backfill job adds it)")
        hits = self.index.vectors.knn(vector, k + 1)
        similar = [(other, 1.0 - distance) for other, distance in hits if other != node_id]
        return self._resolve(similar[:k], {n: HitWhy(vector=score) for n, score in similar})

    def _query_vector(
        self, text: str | None, vector: Sequence[float] | None
    ) -> npt.NDArray[np.float32]:
        if vector is not None:
            array: npt.NDArray[np.float32] = np.asarray(vector, dtype=np.float32)
            if array.ndim != 1:
                raise InputError("vector", "must be a flat list of numbers")
            return array
        if text is None:
            raise InputError("text", "give text or vector")
        embedded: npt.NDArray[np.float32] = self.index.embed([text])[0]
        return embedded

    @staticmethod
    def _check_kinds(kinds: Sequence[str] | None) -> list[str] | None:
        if kinds is None:
            return None
        unknown = sorted(set(kinds) - set(TEXT_KINDS))
        if unknown:
            raise InputError(
                "kinds", f"unknown kind {', '.join(unknown)}; searchable: {', '.join(TEXT_KINDS)}"
            )
        return list(kinds)

    def _resolve(
        self, hits: Sequence[tuple[str, float]], why: dict[str, HitWhy] | None = None
    ) -> list[SearchHit]:
        records = find_nodes(self.graph, [node_id for node_id, _ in hits])
        orphans = [node_id for node_id, _ in hits if node_id not in records]
        if orphans:
            self.index.remove(orphans)
        reasons = why or {}
        return [
            SearchHit(records[n], score, reasons.get(n, HitWhy()))
            for n, score in hits
            if n in records
        ]

    def _with_context(self, hits: list[SearchHit], window: int) -> list[SearchHit]:
        """``hits`` with the messages around each (read from the graph, the source of truth)."""
        if window < 1 or not hits:
            return hits
        around = self.index.vectors.neighbours([hit.node.id for hit in hits], window)
        records = find_nodes(
            self.graph, sorted({n for ids in around.values() for side in ids for n in side})
        )
        result = []
        for hit in hits:
            before, after = around.get(hit.node.id, ([], []))
            context = HitContext(
                [records[n] for n in before if n in records],
                [records[n] for n in after if n in records],
            )
            result.append(replace(hit, context=context))
        return result
