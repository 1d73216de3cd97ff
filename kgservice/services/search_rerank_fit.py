"""Fitting the reranker's weights to questions whose answers are known, and measuring them.

A :class:`Sample` is one question: the feature matrix of its first-stage candidates (rows in
fused order, columns in ``FEATURES`` order) and which candidates answer it. :func:`fit` is a
deterministic coordinate ascent over a grid of weights (``fused`` fixed at 1, so scores keep
one scale), maximising r@5 + r@10 + MRR; :func:`cross_validate` fits on all groups but one
and measures on the one left out, for each group in turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kgservice.services.search_rerank import FEATURES, FloatArray, weight_vector

GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
"""Weights tried for each feature."""
KS = (1, 5, 10)


@dataclass(frozen=True)
class Sample:
    """One question: its candidates' features, which of them answer it, its group (e.g. the
    conversation) and its category."""

    matrix: FloatArray
    relevant: npt.NDArray[np.bool_]
    group: str
    category: str = "all"


def positions(samples: Sequence[Sample], weights: Mapping[str, float]) -> list[int | None]:
    """For each sample, the 0-based rank of its first answering candidate under ``weights``
    (None: no candidate answers)."""
    if not samples:
        return []
    width = max(len(s.relevant) for s in samples)
    scores = np.full((len(samples), width), -np.inf, dtype=np.float32)
    relevant = np.zeros((len(samples), width), dtype=bool)
    vector = weight_vector(weights)
    for row, sample in enumerate(samples):
        count = len(sample.relevant)
        if count:
            scores[row, :count] = sample.matrix @ vector
            relevant[row, :count] = sample.relevant
    order = np.argsort(-scores, axis=1, kind="stable")
    ranked = np.take_along_axis(relevant, order, axis=1)
    found = [bool(ok) for ok in np.asarray(ranked.any(axis=1), dtype=bool)]
    first = [int(f) for f in ranked.argmax(axis=1)]
    return [f if ok else None for f, ok in zip(first, found, strict=True)]


def recall(found: Sequence[int | None]) -> dict[str, float]:
    """Recall at 1, 5 and 10 and MRR of first-answer ranks (and how many questions)."""
    count = len(found) or 1
    figures: dict[str, float] = {
        f"r@{k}": round(sum(p is not None and p < k for p in found) / count, 3) for k in KS
    }
    figures["mrr"] = round(sum(1 / (p + 1) for p in found if p is not None and p < 10) / count, 3)
    figures["questions"] = len(found)
    return figures


def objective(found: Sequence[int | None]) -> float:
    """What :func:`fit` maximises: r@5 + r@10 + MRR (MRR over the top 10)."""
    count = len(found) or 1
    at5 = sum(p is not None and p < 5 for p in found)
    at10 = sum(p is not None and p < 10 for p in found)
    mrr = sum(1 / (p + 1) for p in found if p is not None and p < 10)
    return (at5 + at10 + mrr) / count


def fit(
    samples: Sequence[Sample],
    features: Sequence[str] = FEATURES,
    *,
    grid: Sequence[float] = GRID,
    passes: int = 3,
) -> dict[str, float]:
    """Weights for ``features`` (the others 0, ``fused`` 1) by coordinate ascent: each
    feature in turn takes the grid value that scores best, until a pass changes nothing."""
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features: {', '.join(sorted(unknown))}")
    weights = {name: 0.0 for name in FEATURES}
    weights["fused"] = 1.0
    best = objective(positions(samples, weights))
    for _ in range(passes):
        changed = False
        for name in features:
            if name == "fused":
                continue
            for value in grid:
                if value == weights[name]:
                    continue
                trial = {**weights, name: value}
                score = objective(positions(samples, trial))
                if score > best + 1e-9:
                    best, weights, changed = score, trial, True
        if not changed:
            break
    return weights


def cross_validate(
    samples: Sequence[Sample], features: Sequence[str] = FEATURES
) -> tuple[list[int | None], dict[str, dict[str, float]]]:
    """Leave one group out: for each group, fit on the others and rank its samples.

    Returns the held-out first-answer ranks (in sample order) and each fold's weights.
    """
    groups = sorted({s.group for s in samples})
    found: list[int | None] = [None] * len(samples)
    folds: dict[str, dict[str, float]] = {}
    for group in groups:
        train = [s for s in samples if s.group != group]
        held = [i for i, s in enumerate(samples) if s.group == group]
        weights = fit(train, features) if train else fit(samples, features)
        folds[group] = weights
        for index, rank in zip(held, positions([samples[i] for i in held], weights), strict=True):
            found[index] = rank
    return found, folds
