"""A running server: live quality alerts over a real websocket, and ``curl /metrics``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from tests.system.live_server import LiveServer

pytestmark = pytest.mark.slow

PROJECT = """mutation { createProject(input: {name: "live"}) {
  ... on CreateProjectPayload { project { id } } } }"""
RECORD_MANY = """mutation($runs: [RecordQualityRunInput!]!) { recordQualityRuns(input: {runs: $runs}) {
  __typename ... on RecordQualityRunsPayload { count } } }"""
LIVE = """subscription($p: ID!) { qualityAlertsLive(projectId: $p) {
  metric severity degradationPct message } }"""
#: Lint scores a day apart: flat, then falling ever faster.
LINT = [90, 90, 90, 89, 87, 84, 80, 75, 69, 62, 54, 45, 35, 24]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "data", tmp_path / "server.log")
    live.start()
    try:
        yield live
    finally:
        live.stop()


def metrics(server: LiveServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def active_subscriptions(server: LiveServer) -> float:
    return metrics(server)[("kgservice_websocket_subscriptions_active", ())]


def wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_degrading_series_raises_a_live_critical_alert(server: LiveServer) -> None:
    project = server.gql(PROJECT)["data"]["createProject"]["project"]["id"]
    start = datetime.now(UTC) - timedelta(days=len(LINT))
    url = f"ws://127.0.0.1:{server.port}/graphql"
    received: list[dict[str, Any]] = []
    with connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(socket.recv(timeout=30))["type"] == "connection_ack"
        subscribe = {"query": LIVE, "variables": {"p": project}}
        socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        wait_for(lambda: active_subscriptions(server) == 1)
        for day, score in enumerate(LINT):
            run = {
                "projectId": project,
                "command": "ruff",
                "lintScore": score,
                "at": (start + timedelta(days=day)).isoformat(),
            }
            body = server.gql(RECORD_MANY, runs=[run])
            assert body["data"]["recordQualityRuns"]["count"] == 1
            try:
                while True:
                    message = json.loads(socket.recv(timeout=1.5))
                    assert message["type"] == "next", message
                    received.append(message["payload"]["data"]["qualityAlertsLive"])
            except TimeoutError:
                pass
            if any(a["severity"] == "CRITICAL" for a in received):
                break
        assert [a["metric"] for a in received] == ["LINT_SCORE"] * len(received)
        critical = [a for a in received if a["severity"] == "CRITICAL"]
        assert critical, received
        assert critical[0]["degradationPct"] > 25
        assert critical[0]["message"].startswith("lint score degraded")
        # each severity is pushed once, as it is reached
        severities = [a["severity"] for a in received]
        assert len(severities) == len(set(severities))
    wait_for(lambda: active_subscriptions(server) == 0)  # the closed socket ended its work


def test_curl_metrics_parses_and_moves_with_traffic(server: LiveServer) -> None:
    before = metrics(server)
    key = ("kgservice_graphql_requests_total", (("operation", "query"), ("outcome", "success")))
    for _ in range(3):
        assert server.gql("{ version { schema } }")["data"]["version"]["schema"] >= 1
    server.gql("{ version { nope } }")
    after = metrics(server)
    assert after[key] - before.get(key, 0.0) == 3
    errors = ("kgservice_graphql_errors_total", (("code", "GRAPHQL_VALIDATION"),))
    assert after[errors] - before.get(errors, 0.0) == 1
    latency = ("kgservice_graphql_request_duration_seconds_count", (("operation", "query"),))
    assert after[latency] - before.get(latency, 0.0) == 4
    assert after[("kgservice_graph_nodes", (("table", "Project"),))] >= 0
    assert ("kgservice_vector_coverage_ratio", ()) in after
