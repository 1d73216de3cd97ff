"""Skill anomalies, dependencies and recommendations over GraphQL."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import GraphQLClient
from tests.api.test_skills import record, stored_sessions


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def runs(skill: str, count: int, start: datetime, span: timedelta, rate: float,
         median_ms: float, rng: random.Random) -> list[dict[str, Any]]:  # fmt: skip
    return [
        {
            "skill": skill,
            "at": iso(start + span * rng.random()),
            "completed": rng.random() < rate,
            "durationMs": median_ms * rng.lognormvariate(0, 0.3),
        }
        for _ in range(count)
    ]


def test_planted_drop_and_spike_are_found_and_stored(gql: GraphQLClient) -> None:
    rng = random.Random(3)
    now = datetime.now(UTC)
    day = timedelta(days=1)
    baseline_start, recent_start = now - 11 * day, now - day + timedelta(minutes=5)
    items = (
        runs("flaky", 300, baseline_start, 10 * day, 0.92, 200.0, rng)
        + runs("flaky", 60, recent_start, timedelta(hours=20), 0.55, 200.0, rng)
        + runs("slow", 300, baseline_start, 10 * day, 0.9, 200.0, rng)
        + runs("slow", 60, recent_start, timedelta(hours=20), 0.9, 600.0, rng)
        + runs("steady", 300, baseline_start, 10 * day, 0.9, 200.0, rng)
        + runs("steady", 60, recent_start, timedelta(hours=20), 0.9, 200.0, rng)
    )
    record(gql, items)
    query = "{ skillAnomalies { id skill metric kind baseline recent zScore pValue explanation detectedAt } }"
    found = gql(query)["data"]["skillAnomalies"]
    kinds = {(a["skill"], a["kind"]) for a in found}
    assert kinds == {("flaky", "completion_drop"), ("slow", "duration_spike")}
    drop = next(a for a in found if a["kind"] == "completion_drop")
    assert drop["baseline"] > 0.85
    assert drop["recent"] < 0.7
    assert drop["zScore"] <= -3
    assert "completion rate fell" in drop["explanation"]
    stored = gql(
        "query($id: ID!) { node(id: $id) { ... on GraphNode { label properties } } }", id=drop["id"]
    )
    node = stored["data"]["node"]
    assert node["label"] == "SkillAnomaly"
    assert node["properties"]["skill"] == "flaky"
    again = gql(query)["data"]["skillAnomalies"]
    assert sorted(a["id"] for a in again) == sorted(a["id"] for a in found)  # not stored twice
    bad = gql("{ skillAnomalies(baselineDays: 0) { skill } }")
    assert bad["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "baselineDays"}
    future = iso(now + day)
    late = gql(f'{{ skillAnomalies(since: "{future}") {{ skill }} }}')
    assert late["errors"][0]["extensions"]["field"] == "since"


DEPENDENCIES = "{ skillDependencies { from to support confidence lift sessions } }"
START = "mutation { startSkillDependencyRefresh(input: {}) { ... on StartSkillDependencyRefreshPayload { job { id kind } } } }"


def refresh(gql: GraphQLClient) -> dict[str, Any]:
    """Start the refresh job and wait for it; return its final counts."""
    job = gql(START)["data"]["startSkillDependencyRefresh"]["job"]
    assert job["kind"] == "skill_dependencies"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = gql("query($id: ID!) { job(id: $id) { status counts } }", id=job["id"])["data"][
            "job"
        ]
        if found["status"] in {"SUCCEEDED", "FAILED"}:
            assert found["status"] == "SUCCEEDED", found
            counts: dict[str, Any] = found["counts"]
            return counts
        time.sleep(0.1)
    raise AssertionError("the refresh job did not finish")


def test_dependencies_match_the_hand_computed_example(gql: GraphQLClient) -> None:
    at = iso(datetime.now(UTC) - timedelta(hours=1))
    plan = [("A", "s1"), ("A", "s1"), ("B", "s1"), ("A", "s2"), ("B", "s2"), ("C", "s2"),
            ("A", "s3"), ("C", "s4"), ("B", None), ("B", None)]  # fmt: skip
    ids = dict(zip(["s1", "s2", "s3", "s4"], stored_sessions(gql, 4), strict=True))
    record(
        gql,
        [{"skill": s, "at": at, "completed": True, "sessionId": ids.get(sid)} for s, sid in plan],
    )
    assert gql(DEPENDENCIES)["data"]["skillDependencies"] == []  # not refreshed yet
    assert refresh(gql) == {"edges": 6}
    found = {(d["from"], d["to"]): d for d in gql(DEPENDENCIES)["data"]["skillDependencies"]}
    # 6 sessions (two sessionless invocations count as one each); |A| 3, |B| 4, |C| 2
    assert found["A", "B"] == {"from": "A", "to": "B", "support": pytest.approx(2 / 6),
                               "confidence": pytest.approx(2 / 3), "lift": pytest.approx(1.0), "sessions": 2}  # fmt: skip
    assert found["B", "A"]["confidence"] == pytest.approx(0.5)
    assert found["C", "A"]["confidence"] == pytest.approx(0.5)
    assert found["B", "C"]["lift"] == pytest.approx(0.75)
    high = gql("{ skillDependencies(minSupport: 0.3, minLift: 0.9) { from to } }")["data"][
        "skillDependencies"
    ]
    assert {(d["from"], d["to"]) for d in high} == {("A", "B"), ("B", "A")}
    refresh(gql)
    assert len(gql(DEPENDENCIES)["data"]["skillDependencies"]) == 6  # replaced, not added
    backwards = gql(
        'mutation { startSkillDependencyRefresh(input: {since: "2026-03-02T00:00:00Z", '
        'until: "2026-03-01T00:00:00Z"}) { ... on ValidationError { field } } }'
    )
    assert backwards["data"]["startSkillDependencyRefresh"] == {"field": "since"}
    bad = gql("{ skillDependencies(minSupport: 1.5) { from } }")
    assert bad["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "minSupport"}


def test_recommendations_follow_co_users_and_skip_used_skills(gql: GraphQLClient) -> None:
    at = iso(datetime.now(UTC) - timedelta(hours=2))
    usage = {
        "u1": ["ruff", "mypy", "pytest"],
        "u2": ["ruff", "mypy", "pytest"],
        "u3": ["ruff", "mypy", "pytest", "sphinx"],
        "u4": ["sphinx", "mkdocs"],
        "u5": ["sphinx", "mkdocs"],
        "me": ["ruff", "mypy"],
    }
    record(
        gql,
        [
            {"skill": s, "at": at, "completed": True, "userId": u}
            for u, skills in usage.items()
            for s in skills
        ],
    )
    query = 'query($k: Int!, $used: Boolean!) { recommendSkills(userId: "me", k: $k, includeUsed: $used) { skill score reason } }'
    found = gql(query, k=2, used=False)["data"]["recommendSkills"]
    assert [r["skill"] for r in found] == ["pytest", "sphinx"]
    # pytest: Jaccard(ruff, pytest) = Jaccard(mypy, pytest) = 3/4, completion (3 + 5)/(3 + 5) = 1
    assert found[0]["score"] == pytest.approx(1.5)
    assert "ruff" in found[0]["reason"]
    assert not {"ruff", "mypy"} & {
        r["skill"] for r in gql(query, k=10, used=False)["data"]["recommendSkills"]
    }
    with_used = {r["skill"] for r in gql(query, k=10, used=True)["data"]["recommendSkills"]}
    assert {"ruff", "mypy"} <= with_used
    cold = gql('{ recommendSkills(userId: "nobody", k: 1) { skill reason } }')["data"][
        "recommendSkills"
    ]
    assert cold[0]["skill"] in {"ruff", "mypy", "sphinx"}
    assert "no history" in cold[0]["reason"]
    for k in (0, 101):
        bad = gql(query, k=k, used=False)
        assert bad["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "k"}
