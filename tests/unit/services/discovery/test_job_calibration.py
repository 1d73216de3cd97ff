"""Calibration in the discovery job: stored once in the parameters, reused on resume, optional."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from kgservice.services.discovery import scoring
from kgservice.services.discovery.calibration import MIN_REVIEWS, Calibration
from kgservice.services.discovery.job import (
    DEFAULT_THRESHOLD,
    DiscoveryParameters,
    find_proposals,
    with_calibration,
)
from kgservice.services.registry import Services
from tests.knowledge_seed import seed_world

#: A calibration as a job would store it: every method at half its shipped weight.
HALVED = Calibration(
    applied=True,
    reason="learned from 40 reviews",
    reviews=40,
    accepted=10,
    rejected=30,
    weights={method: round(weight / 2, 4) for method, weight in scoring.WEIGHTS.items()},
    threshold=0.12,
)


@pytest.fixture
def world(services: Services) -> dict[str, str]:
    return seed_world(services.stores.graph, services.index)


def scored_pairs(services: Services, parameters: DiscoveryParameters) -> dict[Any, float]:
    found, _ = find_proposals(services.stores.graph, services.stores.vectors, parameters)
    return {(p.from_id, p.to_id): p.score for p in found}


def test_calibration_off_or_unresolved_scores_as_shipped(
    services: Services, world: dict[str, str]
) -> None:
    plain = DiscoveryParameters.checked()
    off = DiscoveryParameters.checked(calibrate=False)
    assert off.weights is scoring.WEIGHTS
    assert plain.weights is scoring.WEIGHTS
    assert with_calibration(services.stores.graph, off) is off
    assert scored_pairs(services, off) == scored_pairs(services, plain)


def test_an_explicit_threshold_turns_calibration_off() -> None:
    assert DiscoveryParameters.checked(threshold=0.5).calibrate is False
    assert DiscoveryParameters.checked().calibrate is True


def test_without_enough_reviews_the_record_says_why(
    services: Services, world: dict[str, str]
) -> None:
    resolved = with_calibration(services.stores.graph, DiscoveryParameters.checked())
    assert resolved.calibration is not None
    assert resolved.calibration.applied is False
    assert resolved.calibration.reviews == 0
    assert str(MIN_REVIEWS) in resolved.calibration.reason
    assert resolved.threshold == DEFAULT_THRESHOLD
    assert resolved.weights is scoring.WEIGHTS


def test_stored_calibration_round_trips_and_is_not_relearned(services: Services) -> None:
    parameters = replace(DiscoveryParameters.checked(), calibration=HALVED, threshold=0.12)
    again = DiscoveryParameters.from_json(parameters.as_json())
    assert again == parameters
    assert again.weights == HALVED.weights
    # Resolving parameters that carry a calibration keeps it (no reviews exist here).
    assert with_calibration(services.stores.graph, again) is again


def test_a_resumed_job_uses_the_calibration_stored_with_it(
    services: Services, world: dict[str, str]
) -> None:
    parameters = replace(DiscoveryParameters.checked(), calibration=HALVED, threshold=0.12)
    expected = scored_pairs(services, parameters)
    shipped = scored_pairs(services, DiscoveryParameters.checked())
    assert expected
    assert expected != shipped
    services.discovery.batch_size = 2
    job = services.jobs.create("discovery", parameters.as_json(), "default")
    stop = threading.Event()

    def stop_after_the_first_batch(progress: float, counts: Mapping[str, Any]) -> None:
        if counts.get("phase") == "writing":
            stop.set()

    assert services.jobs.run(job.id, stop, stop_after_the_first_batch).status == "running"
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded", finished.errors
    assert finished.parameters["calibration"] == HALVED.as_json()
    records = services.relations.candidates(job.id, after=None, limit=1000)
    assert {(r.from_id, r.to_id): r.score for r in records} == expected
