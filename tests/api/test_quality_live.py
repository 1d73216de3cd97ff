"""``qualityAlertsLive`` over graphql-transport-ws through the ASGI app."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import make_project

RECORD_MANY = """mutation($runs: [RecordQualityRunInput!]!) { recordQualityRuns(input: {runs: $runs}) {
  __typename ... on RecordQualityRunsPayload { count } } }"""
LIVE = """subscription($p: ID!, $t: Float) {
  qualityAlertsLive(projectId: $p, threshold: $t, includeCurrent: true) {
    metric severity changePct } }"""
START = datetime.now(UTC) - timedelta(days=20)


def runs(
    project: str, scores: list[float], first_day: int, metric: str = "typeScore"
) -> list[dict[str, Any]]:
    return [
        {
            "projectId": project,
            "command": "mypy",
            metric: score,
            "at": (START + timedelta(days=first_day + i)).isoformat(),
        }
        for i, score in enumerate(scores)
    ]


def test_new_and_escalated_alerts_are_pushed(http: TestClient, gql: GraphQLClient) -> None:
    project = make_project(gql)
    gql(RECORD_MANY, runs=runs(project, [80, 80], 0))  # flat
    gql(RECORD_MANY, runs=runs(project, [100, 90], 0, "lintScore"))  # 10 % worse: INFO
    hub = http.app.state.services.quality.changes  # type: ignore[attr-defined]
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        payload = {"query": LIVE, "variables": {"p": project}}
        socket.send_json({"id": "1", "type": "subscribe", "payload": payload})
        current = socket.receive_json()["payload"]["data"]["qualityAlertsLive"]
        assert (current["metric"], current["severity"]) == ("LINT_SCORE", "INFO")
        assert hub.subscriber_count(project) == 1
        # 80 80 72: fit 81.33 -> 73.33, 9.8 % worse: INFO
        gql(RECORD_MANY, runs=runs(project, [72], 2))
        first = socket.receive_json()
        assert first["type"] == "next"
        assert first["payload"]["data"]["qualityAlertsLive"] == {
            "metric": "TYPE_SCORE",
            "severity": "INFO",
            "changePct": pytest.approx(-8 / (244 / 3) * 100),
        }
        # 80 80 72 50: slope -9.8, 85.2 -> 55.8, 34.5 % worse: CRITICAL
        gql(RECORD_MANY, runs=runs(project, [50], 3))
        second = socket.receive_json()["payload"]["data"]["qualityAlertsLive"]
        assert second["metric"] == "TYPE_SCORE"
        assert second["severity"] == "CRITICAL"
        assert second["changePct"] == pytest.approx(-29.4 / 85.2 * 100)
        socket.send_json({"id": "1", "type": "complete"})
        socket.send_json({"type": "ping"})
        assert socket.receive_json()["type"] == "pong"
    deadline = time.monotonic() + 30
    while hub.subscriber_count() > 0:  # a finished subscription leaves the hub
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_bad_arguments_end_the_subscription_with_an_error(
    http: TestClient, gql: GraphQLClient
) -> None:
    project = make_project(gql)
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        payload = {"query": LIVE, "variables": {"p": project, "t": -1.0}}
        socket.send_json({"id": "1", "type": "subscribe", "payload": payload})
        message = socket.receive_json()
    assert message["type"] == "next"
    (error,) = message["payload"]["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "threshold"}
    assert http.app.state.services.quality.changes.subscriber_count() == 0  # type: ignore[attr-defined]
