"""Per-namespace calibration of discovery from review decisions.

The reviews are a namespace's discovery proposals (RELATED edges with a ``job_id``) that a
reviewer accepted or rejected, retired or not. Each carries, in its evidence, the strength
``s_m`` in [0, 1] of every method ``m`` that supported it (see :mod:`scoring`); ``y`` is 1
for accepted, 0 for rejected. Reviews without any strength of a known method are left out.

Weights. Each method's weight is its strength-weighted accept rate, shrunk towards the
shipped weight ``w0_m`` (:data:`scoring.WEIGHTS`) by :data:`PRIOR_REVIEWS` pseudo-reviews::

    w_m = (K * w0_m + sum_i s_im * y_i) / (K + sum_i s_im)        K = PRIOR_REVIEWS

A method whose proposals are mostly rejected loses weight, one whose proposals are mostly
accepted gains; a method no review involved keeps ``w0_m``. ``w_m`` stays in [0, 1].

Threshold. The reviews are rescored with the new weights (the noisy-OR of
:func:`scoring.combine`); the cut ``t*`` among those scores with the best F1 over the
reviews (accepted at or above the cut are true positives, rejected at or above false
positives, accepted below false negatives; ties go to the higher cut; ``t* = 1`` when
nothing was accepted) is shrunk towards the default threshold ``t0`` by the same prior::

    t = (K * t0 + n * t*) / (K + n)                               n = reviews

Nothing is applied below :data:`MIN_REVIEWS` reviews. The result is deterministic for a
given set of reviews, whatever their order (sums are exact, ``math.fsum``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kgservice.services.discovery import scoring
from kgservice.stores.graph import GraphStore

MIN_REVIEWS = 20
PRIOR_REVIEWS = 10.0
DIGITS = 4


@dataclass(frozen=True)
class Review:
    """One reviewed proposal: accepted or not, and the strength of each method behind it."""

    accepted: bool
    strengths: Mapping[str, float]


@dataclass(frozen=True)
class Calibration:
    """What calibration learned from a namespace's reviews, and whether a job applies it.

    ``weights`` and ``threshold`` are those a job uses: the learned ones when ``applied``,
    else the shipped weights and the default threshold.
    """

    applied: bool
    reason: str
    reviews: int
    accepted: int
    rejected: int
    weights: dict[str, float] = field(default_factory=dict)
    threshold: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """A JSON object (stored in a job's parameters)."""
        return {
            "applied": self.applied,
            "reason": self.reason,
            "reviews": self.reviews,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "weights": dict(self.weights),
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Calibration:
        """Rebuild a calibration stored on a job (never recomputed from reviews)."""
        return cls(
            applied=bool(value["applied"]),
            reason=str(value["reason"]),
            reviews=int(value["reviews"]),
            accepted=int(value["accepted"]),
            rejected=int(value["rejected"]),
            weights={str(k): float(v) for k, v in value["weights"].items()},
            threshold=float(value["threshold"]),
        )


def review_of(status: str, evidence: str | None) -> Review | None:
    """A review from a stored relation's status and evidence, or None without strengths."""
    try:
        items = json.loads(evidence) if evidence else []
    except ValueError:
        return None
    strengths: dict[str, float] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        method, value = item.get("method"), item.get("strength")
        if method in scoring.WEIGHTS and isinstance(value, int | float) and value > 0:
            strengths[method] = min(float(value), 1.0)
    if not strengths:
        return None
    return Review(accepted=status == "accepted", strengths=strengths)


def reviews_of(graph: GraphStore, namespace: str) -> list[Review]:
    """The namespace's reviewed discovery proposals that carry method strengths."""
    rows = graph.run("discovery/reviewed_proposals", {"namespace": namespace})
    found = (review_of(row["status"], row["evidence"]) for row in rows)
    return [review for review in found if review is not None]


def learned_weights(
    reviews: Iterable[Review],
    shipped: Mapping[str, float] = scoring.WEIGHTS,
    prior: float = PRIOR_REVIEWS,
) -> dict[str, float]:
    """Each method's accept rate, weighted by strength and shrunk towards its shipped weight."""
    strengths: dict[str, list[float]] = {method: [] for method in shipped}
    accepted: dict[str, list[float]] = {method: [] for method in shipped}
    for review in reviews:
        for method, value in review.strengths.items():
            if method in strengths:
                strengths[method].append(value)
                if review.accepted:
                    accepted[method].append(value)
    # fsum is exact, so the weights do not depend on the order of the reviews.
    support = {method: math.fsum(values) for method, values in strengths.items()}
    hits = {method: math.fsum(values) for method, values in accepted.items()}
    return {
        method: round((prior * weight + hits[method]) / (prior + support[method]), DIGITS)
        if support[method] > 0.0
        else weight
        for method, weight in shipped.items()
    }


def best_cut(scored: Sequence[tuple[float, bool]]) -> float:
    """The score cut with the best F1 over ``(score, accepted)`` pairs (higher cut on ties).

    One pass over the scores, highest first (O(n log n) for the sort).
    """
    positives = sum(accepted for _, accepted in scored)
    if positives == 0:
        return 1.0
    ordered = sorted(scored, key=lambda item: -item[0])
    best, best_f1 = 1.0, -1.0
    true = false = 0
    for position, (value, accepted) in enumerate(ordered):
        true += accepted
        false += not accepted
        if position + 1 < len(ordered) and ordered[position + 1][0] == value:
            continue  # a cut keeps every review of its score
        f1 = 2 * true / (2 * true + false + (positives - true))
        if f1 > best_f1:
            best, best_f1 = value, f1
    return best


def learn(
    reviews: Sequence[Review],
    default_threshold: float,
    shipped: Mapping[str, float] = scoring.WEIGHTS,
    prior: float = PRIOR_REVIEWS,
) -> Calibration:
    """The calibration of a namespace's reviews (see the module docstring; ``prior`` is K)."""
    accepted = sum(review.accepted for review in reviews)
    count = len(reviews)
    if count < MIN_REVIEWS:
        return Calibration(
            applied=False,
            reason=f"{count} reviews, fewer than the {MIN_REVIEWS} calibration needs",
            reviews=count,
            accepted=accepted,
            rejected=count - accepted,
            weights=dict(shipped),
            threshold=default_threshold,
        )
    weights = learned_weights(reviews, shipped, prior)
    scored = [(scoring.combine(r.strengths, weights), r.accepted) for r in reviews]
    cut = best_cut(scored)
    threshold = (prior * default_threshold + count * cut) / (prior + count)
    return Calibration(
        applied=True,
        reason=f"learned from {count} reviews",
        reviews=count,
        accepted=accepted,
        rejected=count - accepted,
        weights=weights,
        threshold=round(min(max(threshold, 0.0), 1.0), DIGITS),
    )


def calibration_of(graph: GraphStore, namespace: str, default_threshold: float) -> Calibration:
    """What a discovery job in ``namespace`` would apply now."""
    return learn(reviews_of(graph, namespace), default_threshold)
