"""Code graphs over GraphQL: indexCode as a Job, then codeGraph, impact, callChain, importers,
codeFile, and code nodes through node, search and neighborhood."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.services.registry import Services
from kgservice.settings import Settings
from tests.api.conftest import GraphQLClient
from tests.codegraph_fixture import make_repository

INDEX = """mutation($input: IndexCodeInput!) { indexCode(input: $input) { __typename
  ... on IndexCodePayload { job { id kind status } }
  ... on ValidationError { field message } } }"""
JOB = """query($id: ID!) { job(id: $id) { status counts errors } }"""
GRAPH = """query($commit: String) { codeGraph(repo: "fixture", commit: $commit) {
  repository { name remote } commit { sha fileCount }
  files(first: 2) { totalCount pageInfo { hasNextPage } edges { node { path module } } }
  symbols(kind: "method") { totalCount edges { node { id qualname lineStart docstring } } }
  moduleImports { importer imported } } }"""
IMPACT = """query($target: String!, $commit: String) {
  impact(target: $target, repo: "fixture", commit: $commit, depth: 3) {
    node { qualname kind } distance via } }"""
CHAIN = """query { callChain(from: "app.cli.main", to: "Base.validate") { qualname } }"""
IMPORTERS = """query { importers(module: "app.util") { qualname } }"""
FILE = """query { codeFile(path: "app/store.py") { id path lines contentHash error
  mentionedBy(first: 1) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { __typename id } } } } }"""
MENTIONS = """query($after: String, $last: Int) { codeFile(path: "app/store.py") {
  mentionedBy(first: null, after: $after, last: $last) {
    pageInfo { hasNextPage hasPreviousPage } edges { node { id } } } } }"""
SYMBOL_MENTIONS = """query($id: ID!) { node(id: $id) { ... on Symbol {
  mentionedBy { totalCount edges { node { __typename id } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename ... on Symbol { qualname kind } } }"""
SEARCH = """query { search(text: "make_user", kinds: ["Symbol"], mode: TEXT) {
  node { ... on Symbol { qualname } } } }"""
AROUND = """query($id: ID!) { neighborhood(id: $id, depth: 1) { nodes { id } edges { label } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"backfill_on_start": False})


def index(gql: GraphQLClient, path: Path, commit: str | None = None) -> dict[str, Any]:
    started = gql(INDEX, input={"path": str(path), "commit": commit})["data"]["indexCode"]
    assert started["__typename"] == "IndexCodePayload", started
    assert started["job"]["kind"] == "index_code"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = gql(JOB, id=started["job"]["id"])["data"]["job"]
        if job["status"] in {"SUCCEEDED", "FAILED"}:
            assert job["status"] == "SUCCEEDED", job["errors"]
            return job
        time.sleep(0.05)
    raise AssertionError("indexCode did not finish")


def test_index_then_query_two_commits(gql: GraphQLClient, http: TestClient, tmp_path: Path) -> None:
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    project = services.sessions.create_project("fixture")
    note = services.memory.store_reflection("app/store.py grows; split it?", project.id)
    root = tmp_path / "fixture"
    first, second = make_repository(root)
    counts = index(gql, root, first)["counts"]
    assert (counts["files"], counts["parsed"], counts["reused"]) == (6, 6, 0)
    counts = index(gql, root)["counts"]
    assert (counts["sha"], counts["parsed"], counts["reused"]) == (second, 1, 5)

    graph = gql(GRAPH, commit=first[:10])["data"]["codeGraph"]
    assert graph["commit"] == {"sha": first, "fileCount": 6}
    assert graph["repository"] == {"name": "fixture", "remote": None}
    assert graph["files"]["totalCount"] == 6
    assert graph["files"]["pageInfo"]["hasNextPage"]
    assert [e["node"]["path"] for e in graph["files"]["edges"]] == [
        "app/__init__.py",
        "app/api.py",
    ]
    methods = [e["node"]["qualname"] for e in graph["symbols"]["edges"]]
    assert methods == [
        "app.models.Base.save",
        "app.models.Base.validate",
        "app.models.User.rename",
    ]
    assert graph["moduleImports"] == [
        {"importer": "app.api", "imported": "app.store"},
        {"importer": "app.cli", "imported": "app.api"},
        {"importer": "app.store", "imported": "app.models"},
    ]
    latest = gql(GRAPH, commit=None)["data"]["codeGraph"]
    assert {"importer": "app.store", "imported": "app.util"} in latest["moduleImports"]

    impact = gql(IMPACT, target="app.util.helper", commit=None)["data"]["impact"]
    assert [(i["node"]["qualname"], i["distance"], i["via"]) for i in impact] == [
        ("app.store.load", 1, "calls"),
        ("app.api.handler", 2, "calls"),
        ("app.cli.main", 3, "calls"),
    ]
    assert gql(IMPACT, target="app.util.helper", commit=first)["data"]["impact"] == []
    chain = gql(CHAIN)["data"]["callChain"]
    assert [s["qualname"] for s in chain][0::3] == [
        "app.cli.main",
        "app.models.make_user",
        "app.models.Base.validate",
    ]
    assert gql(IMPORTERS)["data"]["importers"] == [{"qualname": "app.store"}]
    later = services.memory.store_reflection(
        "app/store.py: load() reaches Base.validate", project.id
    )
    store = gql(FILE)["data"]["codeFile"]
    assert store["lines"] == 7
    assert store["error"] is None
    mentions = store["mentionedBy"]  # newest first
    assert mentions["totalCount"] == 2
    assert mentions["edges"] == [{"node": {"__typename": "Reflection", "id": later.id}}]
    assert mentions["pageInfo"]["hasNextPage"]
    rest = gql(MENTIONS, after=mentions["pageInfo"]["endCursor"], last=None)["data"]
    assert rest["codeFile"]["mentionedBy"] == {
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": True},
        "edges": [{"node": {"id": note.id}}],
    }
    oldest = gql(MENTIONS, after=None, last=1)["data"]["codeFile"]["mentionedBy"]
    assert oldest["edges"] == [{"node": {"id": note.id}}]
    bad = gql(MENTIONS, after="nonsense", last=None)
    assert bad["errors"][0]["extensions"]["code"] == "VALIDATION"

    validate = graph["symbols"]["edges"][1]["node"]["id"]  # of the first commit's version
    assert gql(SYMBOL_MENTIONS, id=validate)["data"]["node"]["mentionedBy"] == {
        "totalCount": 1,
        "edges": [{"node": {"__typename": "Reflection", "id": later.id}}],
    }

    symbol_id = graph["symbols"]["edges"][0]["node"]["id"]
    assert gql(NODE, id=symbol_id)["data"]["node"] == {
        "__typename": "Symbol",
        "qualname": "app.models.Base.save",
        "kind": "method",
    }
    hits = gql(SEARCH)["data"]["search"]
    assert {"qualname": "app.models.make_user"} in [h["node"] for h in hits]
    around = gql(AROUND, id=store["id"])["data"]["neighborhood"]
    assert {"CONTAINS", "DEFINES", "IMPORTS"} <= {e["label"] for e in around["edges"]}


def test_bad_input_is_reported(gql: GraphQLClient, tmp_path: Path) -> None:
    missing = gql(INDEX, input={"path": str(tmp_path / "nowhere")})["data"]["indexCode"]
    assert missing == {
        "__typename": "ValidationError",
        "field": "path",
        "message": f"{tmp_path / 'nowhere'} is not a directory",
    }
    body = gql(IMPACT, target="x", commit=None)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    root = tmp_path / "fixture"
    make_repository(root)
    bad = gql(INDEX, input={"path": str(root), "commit": "nope"})["data"]["indexCode"]
    assert bad == {
        "__typename": "ValidationError",
        "field": "commit",
        "message": f"'nope' is not a commit of {root}",
    }
    index(gql, root)
    body = gql(IMPACT, target="app.nothing", commit=None)
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "target"}
