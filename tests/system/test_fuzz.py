"""Fuzzing: schemathesis generates GraphQL operations against the live server.

Every query and mutation field gets the same number of generated operations (env
``KGTEST_FUZZ_EXAMPLES``, default 25), and the test fails unless every one was fuzzed.
The server must never answer 5xx nor mask an unexpected error, and its log must hold no
traceback. Hostile JSON (deep nesting, huge numbers, long strings, invalid UTF-8, surrogate
escapes) goes through every JSON argument of a live server too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck

from tests.api.test_injection import hostile_json_everywhere
from tests.system.live_server import LiveServer

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("KGTEST_FUZZ_EXAMPLES", "25"))


def check_answer(response: Any, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:500]}"
    body = response.json()
    for error in body.get("errors") or []:
        assert error.get("message") != "Unexpected error.", f"{label}: {body}"


def fuzz_test(operation: Any, session: requests.Session) -> Any:
    """A bounded hypothesis test of one operation."""

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        check_answer(case.call(session=session), operation.label)

    return fuzz


@pytest.mark.timeout(1200)
def test_generated_operations_never_fail_the_server(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data", tmp_path / "server.log")
    server.start()
    started = time.monotonic()
    fuzzed: list[str] = []
    try:
        schema = schemathesis.graphql.from_url(server.url)
        operations = [result.ok() for result in schema.get_all_operations()]
        with requests.Session() as session:
            for operation in operations:
                fuzz_test(operation, session)()
                fuzzed.append(operation.label)
        assert server.gql("{ version { schema } }")["data"]["version"]["schema"] >= 1
        assert server.stop() == 0
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    log = server.log_text()
    assert "Traceback" not in log, log[-5000:]
    root_fields = server_root_fields(schema)
    assert len(fuzzed) == len(operations) == len(root_fields), sorted(
        set(root_fields) - {label.split(".")[-1] for label in fuzzed}
    )
    print(
        f"fuzzed {len(fuzzed)} operations x {EXAMPLES} examples in {time.monotonic() - started:.0f} s"
    )


def server_root_fields(schema: Any) -> list[str]:
    """Every query and mutation field the server's schema has (what must be fuzzed)."""
    client = schema.client_schema
    return [
        name
        for root in (client.query_type, client.mutation_type)
        if root is not None
        for name in root.fields
    ]


def test_hostile_json_never_fails_the_server(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "data", tmp_path / "server.log")
    server.start()
    try:
        base = server.url.removesuffix("/graphql")
        with httpx.Client(base_url=base, timeout=60) as http:
            calls = hostile_json_everywhere(http)
        assert server.gql("{ version { schema } }")["data"]["version"]["schema"] >= 1
        assert server.stop() == 0
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    log = server.log_text()
    assert "Traceback" not in log, log[-5000:]
    assert calls > 50
