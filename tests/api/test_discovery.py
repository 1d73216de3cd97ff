"""Discovery through GraphQL: startDiscovery, job progress, candidates and review."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.embedding import Embedder
from kgservice.services.discovery.job import DiscoveryParameters, find_proposals
from kgservice.services.registry import Services
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores
from tests.api.conftest import GraphQLClient
from tests.knowledge_seed import seed_world

START = """mutation($input: StartDiscoveryInput!) { startDiscovery(input: $input) { __typename
  ... on StartDiscoveryPayload { job { id kind status progress } }
  ... on ValidationError { field message } } }"""
JOB = """query($id: ID!) { job(id: $id) { id status progress counts errors parameters } }"""
CANDIDATES = """query($job: ID!, $status: RelationStatus, $first: Int, $after: String) {
  relationCandidates(jobId: $job, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id fromId toId type score confidence method evidence status jobId } } } }"""
REVIEW = """mutation($id: ID!, $decision: ReviewDecision!) {
  reviewRelation(input: {id: $id, decision: $decision}) { __typename
  ... on RelationPayload { relation { id status } } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No backfill thread on start: its reads would stall the seeding COPY's checkpoint."""
    return settings.model_copy(update={"backfill_on_start": False})


@pytest.fixture
def world(http: TestClient) -> dict[str, str]:
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    return seed_world(services.stores.graph, services.index)


def start(gql: GraphQLClient, **options: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql(START, input=options)["data"]["startDiscovery"]
    return result


def finished_job(gql: GraphQLClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = gql(JOB, id=job_id)["data"]["job"]
        if job["status"] in {"SUCCEEDED", "FAILED", "CANCELLED"}:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def candidates(gql: GraphQLClient, job_id: str, **args: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = gql(CANDIDATES, job=job_id, first=3, after=after, **args)["data"]
        connection = page["relationCandidates"]
        found.extend(edge["node"] for edge in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


def test_discovery_proposes_then_review_decides(gql: GraphQLClient, world: dict[str, str]) -> None:
    started = start(gql)
    assert started["__typename"] == "StartDiscoveryPayload"
    assert started["job"]["kind"] == "discovery"
    job = finished_job(gql, started["job"]["id"])
    assert job["status"] == "SUCCEEDED", job["errors"]
    assert job["progress"] == 1.0
    found = candidates(gql, job["id"])
    assert len(found) == job["counts"]["written"] > 0
    scores = [c["score"] for c in found]
    assert scores == sorted(scores, reverse=True)
    assert all(c["status"] == "PROPOSED" and c["jobId"] == job["id"] for c in found)
    pairs = {(c["fromId"], c["toId"]): c for c in found}
    assert pairs[(world["webapp"], world["fastapi"])]["type"] == "USES"

    accepted, rejected = found[0], found[1]
    assert gql(REVIEW, id=accepted["id"], decision="ACCEPT")["data"]["reviewRelation"][
        "relation"
    ] == {"id": accepted["id"], "status": "ACCEPTED"}
    gql(REVIEW, id=rejected["id"], decision="REJECT")
    assert len(candidates(gql, job["id"])) == len(found) - 2
    assert [c["id"] for c in candidates(gql, job["id"], status="REJECTED")] == [rejected["id"]]

    rerun = finished_job(gql, start(gql)["job"]["id"])
    again = candidates(gql, rerun["id"])
    old_pairs = {frozenset((c["fromId"], c["toId"])) for c in found}
    assert not {frozenset((c["fromId"], c["toId"])) for c in again} & old_pairs


def test_dry_run_counts_and_writes_nothing(gql: GraphQLClient, world: dict[str, str]) -> None:
    job = finished_job(gql, start(gql, dryRun=True)["job"]["id"])
    assert job["status"] == "SUCCEEDED"
    assert job["counts"]["proposed"] > 0
    assert job["counts"]["written"] == 0
    assert candidates(gql, job["id"]) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"threshold": 1.5}, "threshold"),
        ({"methods": ["telepathy"]}, "methods"),
        ({"kinds": ["Bad Kind"]}, "kinds"),
        ({"maxPerEntity": 0}, "maxPerEntity"),
    ],
)
def test_bad_input_is_a_typed_error(
    gql: GraphQLClient, world: dict[str, str], options: dict[str, Any], field: str
) -> None:
    result = start(gql, **options)
    assert result["__typename"] == "ValidationError"
    assert result["field"] == field


def test_job_progress_subscription_reports_until_the_end(
    http: TestClient, gql: GraphQLClient, world: dict[str, str]
) -> None:
    job_id = start(gql)["job"]["id"]
    query = f'subscription {{ jobProgress(id: "{job_id}") {{ status progress }} }}'
    updates = []
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        while True:
            message = socket.receive_json()
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            updates.append(message["payload"]["data"]["jobProgress"])
    assert updates
    assert updates[-1] == {"status": "SUCCEEDED", "progress": 1.0}
    progress = [u["progress"] for u in updates]
    assert progress == sorted(progress)


def test_a_job_left_running_resumes_when_the_service_starts(
    settings: Settings, embedder: Embedder
) -> None:
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        seed_world(stores.graph, services.index)
        expected, _ = find_proposals(stores.graph, stores.vectors, DiscoveryParameters.checked())
        job = services.jobs.create("discovery", DiscoveryParameters.checked().as_json(), "default")
        services.discovery.batch_size = 2
        stop = threading.Event()
        services.jobs.run(job.id, stop, lambda progress, counts: stop.set())  # "killed"
        assert services.jobs.require(job.id).status == "running"
    with TestClient(create_app(settings, embedder=embedder)) as http:
        gql = GraphQLClient(http)
        finished = finished_job(gql, job.id)
        assert finished["status"] == "SUCCEEDED"
        found = candidates(gql, job.id)
    assert finished["counts"]["written"] == len(found) == len(expected)
    assert {(c["fromId"], c["toId"]) for c in found} == {(p.from_id, p.to_id) for p in expected}


def test_written_candidates_are_the_computed_proposals(
    http: TestClient, gql: GraphQLClient, world: dict[str, str]
) -> None:
    """The bulk write keeps every field: ends, type, score, confidence, method, evidence."""
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    expected, _ = find_proposals(
        services.stores.graph, services.stores.vectors, DiscoveryParameters.checked()
    )
    job = finished_job(gql, start(gql)["job"]["id"])
    assert job["status"] == "SUCCEEDED", job["errors"]
    written = {
        (c["fromId"], c["toId"]): (
            c["type"].lower(),
            c["score"],
            c["confidence"],
            c["method"],
            c["evidence"],
            c["status"],
            c["jobId"],
        )
        for c in candidates(gql, job["id"])
    }
    assert written == {
        (p.from_id, p.to_id): (
            p.type,
            p.score,
            p.confidence,
            p.method,
            p.evidence,
            "PROPOSED",
            job["id"],
        )
        for p in expected
    }
