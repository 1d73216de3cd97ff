"""``bench discovery_quality``'s calibration section: review half, score the other half.

The proposals of a default run whose pair falls in one hash half are written as a discovery
job's proposals and reviewed (accept a true pair, reject the others); the other half is then
scored with the shipped weights and threshold and with those calibration learned from the
reviews (:mod:`kgservice.services.discovery.calibration`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bench.support.installed_world import evaluate, run_discovery, split_of
from kgservice.services.discovery.calibration import (
    MIN_REVIEWS,
    PRIOR_REVIEWS,
    Calibration,
    learn,
    reviews_of,
)
from kgservice.services.discovery.job import (
    DEFAULT_THRESHOLD,
    JOB_KIND,
    DiscoveryParameters,
    find_proposals,
    with_calibration,
)
from kgservice.services.discovery.scoring import WEIGHTS
from kgservice.services.discovery.writing import write_batches
from kgservice.services.jobs import JobService
from kgservice.services.knowledge.relations import RelationService
from kgservice.stores.opening import Stores


def calibration_evaluation(
    stores: Stores, names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Review half of a default run's proposals, then score the other half before and after.

    The proposals of a default run whose pair falls in hash half 0 (:func:`split_of`) are
    written as a discovery job's proposed relations and reviewed: accepted when the pair is
    a true edge (either direction), rejected otherwise. Half 1 is never reviewed: both runs
    after it (shipped weights and threshold, then calibrated ones) are scored on the
    proposals and true edges of half 1 only, at the defaults and unlimited (threshold 0,
    100 per entity: the ranking alone, for p@50).
    """
    undirected = {frozenset(pair) for pair in truth}
    first = run_discovery(stores)
    reviewed = [p for p in first if split_of(names[p.from_id], names[p.to_id]) == 0]
    jobs = JobService(stores.graph)
    job = jobs.create(JOB_KIND, DiscoveryParameters.checked().as_json(), "default")
    write_batches(stores.graph, reviewed, job.id)
    relations = RelationService(stores.graph)
    accepted = 0
    for record in relations.candidates(job.id, after=None, limit=len(reviewed) + 1):
        right = frozenset((names[record.from_id], names[record.to_id])) in undirected
        relations.review(record.id, "accept" if right else "reject")
        accepted += right
    held_out = {pair: kind for pair, kind in truth.items() if split_of(*pair) == 1}

    def scored(parameters: DiscoveryParameters) -> dict[str, Any]:
        proposals, _ = find_proposals(stores.graph, stores.vectors, parameters)
        mine = [p for p in proposals if split_of(names[p.from_id], names[p.to_id]) == 1]
        found = evaluate(mine, names, held_out)
        # What a reviewer sees first: the share right among the first 50 (all, when fewer).
        first_50 = evaluate(mine[:50], names, held_out)["precision"]
        return {**found, "precision_of_first_50": first_50}

    shipped = DiscoveryParameters.checked(calibrate=False)
    calibrated = with_calibration(stores.graph, DiscoveryParameters.checked())
    learned = calibrated.calibration
    return {
        "prior_sensitivity": _prior_sensitivity(stores, scored, shipped),
        "reweighting_bound": _reweighting_bound(stores, scored, shipped),
        "reviews": len(reviewed),
        "accepted": accepted,
        "rejected": len(reviewed) - accepted,
        "min_reviews": MIN_REVIEWS,
        "held_out_true_edges": len(held_out),
        "learned": learned.as_json() if learned else None,
        "defaults": {"before": scored(shipped), "after": scored(calibrated)},
        "unlimited": {
            "before": scored(replace(shipped, threshold=0.0, max_per_entity=100)),
            "after": scored(replace(calibrated, threshold=0.0, max_per_entity=100)),
        },
    }


def _prior_sensitivity(
    stores: Stores,
    scored: Callable[[DiscoveryParameters], dict[str, Any]],
    shipped: DiscoveryParameters,
) -> list[dict[str, Any]]:
    """The same reviews learned with other priors K (the shipped one is PRIOR_REVIEWS)."""
    reviews = reviews_of(stores.graph, "default")
    rows = []
    for prior in (0.0, 5.0, PRIOR_REVIEWS, 20.0, 40.0):
        learned = learn(reviews, DEFAULT_THRESHOLD, prior=prior)
        parameters = replace(shipped, calibration=learned, threshold=learned.threshold)
        at_defaults = scored(parameters)
        ranking = scored(replace(parameters, threshold=0.0, max_per_entity=100))
        rows.append(
            {
                "prior": prior,
                "weights": learned.weights,
                "threshold": learned.threshold,
                "defaults": {
                    key: at_defaults.get(key)
                    for key in ("proposals", "precision", "recall", "precision_of_first_50")
                },
                "unlimited": {key: ranking.get(key) for key in ("p@10", "p@25", "p@50")},
            }
        )
    return rows


def _reweighting_bound(
    stores: Stores,
    scored: Callable[[DiscoveryParameters], dict[str, Any]],
    shipped: DiscoveryParameters,
) -> dict[str, Any]:
    """The best p@50 any weights on a grid reach on the held-out half (tuned on the test).

    Only an upper bound of what re-weighting the methods can do for the ranking.
    """
    grid = (0.1, 0.3, 0.5, 0.7, 0.9)
    reviewed = {
        method for review in reviews_of(stores.graph, "default") for method in review.strengths
    }
    methods = [method for method in WEIGHTS if method in reviewed]  # those with evidence
    best: dict[str, Any] = {"p@50": -1.0}
    for values in itertools.product(grid, repeat=len(methods)):
        weights = {**WEIGHTS, **dict(zip(methods, values, strict=True))}
        fixed = Calibration(True, "grid", 0, 0, 0, weights, 0.0)
        found = scored(replace(shipped, calibration=fixed, threshold=0.0, max_per_entity=100))
        if found.get("p@50", 0.0) > best["p@50"]:
            best = {"p@50": found.get("p@50", 0.0), "p@25": found.get("p@25"), "weights": weights}
    return best
