"""Imports through GraphQL: importSessionBuddy runs a job, node(legacyId) finds its records,
rollbackImport undoes it; bad files are typed errors; read-scoped keys are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.api.auth import hash_secret, new_secret
from kgservice.embedding import Embedder
from kgservice.ids import id_time, new_id
from kgservice.settings import ApiKeyEntry, Settings
from tests.api.conftest import GraphQLClient
from tests.imports_seed import CODE_NODES, LegacyInstall, build_install, table_counts

IMPORT = """mutation($input: ImportSessionBuddyInput!) { importSessionBuddy(input: $input) {
  __typename ... on ImportSessionBuddyPayload { job { id kind status } }
  ... on ValidationError { field message } } }"""
ROLLBACK = """mutation($id: ID!) { rollbackImport(input: {jobId: $id}) { __typename
  ... on RollbackImportPayload { job { id counts } }
  ... on NotFoundError { id } ... on ConflictError { message } } }"""
JOB = """query($id: ID!) { job(id: $id) { id status progress counts errors } }"""
BY_LEGACY = """query($key: String!) { node(legacyId: $key) { __typename id
  ... on Conversation { content } ... on Reflection { tags importance }
  ... on Entity { name kind } ... on Commit { sha indexedAt fileCount } } }"""


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> LegacyInstall:
    return build_install(tmp_path_factory.mktemp("legacy"), embedder.embed)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No backfill thread on start: its reads would stall the import's COPY checkpoints."""
    return settings.model_copy(update={"backfill_on_start": False})


def files(install: LegacyInstall) -> dict[str, str]:
    return {
        "reflectionDb": str(install.reflection_db),
        "kgDb": str(install.kg_db),
        "skillsDb": str(install.skills_db),
    }


def finished_job(gql: GraphQLClient, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = gql(JOB, id=job_id)["data"]["job"]
        if job["status"] in {"SUCCEEDED", "FAILED", "CANCELLED"}:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def run_import(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    started = gql(IMPORT, input=input)["data"]["importSessionBuddy"]
    assert started["__typename"] == "ImportSessionBuddyPayload", started
    assert started["job"]["kind"] == "import"
    job = finished_job(gql, started["job"]["id"])
    assert job["status"] == "SUCCEEDED", job["errors"]
    return job


def test_import_lookup_and_rollback(
    http: TestClient, gql: GraphQLClient, install: LegacyInstall
) -> None:
    stores = http.app.state.stores  # type: ignore[attr-defined]
    before = table_counts(stores.graph, stores.vectors)
    job = run_import(gql, **files(install))
    assert job["progress"] == 1.0
    counts = job["counts"]
    assert counts["tables"]["conversations_v2"]["imported"] == len(install.conversations_v2)
    assert counts["verification"]["ok"] is True
    keys = {
        install.conversations_v2[0]: "Conversation",
        install.conversations_v1[0]: "Conversation",
        install.reflections[0]: "Reflection",
        next(iter(install.entities)): "Entity",
    }
    for key, typename in keys.items():
        node = gql(BY_LEGACY, key=key)["data"]["node"]
        assert node["__typename"] == typename
        assert id_time(node["id"]).replace(tzinfo=None) == install.times[key].replace(
            microsecond=install.times[key].microsecond // 1000 * 1000
        )
    reflection = gql(BY_LEGACY, key=install.reflections[0])["data"]["node"]
    assert reflection["tags"] == ["kuzu", "performance"]
    assert reflection["importance"] == pytest.approx(0.9)
    entity = gql(BY_LEGACY, key=next(iter(install.entities)))["data"]["node"]
    assert entity == {**entity, "name": "kgservice", "kind": "project"}
    code_graphs = counts["tables"]["code_graphs"]
    assert (code_graphs["imported"], sum(code_graphs["skipped"].values())) == (3, 2)
    assert code_graphs["skipped"] == {
        reason: 1 for key, reason in install.skipped.items() if key.startswith("/home/les/")
    }
    for key in install.code_graphs:  # repo:commit composites
        commit = gql(BY_LEGACY, key=key)["data"]["node"]
        assert commit["__typename"] == "Commit"
        assert commit["sha"] == key.rpartition(":")[2]
        assert id_time(commit["id"]).replace(tzinfo=None) == install.times[key]
        keys[key] = "Commit"
    first = gql(BY_LEGACY, key=install.code_graphs[0])["data"]["node"]
    assert first["fileCount"] == 4
    for key in install.skipped:
        assert gql(BY_LEGACY, key=key)["data"]["node"] is None
    undone = gql(ROLLBACK, id=job["id"])["data"]["rollbackImport"]
    assert undone["__typename"] == "RollbackImportPayload"
    removed = undone["job"]["counts"]["rolled_back"]["nodes"]
    assert removed == {**removed, "Entity": 6, **CODE_NODES}
    for key in keys:
        assert gql(BY_LEGACY, key=key)["data"]["node"] is None
    after = table_counts(stores.graph, stores.vectors)
    assert after == {**before, "node Job": before.get("node Job", 0) + 1}


def test_a_dry_run_job_writes_nothing_but_itself(
    gql: GraphQLClient, install: LegacyInstall
) -> None:
    job = run_import(gql, **files(install), dryRun=True)
    assert job["counts"]["dry_run"] is True
    assert job["counts"]["tables"]["kg_entities"]["imported"] == 8
    assert gql(BY_LEGACY, key=install.conversations_v2[0])["data"]["node"] is None


def test_bad_files_are_validation_errors(
    gql: GraphQLClient, install: LegacyInstall, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.duckdb"
    result = gql(IMPORT, input={"kgDb": str(missing)})["data"]["importSessionBuddy"]
    assert result == {
        "__typename": "ValidationError",
        "field": "kgDb",
        "message": f"knowledge_graph.duckdb ({missing}): no such file",
    }
    result = gql(IMPORT, input={"reflectionDb": str(install.kg_db)})["data"]["importSessionBuddy"]
    assert result["field"] == "reflectionDb"
    assert "no table conversations_v2 or conversations" in result["message"]
    result = gql(IMPORT, input={})["data"]["importSessionBuddy"]
    assert result["field"] == "files"


def test_rollback_of_an_unknown_job(gql: GraphQLClient) -> None:
    missing = new_id("Job")
    result = gql(ROLLBACK, id=missing)["data"]["rollbackImport"]
    assert result == {"__typename": "NotFoundError", "id": missing}


@pytest.fixture
def read_only(settings: Settings, embedder: Embedder) -> Iterator[tuple[TestClient, str]]:
    secret = new_secret()
    keyed = settings.model_copy(
        update={"api_keys": [ApiKeyEntry(name="reader", sha256=hash_secret(secret), scope="read")]}
    )
    with TestClient(create_app(keyed, embedder=embedder)) as client:
        yield client, secret


def test_a_read_scoped_key_cannot_import(
    read_only: tuple[TestClient, str], install: LegacyInstall
) -> None:
    http, secret = read_only
    response = http.post(
        "/graphql",
        json={"query": IMPORT, "variables": {"input": files(install)}},
        headers={"Authorization": f"Bearer {secret}"},
    )
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
