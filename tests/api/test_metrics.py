"""``GET /metrics``: Prometheus text that parses, moves with traffic, and who may read it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.api.auth import hash_secret, new_secret
from kgservice.embedding import Embedder
from kgservice.settings import ApiKeyEntry, Settings
from tests.api.conftest import GraphQLClient
from tests.api.test_sessions import make_project

LOOPBACK = ("127.0.0.1", 50000)
RECORD_MANY = """mutation($runs: [RecordQualityRunInput!]!) { recordQualityRuns(input: {runs: $runs}) {
  __typename ... on RecordQualityRunsPayload { count } } }"""


@pytest.fixture
def local(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(settings, embedder=embedder), client=LOOPBACK) as client:
        yield client


def scrape(
    http: TestClient, **headers: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and labels."""
    response = http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_move_with_traffic(local: TestClient) -> None:
    gql = GraphQLClient(local)
    before = scrape(local)
    gql("{ version { schema } }")
    gql("{ version { schema } }")
    make_project(gql)
    gql('{ qualityTrends(projectId: "nonsense") { metric } }')  # a VALIDATION error
    gql("{ version { nope } }")  # fails validation
    after = scrape(local)
    requests = "kgservice_graphql_requests_total"
    assert (
        value(after, requests, operation="query", outcome="success")
        - value(before, requests, operation="query", outcome="success")
        == 2
    )
    assert value(after, requests, operation="mutation", outcome="success") == 1
    assert value(after, requests, operation="query", outcome="error") == 2
    errors = "kgservice_graphql_errors_total"
    assert value(after, errors, code="VALIDATION") == 1
    assert value(after, errors, code="GRAPHQL_VALIDATION") == 1
    count = "kgservice_graphql_request_duration_seconds_count"
    assert value(after, count, operation="query") == value(before, count, operation="query") + 4
    assert (
        value(
            after,
            "kgservice_graphql_request_duration_seconds_bucket",
            operation="mutation",
            le="+Inf",
        )
        == 1
    )


def test_store_figures_come_from_the_background_snapshot(local: TestClient) -> None:
    gql = GraphQLClient(local)
    figures = local.app.state.figures  # type: ignore[attr-defined]
    while figures.latest is None:  # the first snapshot, taken on start
        time.sleep(0.01)
    project = make_project(gql)
    runs = [{"projectId": project, "command": "ruff", "lintScore": 90} for _ in range(3)]
    assert gql(RECORD_MANY, runs=runs)["data"]["recordQualityRuns"]["count"] == 3
    stale = scrape(local)
    assert value(stale, "kgservice_graph_nodes", table="QualityRun") == 0  # not recounted
    figures.refresh()
    fresh = scrape(local)
    assert value(fresh, "kgservice_graph_nodes", table="QualityRun") == 3
    assert value(fresh, "kgservice_graph_nodes", table="Project") == 1
    assert value(fresh, "kgservice_graph_relationships", table="IN_PROJECT") == 3
    assert value(fresh, "kgservice_skill_invocations") == 0
    assert value(fresh, "kgservice_vector_coverage_ratio") == 1.0
    assert value(fresh, "kgservice_store_size_bytes", store="graph") > 0
    assert value(fresh, "kgservice_store_size_bytes", store="vectors") > 0
    assert ("kgservice_store_figures_age_seconds", ()) in fresh


def test_websocket_subscriptions_are_counted_while_open(local: TestClient) -> None:
    gql = GraphQLClient(local)
    project = make_project(gql)
    gauge = "kgservice_websocket_subscriptions_active"
    query = f'subscription {{ qualityAlertsLive(projectId: "{project}") {{ severity }} }}'
    with local.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        socket.send_json({"type": "ping"})
        assert socket.receive_json()["type"] == "pong"
        assert value(scrape(local), gauge) == 1
        socket.send_json({"id": "1", "type": "complete"})
        socket.send_json({"type": "ping"})
        assert socket.receive_json()["type"] == "pong"
    for _ in range(100):
        if value(scrape(local), gauge) == 0:
            break
    assert value(scrape(local), gauge) == 0
    services = local.app.state.services  # type: ignore[attr-defined]
    assert services.quality.changes.subscriber_count() == 0


def test_each_app_has_its_own_registry(
    local: TestClient, settings: Settings, embedder: Embedder, tmp_path: Any
) -> None:
    other_settings = settings.model_copy(update={"data_dir": tmp_path / "other"})
    with TestClient(create_app(other_settings, embedder=embedder), client=LOOPBACK) as other:
        GraphQLClient(local)("{ version { schema } }")
        samples = scrape(other)
        assert (
            value(samples, "kgservice_graphql_requests_total", operation="query", outcome="success")
            == 0
        )


def test_only_loopback_clients_may_scrape_without_keys(
    settings: Settings, embedder: Embedder
) -> None:
    with TestClient(create_app(settings, embedder=embedder), client=("10.1.2.3", 4000)) as http:
        response = http.get("/metrics")
    assert response.status_code == 403
    assert "loopback" in response.json()["error"]


def test_with_keys_a_scrape_needs_one_of_full_reach(settings: Settings, embedder: Embedder) -> None:
    reader, scoped = new_secret(), new_secret()
    keys = [
        ApiKeyEntry(name="reader", sha256=hash_secret(reader), scope="read"),
        ApiKeyEntry(name="team", sha256=hash_secret(scoped), scope="write", namespaces=["a"]),
    ]
    keyed = settings.model_copy(update={"api_keys": keys})
    with TestClient(create_app(keyed, embedder=embedder), client=LOOPBACK) as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/metrics", headers={"X-API-Key": "kg_wrong"}).status_code == 401
        assert http.get("/metrics", headers={"X-API-Key": scoped}).status_code == 403
        samples = scrape(http, authorization=f"Bearer {reader}")
        assert ("kgservice_websocket_subscriptions_active", ()) in samples
