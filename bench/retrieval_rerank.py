"""The reranker of HYBRID search on LoCoMo: each feature alone and all together, fitted on
the dev split, in-sample and held out by leave-one-conversation-out cross-validation.

Run: ``uv run kgservice bench retrieval_rerank [--quick]`` (``bench retrieval`` includes
these figures). The data, its ingestion and the questions are those of ``bench/retrieval.py``.
For each question the fused top ``RERANK_DEPTH`` and their features are read once; each lever
is then fitted (coordinate ascent, ``kgservice/services/search_rerank_fit.py``) on all
conversations (in-sample) and, for the held-out figure, on all but one conversation and
measured on that one, for each in turn (figures pooled over the held-out questions).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from kgservice.services.registry import Services
from kgservice.services.search_rerank import (
    FEATURES,
    RERANK_DEFAULT,
    RERANK_DEPTH,
    WEIGHTS,
    WINDOW_SPAN,
)
from kgservice.services.search_rerank_fit import Sample, cross_validate, fit, positions, recall

LEVERS: dict[str, tuple[str, ...]] = {
    "none (fused order)": (),
    "vector": ("vector",),
    "window_vector": ("window_vector",),
    "text (BM25)": ("text",),
    "coverage_proximity": ("coverage", "context_coverage", "proximity"),
    "speaker": ("speaker",),
    "time": ("time",),
    "speaker + time": ("speaker", "time"),
    "all": tuple(name for name in FEATURES if name != "fused"),
}
for _left_out in ("window_vector", "coverage_proximity", "speaker", "time"):
    LEVERS[f"all but {_left_out}"] = tuple(
        name for name in LEVERS["all"] if name not in LEVERS[_left_out]
    )


def samples(services: Services, questions: Sequence[Any]) -> list[Sample]:
    """The features of each question's fused candidates and which of them answer it."""
    search = services.search
    found = []
    for question in questions:
        query, candidates = search.candidates(
            question.text, kinds=["Message"], namespace=question.namespace
        )
        matrix = search.reranker.features(question.text, query, candidates)
        relevant = np.array([c.node_id in question.evidence for c in candidates], dtype=bool)
        found.append(Sample(matrix, relevant, question.namespace or "", question.category))
    return found


def _by_category(found: Sequence[int | None], data: Sequence[Sample]) -> dict[str, Any]:
    groups: dict[str, list[int | None]] = {"all": list(found)}
    for rank, sample in zip(found, data, strict=True):
        groups.setdefault(sample.category, []).append(rank)
    return {key: recall(ranks) for key, ranks in sorted(groups.items())}


def lever_figures(data: Sequence[Sample]) -> dict[str, Any]:
    """Per lever: the weights fitted on all data, in-sample and held-out recall (held out
    only with two groups or more)."""
    figures: dict[str, Any] = {}
    groups = {s.group for s in data}
    for name, features in LEVERS.items():
        weights = fit(data, features)
        figures[name] = {
            "weights": {f: w for f, w in weights.items() if f == "fused" or f in features},
            "in_sample": _by_category(positions(data, weights), data),
        }
        if len(groups) > 1:
            held, folds = cross_validate(data, features)
            figures[name]["held_out"] = _by_category(held, data)
            figures[name]["fold_weights"] = {
                group: {f: w for f, w in fold.items() if f in features}
                for group, fold in folds.items()
            }
    return figures


def rerank_figures(services: Services, questions: Sequence[Any]) -> dict[str, Any]:
    """The reranker's lever figures on ``questions`` and the shipped weights' in-sample."""
    data = samples(services, questions)
    reachable = [bool(s.relevant.any()) for s in data]
    return {
        "depth": RERANK_DEPTH,
        "window_span": WINDOW_SPAN,
        "default": RERANK_DEFAULT,
        "answer_among_candidates": round(sum(reachable) / max(len(reachable), 1), 3),
        "shipped_weights": dict(WEIGHTS),
        "shipped_in_sample": _by_category(positions(data, WEIGHTS), data),
        "levers": lever_figures(data),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Store LoCoMo through the API and fit and measure the reranker's levers."""
    from bench.support.locomo import locomo_dir, locomo_service

    load = os.getloadavg()
    folder = locomo_dir()
    if not folder.is_dir() or not any(folder.glob("*.json")):
        return {"benchmark": "retrieval_rerank", "skipped": f"no LoCoMo data at {folder}"}
    with locomo_service(folder, quick) as (services, questions, _):
        figures = rerank_figures(services, questions)
    return {
        "benchmark": "retrieval_rerank",
        "data": str(folder),
        **figures,
        "load_average": [load, os.getloadavg()],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
