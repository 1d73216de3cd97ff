"""Imported skill invocations over GraphQL: importSessionBuddy with a skills.db, then
skillMetrics and node(legacyId) answer for them, and rollbackImport removes them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kgservice.embedding import Embedder
from kgservice.settings import Settings
from tests.api.conftest import GraphQLClient
from tests.imports_seed import LegacyInstall, build_install

IMPORT = """mutation($input: ImportSessionBuddyInput!) { importSessionBuddy(input: $input) {
  __typename ... on ImportSessionBuddyPayload { job { id } } ... on ValidationError { field } } }"""
ROLLBACK = """mutation($id: ID!) { rollbackImport(input: {jobId: $id}) { __typename } }"""
JOB = """query($id: ID!) { job(id: $id) { status counts errors } }"""
METRICS = """query($skill: String!) {
  skillMetrics(skill: $skill, since: "2025-03-14T00:00:00Z", until: "2025-03-15T00:00:00Z") {
    skill invocations completed completionRate durationP50Ms } }"""
BY_LEGACY = """query($key: String!) { node(legacyId: $key) { __typename id
  ... on GraphNode { label properties } } }"""


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> LegacyInstall:
    return build_install(tmp_path_factory.mktemp("legacy"), embedder.embed, conversations=4)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No backfill thread on start: its reads would stall the import's COPY checkpoints."""
    return settings.model_copy(update={"backfill_on_start": False})


def finished_job(gql: GraphQLClient, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = gql(JOB, id=job_id)["data"]["job"]
        if job["status"] in {"SUCCEEDED", "FAILED", "CANCELLED"}:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_skill_metrics_answer_for_imported_invocations(
    gql: GraphQLClient, install: LegacyInstall
) -> None:
    started = gql(IMPORT, input={"skillsDb": str(install.skills_db)})["data"]
    job_id = started["importSessionBuddy"]["job"]["id"]
    job = finished_job(gql, job_id)
    assert job["status"] == "SUCCEEDED", job["errors"]
    assert job["counts"]["tables"]["skill_invocation"]["imported"] == sum(
        install.skill_uses.values()
    )
    metrics = gql(METRICS, skill="crackerjack")["data"]["skillMetrics"]
    # crackerjack: rows 0, 3, 6, 9 and the copy of row 0; rows 0 and its copy not completed.
    assert metrics == {
        "skill": "crackerjack",
        "invocations": install.skill_uses["crackerjack"],
        "completed": 3,
        "completionRate": 0.6,
        "durationP50Ms": 4500.0,
    }
    found = gql(BY_LEGACY, key="skill_invocation:2")["data"]["node"]
    assert (found["label"], found["properties"]["skill"]) == (
        "SkillInvocation",
        "session-checkpoint",
    )
    assert found["properties"]["invoked_at"].startswith("2025-03-14T09:27:53.839")
    assert gql(ROLLBACK, id=job_id)["data"]["rollbackImport"]["__typename"] == (
        "RollbackImportPayload"
    )
    assert gql(BY_LEGACY, key="skill_invocation:2")["data"]["node"] is None
    gone = gql(METRICS, skill="crackerjack")
    assert gone["data"] is None
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
