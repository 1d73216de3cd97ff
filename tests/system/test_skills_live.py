"""skillMetricsLive on a running server: a real websocket sees the numbers move."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.system.live_server import LiveServer

pytestmark = pytest.mark.slow

RECORD = """mutation($input: RecordSkillInvocationsInput!) { recordSkillInvocations(input: $input) {
  ... on RecordSkillInvocationsPayload { recorded } } }"""
LIVE = """subscription { skillMetricsLive(intervalSeconds: 1) { skills {
  skill lastHour { invocations completed } } } }"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "data", tmp_path / "server.log")
    live.start()
    try:
        yield live
    finally:
        live.stop()


def invocations(count: int, completed: bool) -> list[dict[str, Any]]:
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return [{"skill": "ruff", "at": at, "completed": completed} for _ in range(count)]


def test_a_subscriber_sees_invocations_recorded_meanwhile(server: LiveServer) -> None:
    recorded = server.gql(RECORD, input={"invocations": invocations(3, True)})
    assert recorded["data"]["recordSkillInvocations"] == {"recorded": 3}
    url = f"ws://127.0.0.1:{server.port}/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30) as socket:  # type: ignore[list-item]
        socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(socket.recv(timeout=30))["type"] == "connection_ack"
        socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LIVE}}))
        first = json.loads(socket.recv(timeout=30))["payload"]["data"]["skillMetricsLive"]
        assert first["skills"] == [
            {"skill": "ruff", "lastHour": {"invocations": 3, "completed": 3}}
        ]
        server.gql(RECORD, input={"invocations": invocations(2, False)})
        seen = []
        for _ in range(5):  # the next snapshots, one a second
            message = json.loads(socket.recv(timeout=30))
            seen.append(message["payload"]["data"]["skillMetricsLive"]["skills"][0]["lastHour"])
            if seen[-1]["invocations"] == 5:
                break
        assert seen[-1] == {"invocations": 5, "completed": 3}
    # the closed socket ended the subscription; the server still answers
    assert server.gql("{ health { ok } }")["data"]["health"]["ok"] is True
