"""Skills over GraphQL: recording invocations, the taxonomy, metrics and trends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import GraphQLClient

RECORD = """
mutation($input: RecordSkillInvocationsInput!) {
  recordSkillInvocations(input: $input) {
    __typename
    ... on RecordSkillInvocationsPayload { recorded }
    ... on ValidationError { field message }
    ... on NotFoundError { id }
  }
}
"""
METRICS = """
query($skill: String!, $since: DateTime, $until: DateTime, $userId: String, $phase: String) {
  skillMetrics(skill: $skill, since: $since, until: $until, userId: $userId, phase: $phase) {
    skill invocations completed completionRate completionRateLow completionRateHigh
    durationP50Ms durationP95Ms trendPerDay
    community { invocations completed completionRate }
    userDifference { difference low high zScore pValue }
  }
}
"""
SINCE = "2026-03-01T00:00:00Z"
UNTIL = "2026-03-04T00:00:00Z"


def invocation(
    day: int, hour: int, completed: bool, duration: float, **extra: Any
) -> dict[str, Any]:
    return {
        "skill": "pytest",
        "at": f"2026-03-0{day + 1}T{hour:02d}:00:00Z",
        "completed": completed,
        "durationMs": duration,
        **extra,
    }


def ten_invocations() -> list[dict[str, Any]]:
    """Day 0: 4 of 4 completed; day 1: 2 of 3; day 2: 2 of 3. Durations 100..1000 ms."""
    outcomes = [(0, True), (0, True), (0, True), (0, True), (1, True), (1, True), (1, False),
                (2, True), (2, True), (2, False)]  # fmt: skip
    return [
        invocation(day, 1 + k, done, 100.0 * (k + 1), userId="ann" if k % 2 else "bob")
        for k, (day, done) in enumerate(outcomes)
    ]


def record(
    gql: GraphQLClient, invocations: list[dict[str, Any]], namespace: str = "default"
) -> dict[str, Any]:
    body = gql(RECORD, input={"namespace": namespace, "invocations": invocations})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["recordSkillInvocations"]
    return result


def stored_sessions(gql: GraphQLClient, count: int) -> list[str]:
    """Ids of ``count`` new sessions of one new project."""
    project = gql(
        'mutation { createProject(input: {name: "skills"}) { ... on CreateProjectPayload { project { id } } } }'
    )
    project_id = project["data"]["createProject"]["project"]["id"]
    made = "mutation($p: ID!, $x: String!) { createSession(input: {projectId: $p, externalId: $x}) { ... on CreateSessionPayload { session { id } } } }"
    return [
        gql(made, p=project_id, x=f"agent-{k}")["data"]["createSession"]["session"]["id"]
        for k in range(count)
    ]


def test_metrics_match_hand_computed_figures(gql: GraphQLClient) -> None:
    assert record(gql, ten_invocations()) == {
        "__typename": "RecordSkillInvocationsPayload",
        "recorded": 10,
    }
    m = gql(METRICS, skill="pytest", since=SINCE, until=UNTIL)["data"]["skillMetrics"]
    assert (m["invocations"], m["completed"], m["completionRate"]) == (10, 8, 0.8)
    # Wilson 95 %: (0.8 + z²/20 ∓ z·sqrt(0.016 + z²/400)) / (1 + z²/10), z = 1.96
    assert m["completionRateLow"] == pytest.approx(0.4902, abs=1e-4)
    assert m["completionRateHigh"] == pytest.approx(0.9433, abs=1e-4)
    assert m["durationP50Ms"] == pytest.approx(550.0)
    assert m["durationP95Ms"] == pytest.approx(955.0)
    # daily rates 1, 2/3, 2/3 at days 0, 1, 2: slope -1/6 per day
    assert m["trendPerDay"] == pytest.approx(-1 / 6)
    assert m["community"] is None
    assert m["userDifference"] is None


def test_community_baseline_and_user_difference(gql: GraphQLClient) -> None:
    record(gql, ten_invocations())
    m = gql(METRICS, skill="pytest", since=SINCE, until=UNTIL, userId="ann")["data"]["skillMetrics"]
    # ann ran k = 1, 3, 5, 7, 9: completed, completed, completed, completed, failed -> 4/5
    assert (m["invocations"], m["completed"]) == (5, 4)
    assert m["community"] == {"invocations": 10, "completed": 8, "completionRate": 0.8}
    # others (bob): 4/5 as well: difference 0, pooled z 0
    d = m["userDifference"]
    assert d["difference"] == pytest.approx(0.0)
    assert d["zScore"] == pytest.approx(0.0)
    assert d["pValue"] == pytest.approx(1.0)
    half = 1.959964 * (2 * 0.8 * 0.2 / 5) ** 0.5
    assert (d["low"], d["high"]) == (pytest.approx(-half, abs=1e-5), pytest.approx(half, abs=1e-5))


def test_phase_filter(gql: GraphQLClient) -> None:
    items = ten_invocations()
    for item in items[:3]:
        item["workflowPhase"] = "review"
    record(gql, items)
    m = gql(METRICS, skill="pytest", since=SINCE, until=UNTIL, phase="review")["data"]
    assert m["skillMetrics"]["invocations"] == 3


def test_trend_has_every_bucket(gql: GraphQLClient) -> None:
    record(gql, ten_invocations())
    body = gql(
        """query { skillTrend(skill: "pytest", bucket: DAY, since: "2026-02-28T12:00:00Z",
        until: "2026-03-05T00:00:00Z") { start invocations completed completionRate durationP50Ms } }"""
    )
    buckets = body["data"]["skillTrend"]
    assert [b["start"][:10] for b in buckets] == [
        "2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"
    ]  # fmt: skip
    assert [b["invocations"] for b in buckets] == [0, 4, 3, 3, 0]
    assert [b["completed"] for b in buckets] == [0, 4, 2, 2, 0]
    assert buckets[0]["completionRate"] is None
    assert buckets[1]["durationP50Ms"] == pytest.approx(250.0)
    hourly = gql(
        """query { skillTrend(skill: "pytest", bucket: HOUR, since: "2026-03-01T00:00:00Z",
        until: "2026-03-01T06:00:00Z") { invocations } }"""
    )["data"]["skillTrend"]
    assert [b["invocations"] for b in hourly] == [0, 1, 1, 1, 1, 0]


def test_taxonomy_default_and_define_skill(gql: GraphQLClient) -> None:
    names = {
        c["name"]: c["parent"]
        for c in gql("{ skillCategories { name parent } }")["data"]["skillCategories"]
    }
    assert {"code quality", "testing", "documentation", "build & deploy", "version control",
            "linting & formatting"} <= set(names)  # fmt: skip
    assert names["linting & formatting"] == "code quality"
    modalities = gql("{ skillModalities { input output } }")["data"]["skillModalities"]
    assert {"input": "code", "output": "diagnostics"} in modalities
    body = gql(
        """mutation { defineSkill(input: {name: "ruff", category: "Linting & Formatting",
        modalities: [{input: "code", output: "diagnostics"}, {input: "code", output: "fixes"}],
        description: "Python linter"}) { ... on DefineSkillPayload { skill { id name category description
        modalities { input output } } } } }"""
    )
    skill = body["data"]["defineSkill"]["skill"]
    assert skill["category"] == "linting & formatting"
    by_id = gql(
        "query($id: ID!) { node(id: $id) { __typename ... on Skill { name category "
        "modalities { input output } } } }",
        id=skill["id"],
    )["data"]["node"]
    assert by_id == {"__typename": "Skill", "name": "ruff", "category": skill["category"],
                     "modalities": skill["modalities"]}  # fmt: skip
    assert skill["modalities"] == [
        {"input": "code", "output": "diagnostics"},
        {"input": "code", "output": "fixes"},
    ]
    record(gql, [invocation(0, 1, True, 5.0)])
    listed = gql(
        '{ skills(where: {category: "code quality"}) { totalCount edges { node { name } } } }'
    )
    assert listed["data"]["skills"]["totalCount"] == 1  # ruff sits below code quality
    every = gql("{ skills { totalCount edges { node { name } } } }")["data"]["skills"]
    assert sorted(e["node"]["name"] for e in every["edges"]) == ["pytest", "ruff"]
    sub = gql(
        'mutation { defineSkillCategory(input: {name: "type checking", parent: "code quality"}) { ... on DefineSkillCategoryPayload { category { name parent } } } }'
    )
    assert sub["data"]["defineSkillCategory"]["category"] == {
        "name": "type checking",
        "parent": "code quality",
    }
    cycle = gql(
        'mutation { defineSkillCategory(input: {name: "code quality", parent: "type checking"}) { ... on ValidationError { field } } }'
    )
    assert cycle["data"]["defineSkillCategory"] == {"field": "parent"}


def test_single_invocation_and_session_link(gql: GraphQLClient) -> None:
    body = gql(
        """mutation { recordSkillInvocation(input: {skill: "mypy", at: "2026-03-01T10:00:00Z",
        completed: false, errorType: "timeout", alternatives: ["pyright"], selectionRank: 2,
        namespace: "team"}) { ... on RecordSkillInvocationsPayload { recorded } } }"""
    )
    assert body["data"]["recordSkillInvocation"] == {"recorded": 1}
    m = gql(
        '{ skillMetrics(skill: "mypy", namespace: "team", since: "2026-03-01T00:00:00Z", until: "2026-03-02T00:00:00Z") { invocations completed durationP50Ms } }'
    )
    assert m["data"]["skillMetrics"] == {"invocations": 1, "completed": 0, "durationP50Ms": None}


def errors_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e.get("extensions", {}) for e in body.get("errors", [])]


def test_bad_input_is_refused_and_nothing_is_written(gql: GraphQLClient) -> None:
    record(gql, ten_invocations())
    bad = ten_invocations()
    bad[4]["durationMs"] = -1.0
    assert record(gql, bad) == {
        "__typename": "ValidationError",
        "field": "invocations[4].durationMs",
        "message": "must be a finite number of at least 0",
    }
    m = gql(METRICS, skill="pytest", since=SINCE, until=UNTIL)["data"]["skillMetrics"]
    assert m["invocations"] == 10  # the bad batch left nothing
    unknown = gql(METRICS, skill="nope", since=SINCE, until=UNTIL)
    assert errors_of(unknown)[0]["code"] == "NOT_FOUND"
    backwards = gql(METRICS, skill="pytest", since=UNTIL, until=SINCE)
    assert errors_of(backwards)[0] == {"code": "VALIDATION", "field": "since"}
    bucket = gql('{ skillTrend(skill: "pytest", bucket: WEEK) { start } }')
    assert "errors" in bucket
    assert bucket.get("data") is None
    empty = record(gql, [])
    assert empty["__typename"] == "ValidationError"
    (session,) = stored_sessions(gql, 1)
    stranger = record(
        gql,
        [
            invocation(0, 1, True, 1.0, sessionId=session),
            invocation(0, 1, True, 1.0, sessionId="01KDVDNA00WR9V7SPFV9690M0D"),
        ],
    )
    assert stranger["__typename"] == "NotFoundError"
    rank = record(gql, [invocation(0, 1, True, 1.0, selectionRank=0)])
    assert rank["field"] == "invocations[0].selectionRank"
    assert (
        gql(METRICS, skill="pytest", since=SINCE, until=UNTIL)["data"]["skillMetrics"][
            "invocations"
        ]
        == 10
    )
