"""Quality runs, trends, alerts and command statistics through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kgservice.ids import new_id
from kgservice.services.quality.service import COPY_MIN
from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import make_project, make_session

RECORD = """
mutation($input: RecordQualityRunInput!) { recordQualityRun(input: $input) {
  __typename ... on RecordQualityRunPayload { run { id command at projectId sessionId buildStatus
    lintScore coverage testsPassed testsFailed durationSeconds } }
  ... on ValidationError { field message } ... on NotFoundError { id message } } }
"""
RECORD_MANY = """
mutation($runs: [RecordQualityRunInput!]!) { recordQualityRuns(input: {runs: $runs}) {
  __typename ... on RecordQualityRunsPayload { count runs { id sessionId } }
  ... on ValidationError { field message } ... on NotFoundError { id message } } }
"""
TRENDS = """query($p: ID!, $days: Int) { qualityTrends(projectId: $p, days: $days) {
  metric higherIsBetter first last changePct direction points { at value } } }"""
ALERTS = """query($p: ID!, $days: Int, $t: Float) { qualityAlerts(projectId: $p, days: $days,
  threshold: $t) { metric severity changePct degradationPct message } }"""
COMMANDS = """query($p: ID!, $days: Int) { qualityCommands(projectId: $p, days: $days) {
  command runs successRate meanSeconds p95Seconds } }"""

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)


def at(day: float) -> str:
    return (BASE + timedelta(days=day)).isoformat()


def series(project: str) -> list[dict[str, Any]]:
    """Four runs a day apart, and one outside a 30-day window."""
    return [
        {
            "projectId": project,
            "command": "ruff",
            "at": at(0),
            "buildStatus": "PASSED",
            "lintScore": 80,
            "typeScore": 50,
            "securityScore": 100,
            "complexity": 10,
            "coverage": 0.80,
            "testsPassed": 90,
            "testsFailed": 10,
            "durationSeconds": 1.0,
        },
        {
            "projectId": project,
            "command": "pytest",
            "at": at(1),
            "buildStatus": "PASSED",
            "lintScore": 90,
            "typeScore": 60,
            "securityScore": 100,
            "complexity": 10,
            "coverage": 0.80,
            "testsPassed": 95,
            "testsFailed": 0,
            "durationSeconds": 10.0,
        },
        {
            "projectId": project,
            "command": "pytest",
            "at": at(2),
            "buildStatus": "FAILED",
            "lintScore": 70,
            "typeScore": 70,
            "securityScore": 100,
            "complexity": 11,
            "coverage": 0.78,
            "testsPassed": 100,
            "testsFailed": 0,
            "durationSeconds": 12.0,
        },
        {
            "projectId": project,
            "command": "pytest",
            "at": at(3),
            "buildStatus": "PASSED",
            "lintScore": 60,
            "typeScore": 80,
            "securityScore": 100,
            "complexity": 12,
            "coverage": 0.76,
            "testsPassed": 100,
            "testsFailed": 0,
            "durationSeconds": 30.0,
        },
        {
            "projectId": project,
            "command": "pytest",
            "at": at(-30),
            "buildStatus": "FAILED",
            "lintScore": 0,
            "typeScore": 0,
            "securityScore": 0,
            "complexity": 99,
            "coverage": 0.0,
            "testsPassed": 0,
            "testsFailed": 100,
            "durationSeconds": 999.0,
        },
    ]


@pytest.fixture
def project(gql: GraphQLClient) -> str:
    project = make_project(gql, "quality")
    body = gql(RECORD_MANY, runs=series(project))["data"]["recordQualityRuns"]
    assert body["__typename"] == "RecordQualityRunsPayload", body
    assert body["count"] == 5
    return project


def by_metric(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["metric"]: row for row in rows}


def test_trends_are_least_squares_fits(gql: GraphQLClient, project: str) -> None:
    trends = by_metric(gql(TRENDS, p=project)["data"]["qualityTrends"])
    assert list(trends) == [
        "BUILD_SUCCESS",
        "LINT_SCORE",
        "SECURITY_SCORE",
        "TYPE_SCORE",
        "COMPLEXITY",
        "TEST_PASS_RATE",
        "COVERAGE",
    ]
    # lint 80, 90, 70, 60 on days 0..3: slope -8, intercept 87 -> 87 to 63.
    lint = trends["LINT_SCORE"]
    assert lint["first"] == pytest.approx(87.0)
    assert lint["last"] == pytest.approx(63.0)
    assert lint["changePct"] == pytest.approx(-24 / 87 * 100)
    assert lint["direction"] == "DEGRADING"
    assert [p["value"] for p in lint["points"]] == [80, 90, 70, 60]
    assert lint["points"][0]["at"].startswith(at(0)[:19])
    # build 100, 100, 0, 100: slope -10, intercept 90 -> 90 to 60.
    build = trends["BUILD_SUCCESS"]
    assert (build["first"], build["last"]) == (pytest.approx(90.0), pytest.approx(60.0))
    assert build["changePct"] == pytest.approx(-100 / 3)
    # complexity 10, 10, 11, 12: slope 0.7, 9.7 to 11.8; rising complexity is worse.
    complexity = trends["COMPLEXITY"]
    assert complexity["higherIsBetter"] is False
    assert complexity["changePct"] == pytest.approx(2.1 / 9.7 * 100)
    assert complexity["direction"] == "DEGRADING"
    # coverage 0.80, 0.80, 0.78, 0.76: slope -0.014, 0.806 to 0.764.
    assert trends["COVERAGE"]["changePct"] == pytest.approx(-0.042 / 0.806 * 100)
    # pass rates 90, 100, 100, 100: slope 3, 93 to 102 (a fitted value may pass 100).
    rate = trends["TEST_PASS_RATE"]
    assert (rate["first"], rate["last"]) == (pytest.approx(93.0), pytest.approx(102.0))
    assert rate["direction"] == "IMPROVING"
    assert trends["TYPE_SCORE"]["changePct"] == pytest.approx(60.0)
    assert trends["TYPE_SCORE"]["direction"] == "IMPROVING"
    assert trends["SECURITY_SCORE"]["changePct"] == 0
    assert trends["SECURITY_SCORE"]["direction"] == "STABLE"


def test_a_wider_window_takes_the_older_run(gql: GraphQLClient, project: str) -> None:
    trends = by_metric(gql(TRENDS, p=project, days=60)["data"]["qualityTrends"])
    assert len(trends["LINT_SCORE"]["points"]) == 5
    assert trends["LINT_SCORE"]["direction"] == "IMPROVING"  # from 0 thirty days earlier


def test_alerts_follow_the_bands_and_each_metric_direction(
    gql: GraphQLClient, project: str
) -> None:
    alerts = gql(ALERTS, p=project)["data"]["qualityAlerts"]
    assert [(a["metric"], a["severity"]) for a in alerts] == [
        ("BUILD_SUCCESS", "CRITICAL"),  # 33.3 % worse
        ("LINT_SCORE", "CRITICAL"),  # 27.6 %
        ("COMPLEXITY", "WARNING"),  # 21.6 % higher
        ("COVERAGE", "INFO"),  # 5.2 %
    ]
    assert alerts[1]["degradationPct"] == pytest.approx(24 / 87 * 100)
    assert alerts[2]["changePct"] == pytest.approx(2.1 / 9.7 * 100)
    assert alerts[2]["degradationPct"] == alerts[2]["changePct"]
    assert "lint score degraded 27.6%" in alerts[1]["message"]
    # The threshold moves the lowest band: at 6 % coverage's 5.2 % is no alert; at 22 % only
    # the critical ones remain.
    raised = gql(ALERTS, p=project, t=6.0)["data"]["qualityAlerts"]
    assert [a["metric"] for a in raised] == ["BUILD_SUCCESS", "LINT_SCORE", "COMPLEXITY"]
    raised = gql(ALERTS, p=project, t=22.0)["data"]["qualityAlerts"]
    assert [a["severity"] for a in raised] == ["CRITICAL", "CRITICAL"]
    raised = gql(ALERTS, p=project, t=0.0)["data"]["qualityAlerts"]
    assert len(raised) == 4  # improving and stable metrics never alert


def test_command_statistics_slowest_first(gql: GraphQLClient, project: str) -> None:
    commands = gql(COMMANDS, p=project)["data"]["qualityCommands"]
    assert commands == [
        # durations 10, 12, 30; the failed build is not a success; p95 = 12 + 0.9 * 18.
        {
            "command": "pytest",
            "runs": 3,
            "successRate": pytest.approx(2 / 3),
            "meanSeconds": pytest.approx(52 / 3),
            "p95Seconds": pytest.approx(28.2),
        },
        # ten failed tests: not a success
        {"command": "ruff", "runs": 1, "successRate": 0.0, "meanSeconds": 1.0, "p95Seconds": 1.0},
    ]


def test_record_one_run_with_its_session(gql: GraphQLClient) -> None:
    project = make_project(gql, "one")
    session = make_session(gql, project)
    body = gql(
        RECORD,
        input={
            "projectId": project,
            "sessionId": session,
            "command": "mypy",
            "lintScore": 99.5,
            "coverage": 1,
            "buildStatus": "PASSED",
            "testsPassed": 3,
            "testsFailed": 0,
            "durationSeconds": 2.5,
        },
    )["data"]["recordQualityRun"]
    assert body["__typename"] == "RecordQualityRunPayload", body
    run = body["run"]
    assert (run["projectId"], run["sessionId"], run["command"]) == (project, session, "mypy")
    assert (run["lintScore"], run["coverage"], run["buildStatus"]) == (99.5, 1.0, "PASSED")
    found = gql(
        "query($id: ID!) { node(id: $id) { __typename ... on QualityRun { command } } }",
        id=run["id"],
    )
    assert found["data"]["node"] == {"__typename": "QualityRun", "command": "mypy"}
    assert gql(COMMANDS, p=project)["data"]["qualityCommands"][0]["runs"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lintScore": 100.5}, "lintScore"),
        ({"securityScore": -1}, "securityScore"),
        ({"typeScore": 101}, "typeScore"),
        ({"coverage": 1.01}, "coverage"),
        ({"coverage": -0.1}, "coverage"),
        ({"complexity": -3}, "complexity"),
        ({"testsFailed": -1}, "testsFailed"),
        ({"durationSeconds": -0.5}, "durationSeconds"),
        ({"command": "  "}, "command"),
        ({"command": "x" * 201}, "command"),
        ({"at": "1969-12-31T23:59:59+00:00"}, "at"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at"),
        ({"at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "at"),
    ],
)
def test_out_of_range_figures_are_refused(
    gql: GraphQLClient, change: dict[str, Any], field: str
) -> None:
    project = make_project(gql, "bad")
    run = {"projectId": project, "command": "ruff", "lintScore": 50, **change}
    body = gql(RECORD, input=run)["data"]["recordQualityRun"]
    assert body["__typename"] == "ValidationError"
    assert body["field"] == field
    assert gql(COMMANDS, p=project)["data"]["qualityCommands"] == []


def test_a_batch_with_one_bad_run_stores_nothing(gql: GraphQLClient) -> None:
    project = make_project(gql, "batch")
    runs = [{"projectId": project, "command": "ruff", "coverage": 0.5} for _ in range(3)]
    runs[1]["coverage"] = 1.5
    body = gql(RECORD_MANY, runs=runs)["data"]["recordQualityRuns"]
    assert body == {
        "__typename": "ValidationError",
        "field": "runs[1].coverage",
        "message": "must be in 0..1 (got 1.5)",
    }
    assert gql(COMMANDS, p=project)["data"]["qualityCommands"] == []
    empty = gql(RECORD_MANY, runs=[])["data"]["recordQualityRuns"]
    assert empty["__typename"] == "ValidationError"


def test_unknown_projects_and_foreign_sessions_are_not_found(gql: GraphQLClient) -> None:
    project = make_project(gql, "mine")
    other = make_project(gql, "other")
    foreign = make_session(gql, other)
    missing = new_id("Project")  # never stored
    body = gql(RECORD, input={"projectId": project, "sessionId": foreign, "command": "ruff"})
    assert body["data"]["recordQualityRun"]["__typename"] == "NotFoundError"
    runs = [
        {"projectId": project, "command": "ruff"},
        {"projectId": other, "command": "ruff"},
        {"projectId": project, "sessionId": foreign, "command": "ruff"},
    ]
    body = gql(RECORD_MANY, runs=runs)["data"]["recordQualityRuns"]
    assert body["__typename"] == "NotFoundError"
    assert body["id"] == foreign
    assert gql(COMMANDS, p=project)["data"]["qualityCommands"] == []
    body = gql(RECORD, input={"projectId": project, "command": "ruff", "sessionId": project})
    assert body["data"]["recordQualityRun"]["field"] == "sessionId"
    (error,) = gql(TRENDS, p=missing)["errors"]
    assert error["message"] == f"project {missing} not found"
    assert error["extensions"] == {"code": "NOT_FOUND", "id": missing}
    body = gql(RECORD, input={"projectId": missing, "command": "ruff"})["data"]
    assert body["recordQualityRun"] == {
        "__typename": "NotFoundError",
        "id": missing,
        "message": f"project {missing} not found",
    }


def test_bad_read_arguments_are_errors(gql: GraphQLClient, project: str) -> None:
    (error,) = gql(TRENDS, p=project, days=0)["errors"]
    assert error["message"] == "days: must be in 1..3650 (got 0)"
    assert error["extensions"] == {"code": "VALIDATION", "field": "days"}
    assert "threshold" in gql(ALERTS, p=project, t=-1.0)["errors"][0]["message"]
    assert "threshold" in gql(ALERTS, p=project, t=100.5)["errors"][0]["message"]
    assert "not a Project id" in gql(COMMANDS, p="nonsense")["errors"][0]["message"]
    bad_enum = gql(RECORD, input={"projectId": project, "command": "x", "buildStatus": "OK"})
    assert bad_enum["errors"]


def test_a_large_batch_is_written_whole(gql: GraphQLClient) -> None:
    project = make_project(gql, "large")
    session = make_session(gql, project)
    count = COPY_MIN + 50
    runs = [
        {
            "projectId": project,
            "command": f"cmd{i % 3}",
            "at": at(i / count),
            "lintScore": 100 - i / count * 40,
            "durationSeconds": float(i % 3),
            "sessionId": session if i % 2 else None,
        }
        for i in range(count)
    ]
    body = gql(RECORD_MANY, runs=runs)["data"]["recordQualityRuns"]
    assert body["count"] == count
    assert sum(r["sessionId"] == session for r in body["runs"]) == count // 2
    commands = gql(COMMANDS, p=project)["data"]["qualityCommands"]
    assert [c["command"] for c in commands] == ["cmd2", "cmd1", "cmd0"]
    assert sum(c["runs"] for c in commands) == count
    lint = by_metric(gql(TRENDS, p=project)["data"]["qualityTrends"])["LINT_SCORE"]
    assert lint["changePct"] == pytest.approx((60 + 40 / count - 100) / 100 * 100, rel=1e-3)


def test_api_keys_scope_quality_runs(settings: Any, embedder: Any) -> None:
    from starlette.testclient import TestClient

    from kgservice.api.app import create_app
    from kgservice.api.auth import hash_secret, new_secret
    from kgservice.settings import ApiKeyEntry

    writer, reader, team = new_secret(), new_secret(), new_secret()
    keys = [
        ApiKeyEntry(name="w", sha256=hash_secret(writer), scope="write"),
        ApiKeyEntry(name="r", sha256=hash_secret(reader), scope="read"),
        ApiKeyEntry(name="t", sha256=hash_secret(team), scope="write", namespaces=["a"]),
    ]
    with TestClient(
        create_app(settings.model_copy(update={"api_keys": keys}), embedder=embedder)
    ) as http:

        def post(secret: str, query: str, **variables: Any) -> dict[str, Any]:
            response = http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"X-API-Key": secret},
            )
            return dict(response.json())

        made = post(
            writer,
            'mutation { createProject(input: {name: "b", namespace: "b"}) '
            "{ ... on CreateProjectPayload { project { id } } } }",
        )
        project = made["data"]["createProject"]["project"]["id"]
        run = {"projectId": project, "command": "ruff", "lintScore": 50}
        refused = post(team, RECORD, input=run)["errors"][0]["message"]
        assert refused == f"API key 't' may not use node {project}"
        assert "may not use node" in post(team, TRENDS, p=project)["errors"][0]["message"]
        assert post(reader, RECORD, input=run)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        done = post(writer, RECORD, input=run)["data"]["recordQualityRun"]
        assert done["__typename"] == "RecordQualityRunPayload"
        assert len(post(reader, TRENDS, p=project)["data"]["qualityTrends"]) == 1
