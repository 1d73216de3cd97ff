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
from collections.abc import Collection, Mapping, Sequence
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
- ``window_vector``: the best cosine among the turns up to ``WINDOW_SPAN`` around the hit (so
  the turn after one that matches the question can rank above it: in conversations the
  answer often follows the turn that is closest to the question); a hit without
  neighbouring turns (an entity, a reflection, a message alone in its thread) counts its own;
- ``text``: the BM25 relevance (own text and context column), divided by the best candidate's;
- ``coverage``: the share of the query's terms (stemmed, stop words left out) in the hit's
  text, each term weighted by its rarity among the candidates (:func:`rarity`);
- ``context_coverage``: that share in the hit's text and its neighbouring turns together;
- ``proximity``: how tightly the query's terms sit together in the hit's text;
- ``speaker``: 1 when the query names the hit's speaker (its ``Name:`` prefix) and 0 else;
- ``time``: 1 when the query asks when or how long and the hit holds a time expression.
"""

WEIGHTS: Mapping[str, float] = {
    "fused": 1.0,
    "vector": 0.05,
    "window_vector": 1.5,
    "text": 0.5,
    "coverage": 0.3,
    "context_coverage": 0.5,
    "proximity": 0.0,
    "speaker": 0.75,
    "time": 0.5,
}
"""The shipped weights: fitted on all five LoCoMo dev conversations (759 questions) by
:func:`kgservice.services.search_rerank_fit.fit`. ``proximity`` fitted to 0 (it does not pay
on this data) and is kept as a reported feature."""

RERANK_DEPTH = 50
"""Candidates of the fused ranking that are reranked."""
WINDOW_SPAN = 1
"""Neighbouring turns whose stored vectors feed ``window_vector``: this many on each side."""
RERANK_DEFAULT = True
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
_TIME_WORD_SET = frozenset(_TIME_WORDS.split())
_DATE_NUMBER = re.compile(r"(?:19|20)\d\d|\d{1,2}(?:st|nd|rd|th)")
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


@lru_cache(maxsize=1024)
def _leads(terms: tuple[str, ...]) -> re.Pattern[str]:
    """The words that may stem to one of ``terms``: those starting with a term's first three
    letters (Porter changes only endings)."""
    heads = "|".join(sorted({re.escape(t[:3]) for t in terms}))
    return re.compile(rf"(?<![^\W_])(?:{heads})[^\W_]*")


def term_positions(terms: Sequence[str], text: str) -> dict[str, list[int]]:
    """Where each of ``terms`` (stems) occurs among the words of ``text``, by word index.

    A word is stemmed only when it shares its first letters with a term, so long texts cost
    little.
    """
    found: dict[str, list[int]] = {}
    if not terms:
        return found
    wanted = set(terms)
    lower = text.lower()
    for match in _leads(tuple(terms)).finditer(lower):
        stemmed = stem(match.group())
        if stemmed in wanted:
            index = len(_WORD.findall(lower, 0, match.start()))
            found.setdefault(stemmed, []).append(index)
    return found


def terms_in(terms: Sequence[str], text: str) -> set[str]:
    """The ``terms`` (stems) that occur among the words of ``text``."""
    if not terms:
        return set()
    stems = {stem(word) for word in _leads(tuple(terms)).findall(text.lower())}
    return stems & set(terms)


def coverage(
    terms: Sequence[str],
    present: Collection[str],
    weights: Mapping[str, float] | None = None,
) -> float:
    """The share of ``terms`` that are ``present`` (terms, or a mapping keyed by them), each
    counted with its weight (default 1)."""
    total = sum(weights.get(t, 1.0) for t in terms) if weights else len(terms)
    if not total:
        return 0.0
    found = sum(weights.get(t, 1.0) for t in present) if weights else len(present)
    return found / total


def rarity(terms: Sequence[str], found: Sequence[Mapping[str, list[int]]]) -> dict[str, float]:
    """Each term's weight among candidates: ``log((n + 1) / (df + 0.5))`` for a term found in
    ``df`` of ``n`` candidates, so a word most candidates share counts little."""
    count = len(found)
    return {t: float(np.log((count + 1) / (sum(t in f for f in found) + 0.5))) for t in terms}


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
    return any(
        word in _TIME_WORD_SET or (word[0].isdigit() and _DATE_NUMBER.fullmatch(word))
        for word in _WORD.findall(text.lower())
    )


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
    given_all = [inputs.get(c.node_id) for c in candidates]
    texts = [given.text if given else "" for given in given_all]
    found_all = [term_positions(cues.terms, text) for text in texts]
    weights = rarity(cues.terms, found_all)
    own_cosines, around_cosines = _cosines(
        query, [given.vectors if given else () for given in given_all]
    )
    for row, candidate in enumerate(candidates):
        given, text, found = given_all[row], texts[row], found_all[row]
        own = own_cosines[row]
        if own is None:
            own = candidate.vector
        nearby = terms_in(cues.terms, given.context) if given else set()
        matrix[row] = (
            candidate.fused / best_fused,
            max(own or 0.0, 0.0),
            max(around_cosines[row], 0.0),
            max(candidate.text or 0.0, 0.0) / best_text,
            coverage(cues.terms, found, weights),
            coverage(cues.terms, nearby | set(found), weights),
            proximity(found),
            float(bool(named) and speaker_of(text) in named),
            float(cues.temporal and has_time_expression(text)),
        )
    return matrix


def _cosines(
    query: FloatArray, windows: Sequence[Sequence[tuple[int, FloatArray]]]
) -> tuple[list[float | None], list[float]]:
    """Per candidate: the cosine of its own stored vector (None: none stored) and the best of
    its neighbours', in one matrix product. A candidate without neighbouring turns (not a
    message, or alone in its thread) is its own window, so non-message hits are not pushed
    below messages that merely sit next to a close turn."""
    owners = [row for row, window in enumerate(windows) for _ in window]
    own: list[float | None] = [None] * len(windows)
    around = [0.0] * len(windows)
    if not owners:
        return own, around
    matrix = np.stack([vector for window in windows for _, vector in window])
    norms = np.linalg.norm(matrix, axis=1)
    cosines = (matrix @ query) / np.where(norms > 0, norms, 1.0)
    offsets = [offset for window in windows for offset, _ in window]
    has_neighbours = [False] * len(windows)
    for row, offset, cosine in zip(owners, offsets, cosines.tolist(), strict=True):
        if offset == 0:
            own[row] = cosine
        else:
            around[row] = max(around[row], cosine)
            has_neighbours[row] = True
    for row, cosine in enumerate(own):
        if not has_neighbours[row] and cosine is not None:
            around[row] = cosine
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
        self.named_weights = {name: float(weights.get(name, 0.0)) for name in FEATURES}
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
        self,
        text: str,
        query_vector: FloatArray,
        candidates: Sequence[Candidate],
        k: int | None = None,
    ) -> list[Reranked]:
        """``candidates`` by the weighted score of their features, best first (the first
        ``k`` only, when given)."""
        matrix = self.features(text, query_vector, candidates)
        scores = matrix @ self.weights
        return [
            Reranked(
                candidates[row].node_id,
                float(scores[row]),
                {
                    name: (float(value), self.named_weights[name])
                    for name, value in zip(FEATURES, matrix[row], strict=True)
                },
            )
            for row in ranking(matrix, self.weights)[:k]
        ]
