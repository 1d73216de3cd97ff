"""skillMetricsLive over graphql-transport-ws through the ASGI app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.api.conftest import GraphQLClient
from tests.api.test_skills import record

LIVE = """subscription { skillMetricsLive(intervalSeconds: 1, skills: ["pytest"]) { at skills {
  skill lastHour { invocations completed completionRate durationP50Ms }
  lastDay { invocations completed } } } }"""


def recent(minutes: float, completed: bool, duration: float) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    return {"skill": "pytest", "at": at.isoformat(), "completed": completed, "durationMs": duration}


def test_numbers_move_as_invocations_are_recorded(http: TestClient, gql: GraphQLClient) -> None:
    record(gql, [recent(30, True, 100.0), recent(300, False, 300.0)])
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": LIVE}})
        first = socket.receive_json()
        assert first["type"] == "next", first
        (figures,) = first["payload"]["data"]["skillMetricsLive"]["skills"]
        assert figures == {
            "skill": "pytest",
            "lastHour": {
                "invocations": 1,
                "completed": 1,
                "completionRate": 1.0,
                "durationP50Ms": 100.0,
            },
            "lastDay": {"invocations": 2, "completed": 1},
        }
        record(gql, [recent(1, False, 500.0), recent(2, True, 300.0)])
        second = socket.receive_json()["payload"]["data"]["skillMetricsLive"]["skills"][0]
        assert second["lastHour"] == {
            "invocations": 3, "completed": 2, "completionRate": 2 / 3, "durationP50Ms": 300.0
        }  # fmt: skip
        assert second["lastDay"] == {"invocations": 4, "completed": 2}
        socket.send_json({"id": "1", "type": "complete"})


def test_unknown_skill_and_bad_interval_are_errors(http: TestClient, gql: GraphQLClient) -> None:
    record(gql, [recent(30, True, 100.0)])
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        socket.receive_json()
        for number, query in enumerate(
            [
                'subscription { skillMetricsLive(skills: ["nope"]) { at } }',
                "subscription { skillMetricsLive(intervalSeconds: 0) { at } }",
            ]
        ):
            socket.send_json({"id": str(number), "type": "subscribe", "payload": {"query": query}})
            message = socket.receive_json()
            assert message["type"] == "next", message
            assert message["payload"]["data"] is None
            code = message["payload"]["errors"][0]["extensions"]["code"]
            assert code == ("NOT_FOUND" if number == 0 else "VALIDATION")
            assert socket.receive_json() == {"id": str(number), "type": "complete"}
