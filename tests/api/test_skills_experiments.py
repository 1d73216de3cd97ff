"""Experiments over GraphQL: deterministic assignment, outcomes and results."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pytest

from tests.api.conftest import GraphQLClient

CREATE = """
mutation($input: CreateExperimentInput!) {
  createExperiment(input: $input) {
    __typename
    ... on CreateExperimentPayload { experiment { id name plannedSamplesPerVariant variants { name weight } } }
    ... on ValidationError { field message }
  }
}
"""
OUTCOME = """
mutation($id: ID!, $unit: String!, $success: Boolean!) {
  recordExperimentOutcome(input: {experimentId: $id, unitId: $unit, success: $success}) {
    __typename ... on RecordExperimentOutcomePayload { variant } ... on ConflictError { current }
  }
}
"""
RESULTS = """
query($id: ID!) { experimentResults(id: $id) {
  variants { name samples successes rate rateLow rateHigh }
  comparisons { variant difference differenceLow differenceHigh zScore pValue }
  sampleSizeReached verdict } }
"""


def expected_variant(experiment_id: str, unit: str) -> str:
    """The documented rule, computed independently: sha256 against cumulative weights 1:1."""
    point = int.from_bytes(hashlib.sha256(f"{experiment_id}:{unit}".encode()).digest()[:8], "big")
    return "A" if point / 2**64 < 0.5 else "B"


def create(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    body = gql(CREATE, input=input)
    result: dict[str, Any] = body["data"]["createExperiment"]
    return result


def test_results_match_hand_computed_figures(gql: GraphQLClient) -> None:
    made = create(
        gql, name="prompt", variants=[{"name": "A"}, {"name": "B"}], plannedSamplesPerVariant=10
    )
    experiment_id = made["experiment"]["id"]
    units: dict[str, list[str]] = {"A": [], "B": []}
    k = 0
    while min(len(v) for v in units.values()) < 10:
        unit = f"user-{k}"
        k += 1
        variant = expected_variant(experiment_id, unit)
        if len(units[variant]) < 10:
            units[variant].append(unit)
    for unit in units["A"][:5] + units["B"][:5]:
        assigned = gql(
            "query($id: ID!, $u: String!) { experimentAssignment(experimentId: $id, unitId: $u) { name } }",
            id=experiment_id,
            u=unit,
        )
        assert assigned["data"]["experimentAssignment"]["name"] == expected_variant(
            experiment_id, unit
        )
    # A: 8 of 10 succeed; B: 4 of 10
    plan = [(u, i < 8) for i, u in enumerate(units["A"])] + [
        (u, i < 4) for i, u in enumerate(units["B"])
    ]
    for unit, success in plan[:5] + plan[10:15]:
        body = gql(OUTCOME, id=experiment_id, unit=unit, success=success)
        assert body["data"]["recordExperimentOutcome"]["variant"] == expected_variant(
            experiment_id, unit
        )
    early = gql(RESULTS, id=experiment_id)["data"]["experimentResults"]
    assert early["sampleSizeReached"] is False
    assert early["verdict"] is None
    for unit, success in plan[5:10] + plan[15:]:
        gql(OUTCOME, id=experiment_id, unit=unit, success=success)
    again = gql(OUTCOME, id=experiment_id, unit=units["A"][0], success=False)["data"][
        "recordExperimentOutcome"
    ]
    assert again["__typename"] == "ConflictError"
    assert again["current"]
    results = gql(RESULTS, id=experiment_id)["data"]["experimentResults"]
    a, b = results["variants"]
    assert (a["name"], a["samples"], a["successes"], a["rate"]) == ("A", 10, 8, 0.8)
    assert (b["name"], b["samples"], b["successes"], b["rate"]) == ("B", 10, 4, 0.4)
    assert (a["rateLow"], a["rateHigh"]) == (
        pytest.approx(0.4902, abs=1e-4),
        pytest.approx(0.9433, abs=1e-4),
    )
    (c,) = results["comparisons"]
    assert c["difference"] == pytest.approx(-0.4)
    # pooled 0.6: se = sqrt(0.6 * 0.4 * (1/10 + 1/10)) = 0.219089; z = -1.8257; p = 0.0679
    assert c["zScore"] == pytest.approx(-0.4 / math.sqrt(0.048))
    assert c["pValue"] == pytest.approx(0.06789, abs=1e-4)
    se = math.sqrt(0.8 * 0.2 / 10 + 0.4 * 0.6 / 10)
    assert c["differenceLow"] == pytest.approx(-0.4 - 1.959964 * se, abs=1e-5)
    assert c["differenceHigh"] == pytest.approx(-0.4 + 1.959964 * se, abs=1e-5)
    assert results["sampleSizeReached"] is True
    assert results["verdict"].startswith("no significant difference between B and A")


def test_assignment_follows_weights_and_is_stable(gql: GraphQLClient) -> None:
    made = create(
        gql,
        name="w",
        variants=[{"name": "small", "weight": 1}, {"name": "large", "weight": 3}],
        plannedSamplesPerVariant=5,
    )
    experiment_id = made["experiment"]["id"]
    query = "query($id: ID!, $u: String!) { experimentAssignment(experimentId: $id, unitId: $u) { name } }"
    names = [
        gql(query, id=experiment_id, u=f"unit-{k}")["data"]["experimentAssignment"]["name"]
        for k in range(200)
    ]
    assert 0.6 < names.count("large") / 200 < 0.9  # 3:1 weights
    assert names == [
        gql(query, id=experiment_id, u=f"unit-{k}")["data"]["experimentAssignment"]["name"]
        for k in range(200)
    ]


def test_bad_experiments_are_refused(gql: GraphQLClient) -> None:
    one = create(gql, name="x", variants=[{"name": "A"}], plannedSamplesPerVariant=10)
    assert one == {"__typename": "ValidationError", "field": "variants", "message": one["message"]}
    zero = create(
        gql,
        name="x",
        variants=[{"name": "A"}, {"name": "B", "weight": 0}],
        plannedSamplesPerVariant=10,
    )
    assert zero["field"] == "variants[1].weight"
    negative = create(
        gql,
        name="x",
        variants=[{"name": "A", "weight": -1}, {"name": "B"}],
        plannedSamplesPerVariant=10,
    )
    assert negative["field"] == "variants[0].weight"
    same = create(
        gql, name="x", variants=[{"name": "A"}, {"name": "A"}], plannedSamplesPerVariant=10
    )
    assert same["field"] == "variants[1].name"
    planned = create(
        gql, name="x", variants=[{"name": "A"}, {"name": "B"}], plannedSamplesPerVariant=0
    )
    assert planned["field"] == "plannedSamplesPerVariant"
    listed = gql('{ node(id: "01KDVDNA00WR9V7SPFV9690M0D") { id } }')  # the taxonomy is there
    assert listed["data"]["node"] is not None
    missing = gql(RESULTS, id="01KDVDNA00WR9V7SPFV9690M0D")  # a category id, not an experiment
    assert missing["errors"][0]["extensions"]["code"] == "VALIDATION"
