"""Second-stage reranking of HYBRID search: a small linear scorer over the fused top
``RERANK_DEPTH`` candidates.

No model beyond the embedder: every feature is read at query time from what the vector store
already holds (stored vectors of a hit and of its neighbouring turns, texts, the BM25 and fused
scores of the first stage) and from the query's own words. Each feature lies in ``[0, 1]``;
the score is their weighted sum. The weights were fitted on the LoCoMo dev split by coordinate
ascent (``kgservice bench retrieval``; figures and the held-out cross-validated ones in
docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import snowballstemmer

from kgservice.stores.text_ranking import STOP_WORDS
from kgservice.stores.vector_lookups import texts_and_windows
from kgservice.stores.vectors import VectorStore

FloatArray = npt.NDArray[np.float32]

FEATURES = (
    "fused",
    "vector",
    "window_vector",
    "text",
    "coverage",
    "context_coverage",
    "proximity",
    "speaker",
    "time",
)
"""The scorer's features, in the order of a feature matrix's columns:

- ``fused``: the first stage's fused score, divided by the best candidate's;
- ``vector``: cosine of the hit's stored vector to the query's;
- ``window_vector``: the best cosine among the turns up to ``WINDOW_SPAN`` around the hit;
- ``text``: the BM25 relevance (own text and context column), divided by the best candidate's;
- ``coverage``: the share of the query's terms (stemmed, stop words left out) in the hit's text;
- ``context_coverage``: that share in the hit's text and its neighbouring turns together;
- ``proximity``: how tightly the query's terms sit together in the hit's text;
- ``speaker``: 1 when the query names the hit's speaker (its ``Name:`` prefix) and 0 else;
- ``time``: 1 when the query asks when or how long and the hit holds a time expression.
"""

WEIGHTS: Mapping[str, float] = {
    "fused": 1.0,
    "vector": 0.0,
    "window_vector": 0.0,
    "text": 0.0,
    "coverage": 0.0,
    "context_coverage": 0.0,
    "proximity": 0.0,
    "speaker": 0.0,
    "time": 0.0,
}
"""The shipped weights (fitted on all five LoCoMo dev conversations)."""

RERANK_DEPTH = 50
"""Candidates of the fused ranking that are reranked."""
WINDOW_SPAN = 1
"""Neighbouring turns whose stored vectors feed ``window_vector``: this many on each side."""
RERANK_DEFAULT = False
"""Whether ``search`` reranks HYBRID results unless told otherwise."""

_WORD = re.compile(r"[^\W_]+")
_SPEAKER = re.compile(r"^\s*([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,2}):\s")
_TEMPORAL_QUERY = re.compile(
    r"\b(when|how long|how many (?:days|weeks|months|years)|since when"
    r"|(?:what|which) (?:date|day|week|weekend|month|year|time|season))\b",
    re.IGNORECASE,
)
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_TIME_WORDS = (
    "yesterday today tonight tomorrow ago last next recently lately earlier weekend "
    "week weeks month months year years day days morning afternoon evening night since "
    "monday tuesday wednesday thursday friday saturday sunday spring summer autumn fall "
    f"winter christmas birthday {_MONTHS}"
)
_TIME_EXPRESSION = re.compile(
    rf"\b(?:{'|'.join(_TIME_WORDS.split())}|(?:19|20)\d\d|\d{{1,2}}(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)
_STEMMER = snowballstemmer.stemmer("porter")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The Porter stem of a lower-cased word."""
    result: str = _STEMMER.stemWord(word)
    return result


def query_terms(text: str) -> tuple[str, ...]:
    """The distinct stems of the words of ``text`` that are not stop words (all of them when
    only stop words are there), in order."""
    words = [w.lower() for w in _WORD.findall(text)]
    content = [w for w in words if w not in STOP_WORDS] or words
    return tuple(dict.fromkeys(stem(w) for w in content))


@dataclass(frozen=True)
class QueryCues:
    """What the features read from the query: its terms, its words, whether it asks when."""

    terms: tuple[str, ...]
    words: frozenset[str]
    temporal: bool

    @classmethod
    def of(cls, text: str) -> QueryCues:
        """The cues of a query text."""
        return cls(
            query_terms(text),
            frozenset(w.lower() for w in _WORD.findall(text)),
            bool(_TEMPORAL_QUERY.search(text)),
        )


def term_positions(terms: Sequence[str], text: str) -> dict[str, list[int]]:
    """Where each of ``terms`` (stems) occurs among the words of ``text``, by word index.

    A word is stemmed only when it shares its first letters with a term (Porter changes only
    endings), so long texts cost little.
    """
    prefixes = {t[:3] for t in terms}
    short = {t for t in terms if len(t) < 3}
    found: dict[str, list[int]] = {}
    wanted = set(terms)
    for index, word in enumerate(_WORD.findall(text.lower())):
        if word[:3] in prefixes or word in short or word[:2] in short:
            stemmed = stem(word)
            if stemmed in wanted:
                found.setdefault(stemmed, []).append(index)
    return found


def coverage(terms: Sequence[str], positions: Mapping[str, list[int]]) -> float:
    """The share of ``terms`` that occur."""
    return len(positions) / len(terms) if terms else 0.0


def proximity(positions: Mapping[str, list[int]]) -> float:
    """How close together the distinct terms that occur sit: ``(m - 1) / (span - 1)`` for
    ``m`` terms found within a shortest window of ``span`` words (1: adjacent; 0: fewer than
    two terms)."""
    if len(positions) < 2:
        return 0.0
    events = sorted((p, term) for term, places in positions.items() for p in places)
    needed = len(positions)
    counts: dict[str, int] = {}
    best = None
    start = 0
    for position, term in events:
        counts[term] = counts.get(term, 0) + 1
        while len(counts) == needed:
            first, first_term = events[start]
            width = position - first + 1
            best = width if best is None else min(best, width)
            counts[first_term] -= 1
            if not counts[first_term]:
                del counts[first_term]
            start += 1
    return (needed - 1) / (best - 1) if best is not None and best > 1 else 1.0


def speaker_of(text: str) -> str | None:
    """The speaker of a turn written ``Name: text`` (up to three capitalised words), or None."""
    match = _SPEAKER.match(text)
    return match.group(1) if match else None


def has_time_expression(text: str) -> bool:
    """Whether ``text`` holds a date or time expression (a month, weekday, year, "ago",
    "last week", "yesterday"...)."""
    return bool(_TIME_EXPRESSION.search(text))


@dataclass(frozen=True)
class Candidate:
    """A first-stage hit: its fused score and its scores on each side (None: not there)."""

    node_id: str
    fused: float
    vector: float | None = None
    text: float | None = None


@dataclass(frozen=True)
class CandidateText:
    """What reranking reads about a candidate: its text, its context column and the stored
    vectors of it and of its neighbouring turns, as ``(offset, vector)``."""

    text: str
    context: str
    vectors: Sequence[tuple[int, FloatArray]]


def feature_matrix(
    cues: QueryCues,
    query_vector: FloatArray,
    candidates: Sequence[Candidate],
    inputs: Mapping[str, CandidateText],
) -> FloatArray:
    """One row of ``FEATURES`` per candidate (in order), each in ``[0, 1]``."""
    matrix = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    if not candidates:
        return matrix
    norm = float(np.linalg.norm(query_vector))
    query = query_vector / norm if norm else query_vector
    best_fused = max(c.fused for c in candidates) or 1.0
    best_text = max((c.text or 0.0) for c in candidates) or 1.0
    speakers = {
        name: {w.lower() for w in _WORD.findall(name)}
        for name in {speaker_of(i.text) for i in inputs.values()}
        if name is not None
    }
    named = {name for name, words in speakers.items() if words & cues.words}
    for row, candidate in enumerate(candidates):
        given = inputs.get(candidate.node_id)
        own, around = _cosines(query, given.vectors if given else ())
        if own is None:
            own = candidate.vector
        text = given.text if given else ""
        found = term_positions(cues.terms, text)
        nearby = term_positions(cues.terms, given.context) if given else {}
        matrix[row] = (
            candidate.fused / best_fused,
            max(own or 0.0, 0.0),
            max(around, 0.0),
            max(candidate.text or 0.0, 0.0) / best_text,
            coverage(cues.terms, found),
            coverage(cues.terms, {**nearby, **found}),
            proximity(found),
            float(bool(named) and speaker_of(text) in named),
            float(cues.temporal and has_time_expression(text)),
        )
    return matrix


def _cosines(
    query: FloatArray, vectors: Sequence[tuple[int, FloatArray]]
) -> tuple[float | None, float]:
    """The cosine of the hit's own vector (None: none stored) and the best of its
    neighbours' (0 when none)."""
    own = None
    around = 0.0
    for offset, vector in vectors:
        norm = float(np.linalg.norm(vector))
        cosine = float(vector @ query) / norm if norm else 0.0
        if offset == 0:
            own = cosine
        else:
            around = max(around, cosine)
    return own, around


def weight_vector(weights: Mapping[str, float]) -> FloatArray:
    """``weights`` as a vector in ``FEATURES`` order (a missing feature weighs 0)."""
    return np.array([weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)


def ranking(matrix: FloatArray, weights: FloatArray) -> npt.NDArray[np.intp]:
    """Row indices of ``matrix`` by weighted score, best first (ties keep their order)."""
    return np.argsort(-(matrix @ weights), kind="stable")


@dataclass(frozen=True)
class Reranked:
    """A reranked hit: its score and the features that made it, as ``name -> (value,
    weight)``."""

    node_id: str
    score: float
    features: Mapping[str, tuple[float, float]]


class Reranker:
    """Reranks first-stage candidates with the weighted features of ``FEATURES``."""

    def __init__(
        self,
        store: VectorStore,
        weights: Mapping[str, float] = WEIGHTS,
        span: int = WINDOW_SPAN,
    ) -> None:
        self.store = store
        self.weights = weight_vector(weights)
        self.span = span

    def features(
        self, text: str, query_vector: FloatArray, candidates: Sequence[Candidate]
    ) -> FloatArray:
        """The feature matrix of ``candidates`` for the query ``text``."""
        texts, windows = texts_and_windows(self.store, [c.node_id for c in candidates], self.span)
        inputs = {
            node_id: CandidateText(own, context, windows.get(node_id, ()))
            for node_id, (own, context) in texts.items()
        }
        return feature_matrix(QueryCues.of(text), query_vector, candidates, inputs)

    def rerank(
        self, text: str, query_vector: FloatArray, candidates: Sequence[Candidate]
    ) -> list[Reranked]:
        """``candidates`` by the weighted score of their features, best first."""
        matrix = self.features(text, query_vector, candidates)
        scores = matrix @ self.weights
        return [
            Reranked(
                candidates[row].node_id,
                float(scores[row]),
                {
                    name: (float(value), float(weight))
                    for name, value, weight in zip(FEATURES, matrix[row], self.weights, strict=True)
                },
            )
            for row in ranking(matrix, self.weights)
        ]
