"""Browser fixtures: the built bundle, a live server on loopback with seeded data, and
Debian's Chromium driven by Playwright with every host but 127.0.0.1 unreachable.

Browser tests are skipped (with the reason) only when Chromium is absent locally; with
``CI=true`` a missing Chromium or npm fails them instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import uvicorn
from PIL import Image, ImageStat
from playwright.sync_api import Browser, Page, Playwright, Route, WebSocketRoute, sync_playwright

from kgservice.api.app import create_app
from kgservice.api.playground.bundle import build_bundle, bundle_state
from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.settings import load_settings
from tests.graph_seed import SeededGraph, seed_graph

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip locally; in CI the browser tests must run, so fail."""
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def bundle(chromium: Path) -> None:
    """The playground bundle, built from web/ when missing or stale."""
    state = bundle_state()
    if state.needs_build:
        build_bundle(log=lambda line: None)
        state = bundle_state()
    if not state.built:
        unavailable(f"the playground bundle is {state.summary}")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $KGTEST_ARTIFACTS, else the run's temporary directory."""
    configured = os.environ.get("KGTEST_ARTIFACTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, artifacts: Path, name: str) -> Path:
    """Save a screenshot and check it is not blank (its pixels vary)."""
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 5, f"{path} looks blank (pixel standard deviation {spread:.1f})"
    return path


@dataclass
class Seeded:
    """What the live server holds: the relation graph, sessions, and searchable entities."""

    graph: SeededGraph
    project: str
    sessions: list[str]
    thread: str
    searchable: str
    proposed: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LiveServer:
    url: str
    seeded: Seeded

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        body: dict[str, Any] = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60
        ).json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed_sessions(server: LiveServer) -> tuple[str, list[str], str]:
    gql = server.gql
    project = gql(
        'mutation { createProject(input: {name: "kgservice", path: "/src/kg"}) '
        "{ ... on CreateProjectPayload { project { id } } } }"
    )["createProject"]["project"]["id"]
    sessions = []
    for index, source in enumerate(["RESUME", "COMPACT", "RESUME"]):
        result = gql(
            "mutation($p: ID!, $x: String!, $s: TransitionSource!) { recordSessionTransition("
            "input: {projectId: $p, newExternalId: $x, source: $s}) { ... on "
            "RecordSessionTransitionPayload { session { id } } } }",
            p=project,
            x=f"agent-session-{index + 1}",
            s=source,
        )
        sessions.append(result["recordSessionTransition"]["session"]["id"])
    thread = gql(
        'mutation($s: ID!) { createThread(input: {sessionId: $s, name: "embedding cache"}) '
        "{ ... on ThreadPayload { thread { id } } } }",
        s=sessions[-1],
    )["createThread"]["thread"]["id"]
    gql(
        "mutation($t: ID!, $m: [MessageInput!]!) { addMessages(input: {threadId: $t, messages: $m}) "
        "{ __typename } }",
        t=thread,
        m=[
            {"role": "user", "content": "Where does the service keep its embeddings?"},
            {"role": "assistant", "content": "In vectors.db, a SQLite file with sqlite-vec."},
        ],
    )
    gql(
        'mutation($p: ID!) { storeReflection(input: {projectId: $p, content: "Keyset cursors '
        'never skip rows when items are added.", tags: ["api"]}) { __typename } }',
        p=project,
    )
    return project, sessions, thread


@pytest.fixture(scope="session")
def live_server(
    bundle: None, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[LiveServer]:
    """The real app under uvicorn on a free loopback port, in a thread of this process."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    settings = load_settings(data_dir=data_dir, buffer_pool_mb=128, read_connections=2)
    settings = settings.model_copy(update={"backfill_on_start": False})
    app = create_app(settings, embedder=embedder)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="browser-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        services: Services = app.state.services
        graph = seed_graph(services.stores.graph)
        live = LiveServer(f"http://127.0.0.1:{port}", Seeded(graph, "", [], "", "", ""))
        project, sessions, thread_id = _seed_sessions(live)
        searchable = live.gql(
            'mutation { createEntity(input: {name: "sqlite-vec", kind: "library", '
            'observations: ["vector search inside SQLite"]}) { ... on EntityPayload { entity { id } } } }'
        )["createEntity"]["entity"]["id"]
        relations = live.gql(
            "query($id: ID!) { relations(entityId: $id) { edges { node { id status toId } } } }",
            id=graph.cliques[1][4],
        )["relations"]["edges"]
        proposed = next(e["node"]["id"] for e in relations if e["node"]["status"] == "PROPOSED")
        live.seeded = Seeded(graph, project, sessions, thread_id, searchable, proposed)
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(chromium: Path, playwright_driver: Playwright) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(
        executable_path=str(chromium), headless=True, args=["--no-sandbox", "--disable-gpu"]
    )
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh page; any request to a host but 127.0.0.1 is refused, and fails the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 760})
    outside: list[str] = []
    errors: list[str] = []

    def guard(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def guard_socket(socket_route: WebSocketRoute) -> None:
        if urlparse(socket_route.url).hostname == "127.0.0.1":
            socket_route.connect_to_server()
        else:
            outside.append(socket_route.url)
            socket_route.close()

    context.route("**/*", guard)
    context.route_web_socket("**/*", guard_socket)
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert outside == [], f"the page tried to reach other hosts: {outside}"
    assert errors == [], f"errors in the page: {errors}"


def ready(page: Page) -> None:
    """Wait until the playground has started (its first view drawn)."""
    page.wait_for_function("() => window.kgPlayground !== undefined")
    page.evaluate("() => window.kgPlayground.ready")
