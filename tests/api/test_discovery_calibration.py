"""Discovery calibration through GraphQL: reviews re-weight the next job, reversibly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.services.discovery import scoring
from kgservice.services.discovery.calibration import MIN_REVIEWS
from kgservice.services.discovery.job import DEFAULT_THRESHOLD
from kgservice.services.registry import Services
from kgservice.settings import Settings
from tests.api.conftest import GraphQLClient
from tests.api.test_discovery import REVIEW, candidates, finished_job, start
from tests.knowledge_seed import SeedEntity, seed_entities, seed_texts

CALIBRATION = """query($namespace: String!) { discoveryCalibration(namespace: $namespace) {
  namespace applied reason reviews accepted rejected threshold weights { method weight shipped }
} }"""
NAMES = [
    "amberdb",
    "birchhttp",
    "cedarcache",
    "dunequeue",
    "elmauth",
    "fernlog",
    "glacierstore",
    "hazelsearch",
    "irisrpc",
    "junipermail",
    "kelpmetrics",
    "larchconfig",
    "maplecli",
    "nettletest",
]
KINDS = ["a database", "an HTTP client", "a cache", "a job queue", "an auth library"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No backfill thread on start: its reads would stall the seeding COPY's checkpoint."""
    return settings.model_copy(update={"backfill_on_start": False})


@pytest.fixture
def world(http: TestClient) -> list[str]:
    """Fourteen libraries; each text names three of them, so many pairs are co-mentioned."""
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    entities = [
        SeedEntity(name, "library", [f"{name} is {KINDS[i % len(KINDS)]} for Python"])
        for i, name in enumerate(NAMES)
    ]
    ids = seed_entities(services.stores.graph, services.index, entities)
    count = len(NAMES)
    texts = [
        f"{NAMES[i]} works with {NAMES[(i + 1) % count]} and {NAMES[(i + 3) % count]}."
        for i in range(count)
    ]
    seed_texts(services.stores.graph, texts, ids, entities)
    return ids


def calibration(gql: GraphQLClient, namespace: str = "default") -> dict[str, Any]:
    body = gql(CALIBRATION, namespace=namespace)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["discoveryCalibration"]
    return found


def review_first(gql: GraphQLClient, found: list[dict[str, Any]], count: int) -> int:
    """Accept the co-mentioned proposals, reject the others; return how many accepted."""
    accepted = 0
    for candidate in found[:count]:
        decision = "ACCEPT" if "co_mention" in candidate["method"] else "REJECT"
        accepted += decision == "ACCEPT"
        result = gql(REVIEW, id=candidate["id"], decision=decision)["data"]["reviewRelation"]
        assert result["__typename"] == "RelationPayload", result
    return accepted


def strengths_of(candidate: dict[str, Any]) -> dict[str, float]:
    evidence = candidate["evidence"]
    items = json.loads(evidence) if isinstance(evidence, str) else evidence
    return {e["method"]: e["strength"] for e in items if "strength" in e}


def test_reviews_calibrate_the_next_job_and_calibrate_false_does_without(
    gql: GraphQLClient, world: list[str]
) -> None:
    first = finished_job(
        gql, start(gql, threshold=0.0, maxPerEntity=100, limit=MIN_REVIEWS + 4)["job"]["id"]
    )
    assert first["status"] == "SUCCEEDED", first["errors"]
    assert first["parameters"]["calibrate"] is False  # an explicit threshold turns it off
    assert first["parameters"]["calibration"] is None
    found = candidates(gql, first["id"])
    assert len(found) == MIN_REVIEWS + 4

    accepted = review_first(gql, found, MIN_REVIEWS - 1)
    before = calibration(gql)
    assert before["applied"] is False
    assert before["reviews"] == MIN_REVIEWS - 1
    assert str(MIN_REVIEWS) in before["reason"]
    assert before["threshold"] == DEFAULT_THRESHOLD
    assert {w["method"]: w["weight"] for w in before["weights"]} == scoring.WEIGHTS
    shown_before = finished_job(gql, start(gql, dryRun=True)["job"]["id"])["parameters"]
    assert shown_before["calibration"]["applied"] is False
    assert shown_before["threshold"] == DEFAULT_THRESHOLD

    accepted += review_first(gql, found[MIN_REVIEWS - 1 :], 5)
    now = calibration(gql)
    assert now["applied"] is True
    assert now["namespace"] == "default"
    assert (now["reviews"], now["accepted"]) == (MIN_REVIEWS + 4, accepted)
    assert now["rejected"] == MIN_REVIEWS + 4 - accepted
    weights = {w["method"]: w["weight"] for w in now["weights"]}
    assert set(weights) == set(scoring.WEIGHTS)
    assert weights != scoring.WEIGHTS
    assert {w["method"]: w["shipped"] for w in now["weights"]} == scoring.WEIGHTS
    assert 0.0 <= now["threshold"] <= 1.0

    calibrated = finished_job(gql, start(gql)["job"]["id"])
    assert calibrated["status"] == "SUCCEEDED", calibrated["errors"]
    parameters = calibrated["parameters"]
    assert parameters["calibrate"] is True
    assert parameters["calibration"] == {
        "applied": True,
        "reason": now["reason"],
        "reviews": now["reviews"],
        "accepted": now["accepted"],
        "rejected": now["rejected"],
        "weights": weights,
        "threshold": now["threshold"],
    }
    assert parameters["threshold"] == now["threshold"]
    proposed = candidates(gql, calibrated["id"])
    assert proposed
    shifted = 0
    for candidate in proposed:  # scored with the calibrated weights, cut at its threshold
        strengths = strengths_of(candidate)  # stored rounded to 4 digits
        assert candidate["score"] == pytest.approx(scoring.combine(strengths, weights), abs=1e-3)
        assert candidate["score"] >= now["threshold"]
        shipped = scoring.combine(strengths, scoring.WEIGHTS)
        shifted += candidate["score"] != pytest.approx(shipped, abs=1e-3)
    assert shifted

    off = finished_job(gql, start(gql, calibrate=False, dryRun=True)["job"]["id"])
    assert off["status"] == "SUCCEEDED"
    assert off["parameters"]["calibrate"] is False
    assert off["parameters"]["calibration"] is None
    assert off["parameters"]["threshold"] == DEFAULT_THRESHOLD


def test_calibration_is_per_namespace_and_validated(gql: GraphQLClient, world: list[str]) -> None:
    empty = calibration(gql, "elsewhere")
    assert empty["namespace"] == "elsewhere"
    assert (empty["applied"], empty["reviews"], empty["accepted"]) == (False, 0, 0)
    body = gql(CALIBRATION.replace("String!", "Int!"), namespace=3)
    assert body.get("errors")
