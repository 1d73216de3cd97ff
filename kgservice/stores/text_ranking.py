"""How search ranks by words and fuses rankings: the query's terms, BM25 column weights and
weighted reciprocal rank fusion.

The full-text index (migration 0007) stems English words (FTS5 ``porter unicode61``) and has
two columns: a node's own ``text`` and the ``context`` of a message (the texts of the turns
within two positions of it in its thread). The defaults below were chosen on the LoCoMo dev
split (``kgservice bench retrieval``; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TEXT_WEIGHT = 1.0
"""BM25 weight of a node's own text."""
CONTEXT_WEIGHT = 0.35
"""BM25 weight of the neighbouring turns' text (0 ranks by a node's own text only)."""
CONTEXT_SPAN = 2
"""A message's context: the turns up to this many positions before and after it."""
FUSION_K = 10
"""Rank offset of the fusion: ``weight / (FUSION_K + rank)``."""
VECTOR_WEIGHT = 0.5
"""Weight of the vector ranking in HYBRID fusion (the text ranking weighs 1)."""
FUSION_DEPTH = 50
"""Hits taken from each ranking before fusing."""

_TERM = re.compile(r"[^\W_]+")
_MAX_QUERY_TERMS = 32

_STOP_WORDS = """
a about after again against all am an and any are as at be been before being below between
both but by can could did do does doing done down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just
me might more most my myself no nor not now of off on once only or other our ours ourselves
out over own same shall she should so some such than that the their theirs them themselves
then there these they this those through to too under until up upon us very was we were what
when where which while who whom why will with would you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
"""English function words left out of full-text queries (they match nearly every text)."""


def query_terms(text: str, *, stop_words: bool = True) -> list[str]:
    """The distinct lower-cased words of ``text``, stop words left out unless only they are
    there; at most 32."""
    terms = list(dict.fromkeys(term.lower() for term in _TERM.findall(text)))
    if stop_words:
        content = [term for term in terms if term not in STOP_WORDS]
        terms = content or terms
    return terms[:_MAX_QUERY_TERMS]


def match_expression(text: str, *, match_all: bool = False, stop_words: bool = True) -> str | None:
    """A safe FTS5 query for ``text``: its terms, each quoted, joined by OR (or AND).

    Returns None when the text has no word.
    """
    terms = query_terms(text, stop_words=stop_words)
    if not terms:
        return None
    return (" AND " if match_all else " OR ").join(f'"{term}"' for term in terms)


def weighted_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int = FUSION_K
) -> list[tuple[str, float]]:
    """Fuse rankings (best first): each id scores the sum of ``weight / (k + rank)``.

    Ties are broken by the best single rank, then by id.
    """
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    best: dict[str, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, node_id in enumerate(ranking, start=1):
            scores[node_id] = scores.get(node_id, 0.0) + weight / (k + rank)
            best[node_id] = min(best.get(node_id, rank), rank)
    order = sorted(scores, key=lambda n: (-scores[n], best[n], n))
    return [(node_id, scores[node_id]) for node_id in order]
