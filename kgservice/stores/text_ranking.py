"""Text queries and rank fusion: user text made a safe FTS5 query, and reciprocal rank fusion."""

from __future__ import annotations

import re
from collections.abc import Sequence

Hits = list[tuple[str, float]]

RRF_K = 60
_MAX_QUERY_TERMS = 32
_TERM = re.compile(r"[^\W_]+")


def fts_query(text: str, *, match_all: bool = False) -> str | None:
    """Turn user text into a safe FTS5 query: its words, each quoted, joined by OR (or AND).

    Returns None when the text has no word (only punctuation or whitespace).
    """
    terms = list(dict.fromkeys(_TERM.findall(text)))[:_MAX_QUERY_TERMS]
    if not terms:
        return None
    return (" AND " if match_all else " OR ").join(f'"{term}"' for term in terms)


def reciprocal_rank_fusion(*rankings: Sequence[str], k: int = RRF_K) -> Hits:
    """Fuse rankings (best first): each id scores the sum of ``1 / (k + rank)``, rank from 1.

    Ties are broken by the best single rank, then by id.
    """
    scores: dict[str, float] = {}
    best: dict[str, int] = {}
    for ranking in rankings:
        for rank, node_id in enumerate(ranking, start=1):
            scores[node_id] = scores.get(node_id, 0.0) + 1.0 / (k + rank)
            best[node_id] = min(best.get(node_id, rank), rank)
    order = sorted(scores, key=lambda n: (-scores[n], best[n], n))
    return [(node_id, scores[node_id]) for node_id in order]
