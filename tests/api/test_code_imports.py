"""Code imports as discovery evidence through GraphQL: two repositories indexed with
indexCode (the imported one last), entities named like them, then startDiscovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgservice.settings import Settings
from tests.api.conftest import GraphQLClient
from tests.api.test_codegraph import index
from tests.api.test_discovery import candidates, finished_job, start
from tests.api.test_entities import create_entity
from tests.codegraph_fixture import make_linked_repositories


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"backfill_on_start": False})


def test_imports_between_repositories_propose_depends_on(
    gql: GraphQLClient, tmp_path: Path
) -> None:
    corelib, appkit = make_linked_repositories(tmp_path)
    assert index(gql, appkit)["counts"]["imports_from_other_repositories"] == 0
    assert index(gql, corelib)["counts"]["imports_from_other_repositories"] == 2
    app = create_entity(gql, "appkit")["entity"]["id"]
    core = create_entity(gql, "Core Library", aliases=["corelib"])["entity"]["id"]
    create_entity(gql, "unrelated")

    started = start(gql, methods=["code_imports"])
    job = finished_job(gql, started["job"]["id"])
    assert job["status"] == "SUCCEEDED", job["errors"]
    assert job["parameters"]["methods"] == ["code_imports"]
    found = candidates(gql, job["id"])
    assert len(found) == 1
    proposal = found[0]
    assert (proposal["fromId"], proposal["toId"]) == (app, core)
    assert (proposal["type"], proposal["method"], proposal["status"]) == (
        "DEPENDS_ON",
        "code_imports",
        "PROPOSED",
    )
    assert proposal["score"] == pytest.approx(0.9 * (1 - 0.5**3))  # three importing files
    structure = next(e for e in proposal["evidence"] if e.get("typing") == "structure")
    assert structure == {
        "typing": "structure",
        "importer_repositories": ["appkit"],
        "imported_repositories": ["corelib"],
        "importing_files": 2,
        "imports": 2,
        "examples": [
            "appkit/cli.py -> corelib/__init__.py",
            "appkit/main.py -> corelib/maths.py",
        ],
        "reverse_importing_files": 1,
    }


def test_unknown_method_is_a_validation_error(gql: GraphQLClient) -> None:
    bad = start(gql, methods=["code_import"])
    assert bad["__typename"] == "ValidationError"
    assert bad["field"] == "methods"
    assert "code_imports" in bad["message"]
