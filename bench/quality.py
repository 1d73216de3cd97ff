"""Quality runs: batch write rate, and trend and alert latency over 20,000 runs of 50 projects.

Run: ``uv run kgservice bench quality``. The runs are written in batches of 2,000: 6,000
through the service (``record_many``), 6,000 through GraphQL (``recordQualityRuns``) on a
uvicorn server on loopback one request at a time, and 8,000 by two clients at once. Then
``qualityTrends``, ``qualityAlerts`` and ``qualityCommands`` are timed over HTTP and through
the service, each on a random project (400 runs in its 30-day window). Nothing is cached
between reads.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.common import latencies_ms, running_server, target
from kgservice.clock import utc_now
from kgservice.services.quality.runs import QualityRunInput
from kgservice.services.quality.service import QualityService
from kgservice.services.registry import Services
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder, open_stores

PROJECTS = 50
BATCH = 2_000
COMMANDS = ("ruff check", "mypy", "pytest", "bandit", "radon cc")
RECORD_MANY = """mutation($runs: [RecordQualityRunInput!]!) {
  recordQualityRuns(input: {runs: $runs}) {
    __typename ... on RecordQualityRunsPayload { count } } }"""
RECORD_ONE = """mutation($input: RecordQualityRunInput!) {
  recordQualityRun(input: $input) { __typename ... on RecordQualityRunPayload { run { id } } } }"""
TRENDS = (
    """query($p: ID!) { qualityTrends(projectId: $p) { metric first last changePct direction } }"""
)
TRENDS_POINTS = """query($p: ID!) { qualityTrends(projectId: $p) {
  metric first last changePct direction points { at value } } }"""
ALERTS = """query($p: ID!) { qualityAlerts(projectId: $p) { metric severity changePct message } }"""
COMMAND_STATS = """query($p: ID!) { qualityCommands(projectId: $p) {
  command runs successRate meanSeconds p95Seconds } }"""


def make_runs(rng: random.Random, projects: list[str], count: int) -> list[dict[str, Any]]:
    """Runs spread over the last 29 days, a slowly degrading project here and there."""
    now = utc_now()
    runs = []
    for _ in range(count):
        project = rng.randrange(len(projects))
        age = rng.uniform(0, 29)
        drift = (29 - age) * (project % 5) * 0.3
        runs.append(
            {
                "projectId": projects[project],
                "command": rng.choice(COMMANDS),
                "at": (now - timedelta(days=age)).isoformat(),
                "buildStatus": "PASSED" if rng.random() > 0.1 else "FAILED",
                "lintScore": max(0.0, min(100.0, rng.gauss(90 - drift, 3))),
                "securityScore": max(0.0, min(100.0, rng.gauss(95, 2))),
                "typeScore": max(0.0, min(100.0, rng.gauss(85 - drift / 2, 3))),
                "complexity": max(0.0, rng.gauss(8 + drift / 10, 1)),
                "testsPassed": rng.randint(180, 200),
                "testsFailed": rng.randint(0, 3),
                "coverage": max(0.0, min(1.0, rng.gauss(0.8, 0.02))),
                "durationSeconds": rng.expovariate(1 / 20),
            }
        )
    return runs


def as_input(run: dict[str, Any]) -> QualityRunInput:
    return QualityRunInput(
        project_id=run["projectId"],
        command=run["command"],
        at=datetime.fromisoformat(run["at"]),
        build_status=run["buildStatus"],
        lint_score=run["lintScore"],
        security_score=run["securityScore"],
        type_score=run["typeScore"],
        complexity=run["complexity"],
        tests_passed=run["testsPassed"],
        tests_failed=run["testsFailed"],
        coverage=run["coverage"],
        duration_seconds=run["durationSeconds"],
    )


def _service_writes(services: Services, rng: random.Random, count: int) -> dict[str, Any]:
    projects = [services.sessions.create_project(f"p{i}").id for i in range(PROJECTS)]
    batches = [[as_input(r) for r in make_runs(rng, projects, BATCH)] for _ in range(count)]
    start = time.perf_counter()
    for batch in batches:
        services.quality.record_many(batch)
    seconds = time.perf_counter() - start
    return {"projects": projects, "runs_per_s": round(count * BATCH / seconds)}


def _two_clients(url: str, bodies: list[list[dict[str, Any]]]) -> int:
    """Runs a second recorded with two clients posting batches at once (so one batch's
    GraphQL parsing overlaps the other's bulk load)."""

    def send(part: list[list[dict[str, Any]]]) -> None:
        with httpx.Client(timeout=120) as client:
            for runs in part:
                body = client.post(url, json={"query": RECORD_MANY, "variables": {"runs": runs}})
                assert body.json()["data"]["recordQualityRuns"]["count"] == BATCH

    threads = [threading.Thread(target=send, args=(bodies[i::2],)) for i in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(len(bodies) * BATCH / (time.perf_counter() - start))


def _http_figures(
    data_dir: Path,
    projects: list[str],
    rng: random.Random,
    batches: tuple[int, int],
    samples: int,
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    env = {"KG_BACKFILL_ON_START": "false"}
    server = running_server(data_dir, data_dir.parent / "server.log", env)
    with server as (url, _process), httpx.Client(timeout=120) as client:

        def post(query: str, **variables: Any) -> dict[str, Any]:
            body = client.post(url, json={"query": query, "variables": variables}).json()
            assert "errors" not in body, body
            return dict(body["data"])

        sequential = [make_runs(rng, projects, BATCH) for _ in range(batches[0])]
        start = time.perf_counter()
        for runs in sequential:
            assert post(RECORD_MANY, runs=runs)["recordQualityRuns"]["count"] == BATCH
        seconds = time.perf_counter() - start
        figures["record_batches_runs_per_s"] = round(len(sequential) * BATCH / seconds)
        figures["record_batches_2_clients_runs_per_s"] = _two_clients(
            url, [make_runs(rng, projects, BATCH) for _ in range(batches[1])]
        )
        singles = make_runs(rng, projects, 50)
        figures["record_one"] = latencies_ms(
            [partial(post, RECORD_ONE, input=run) for run in singles]
        )
        for name, query in (
            ("trends", TRENDS),
            ("trends_with_points", TRENDS_POINTS),
            ("alerts", ALERTS),
            ("commands", COMMAND_STATS),
        ):
            figures[name] = latencies_ms(
                [partial(post, query, p=rng.choice(projects)) for _ in range(samples)]
            )
    return figures


def _service_reads(
    quality: QualityService, projects: list[str], rng: random.Random, samples: int
) -> dict[str, Any]:
    return {
        "trends": latencies_ms(
            [partial(quality.trends, rng.choice(projects), 30) for _ in range(samples)]
        ),
        "alerts": latencies_ms(
            [partial(quality.alerts, rng.choice(projects), 30) for _ in range(samples)]
        ),
        "commands": latencies_ms(
            [partial(quality.commands, rng.choice(projects), 30) for _ in range(samples)]
        ),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Write 20,000 runs (8,000 quick) in batches, then time the reads."""
    rng = random.Random(16)
    # batches of 2,000 through the service, over HTTP one at a time, over HTTP two at once
    (service_batches, *http_batches), samples = ((1, 1, 2), 30) if quick else ((3, 3, 4), 200)
    total = (service_batches + sum(http_batches)) * BATCH
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        data_dir = Path(folder) / "data"
        settings = load_settings(data_dir=data_dir, backfill_on_start=False)
        embedder = load_embedder(settings)
        with open_stores(settings) as stores:
            services = Services.create(stores, embedder)
            written = _service_writes(services, rng, service_batches)
        projects = written.pop("projects")
        http = _http_figures(data_dir, projects, rng, (http_batches[0], http_batches[1]), samples)
        with open_stores(settings) as stores:
            service = _service_reads(QualityService(stores.graph), projects, rng, samples)
    return {
        "benchmark": "quality",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "runs": total + 50,
        "projects": PROJECTS,
        "figures": {
            "service_record_batches_runs_per_s": written["runs_per_s"],
            "http": http,
            "service": service,
        },
        "targets": {
            "http_record_batches_runs_per_s": target(
                http["record_batches_runs_per_s"], 2000, at_least=True
            ),
            "http_trends_p50_ms": target(http["trends"]["p50_ms"], 50, at_least=False),
            "http_alerts_p50_ms": target(http["alerts"]["p50_ms"], 50, at_least=False),
            "service_trends_p50_ms": target(service["trends"]["p50_ms"], 50, at_least=False),
            "service_alerts_p50_ms": target(service["alerts"]["p50_ms"], 50, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
