"""The playground and GraphiQL in a real headless Chromium, with only 127.0.0.1 reachable."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer, ready, screenshot
from tests.codegraph_fixture import make_repository

#: A live server, a browser and (on first use) an npm build: run with `pytest -m slow`.
pytestmark = pytest.mark.slow


def node_ids(page: Page) -> set[str]:
    return set(page.evaluate("() => window.kgPlayground.nodes()"))


def test_root_draws_the_namespace(page: Page, live_server: LiveServer, artifacts: Path) -> None:
    page.goto("/")
    ready(page)
    seeded = live_server.seeded.graph
    drawn = node_ids(page)
    assert set(seeded.default_ids) <= drawn
    assert not drawn & set(seeded.other)  # nothing from another namespace
    expect(page.locator("#status")).to_contain_text("relations of default")
    screenshot(page, artifacts, "overview")
    page.select_option("#namespace", "other")
    page.wait_for_function("() => window.kgPlayground.snapshot().nodes === 2")
    assert node_ids(page) == set(seeded.other)


def test_search_then_inspect_with_the_keyboard(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/")
    ready(page)
    page.locator("#graph").focus()
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type("sqlite-vec")
    page.keyboard.press("Enter")
    hit = page.locator(f"button.hit[data-id='{live_server.seeded.searchable}']")
    expect(hit).to_be_visible()
    hit.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#inspector")).to_be_visible()
    expect(page.locator("#inspector-title")).to_have_text("sqlite-vec")
    expect(page.locator("#inspector")).to_contain_text("vector search inside SQLite")
    assert f"node={live_server.seeded.searchable}" in page.url
    screenshot(page, artifacts, "search-and-inspector")
    page.keyboard.press("Escape")
    expect(page.locator("#inspector")).to_be_hidden()


def focus_by_key(page: Page, key: str, target: Locator, presses: int = 20) -> None:
    """Press ``key`` until ``target`` holds the focus (keyboard only)."""
    for _ in range(presses):
        if target.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press(key)
    expect(target).to_be_focused()


def test_keyboard_only_search_open_and_expand(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    entity = live_server.seeded.searchable
    thread = live_server.gql(
        "query($id: ID!) { node(id: $id) { ... on Thread { messages(first: 10) { edges { "
        "node { id content } } } } } }",
        id=live_server.seeded.thread,
    )["node"]["messages"]["edges"]
    (message,) = [e["node"]["id"] for e in thread if "sqlite-vec" in e["node"]["content"]]
    page.goto("/")
    ready(page)
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type("sqlite-vec")
    page.keyboard.press("Enter")
    hit = page.locator(f"#results button.hit[data-id='{entity}']")
    expect(hit).to_be_visible()
    page.keyboard.press("ArrowDown")  # from the search box to the first hit
    expect(page.locator("#results button.hit").first).to_be_focused()
    focus_by_key(page, "ArrowDown", hit)
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("#inspector-title")).to_have_text("sqlite-vec")
    page.wait_for_function("(id) => window.kgPlayground.snapshot().selected === id", arg=entity)
    centred = """(id) => {
      const box = document.getElementById('graph').getBoundingClientRect();
      const at = window.kgPlayground.position(id);
      return Math.abs(at.x - box.width / 2) < 4 && Math.abs(at.y - box.height / 2) < 4;
    }"""
    page.wait_for_function(centred, arg=entity)
    assert message not in node_ids(page)
    neighbours = page.locator("#inspector .neighbours")
    expect(neighbours).to_contain_text("press e")
    page.keyboard.press("e")
    page.wait_for_function("(id) => window.kgPlayground.nodes().includes(id)", arg=message)
    neighbour = neighbours.locator(f"button[data-id='{message}']")
    expect(neighbour).to_be_visible()
    expect(neighbours).to_contain_text("MENTIONS")
    screenshot(page, artifacts, "keyboard-expanded")
    focus_by_key(page, "Tab", neighbour)
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("e")  # the list is redrawn after an expansion; the focus stays
    expect(page.locator("#status")).to_contain_text("0 new neighbours")
    expect(neighbour).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#inspector")).to_contain_text("In vectors.db")
    assert f"node={message}" in page.url
    page.keyboard.press("Escape")
    expect(page.locator("#inspector")).to_be_hidden()
    expect(hit).to_be_focused()  # back where the inspector was opened from
    # Shift+Enter on a hit opens and expands it.
    page.keyboard.press("Shift+Enter")
    expect(page.locator("#inspector-title")).to_have_text("sqlite-vec")
    expect(page.locator("#status")).to_contain_text("new neighbours")
    expect(page.locator("#inspector details.keys, details.keys")).to_contain_text("Shift+Enter")


def test_a_code_file_shows_the_texts_mentioning_it(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    gql = live_server.gql
    root = tmp_path / "fixture"
    make_repository(root)
    project = gql(
        'mutation { createProject(input: {name: "code", namespace: "code"}) '
        "{ ... on CreateProjectPayload { project { id } } } }"
    )["createProject"]["project"]["id"]
    job = gql(
        'mutation($path: String!) { indexCode(input: {path: $path, namespace: "code"}) '
        "{ ... on IndexCodePayload { job { id } } } }",
        path=str(root),
    )["indexCode"]["job"]["id"]
    deadline = time.monotonic() + 120
    while (
        gql("query($id: ID!) { job(id: $id) { status } }", id=job)["job"]["status"] != "SUCCEEDED"
    ):
        assert time.monotonic() < deadline, "indexCode did not finish"
        time.sleep(0.1)
    gql(
        'mutation($p: ID!) { storeReflection(input: {projectId: $p, content: "app/store.py '
        'should not call make_user directly"}) { __typename } }',
        p=project,
    )
    file = gql('{ codeFile(path: "app/store.py", namespace: "code") { id } }')["codeFile"]["id"]
    page.goto(f"/?ns=code&node={file}")
    ready(page)
    expect(page.locator("#inspector-title")).to_have_text("app/store.py")
    mentions = page.locator("#inspector .mentions")
    expect(page.locator("#inspector")).to_contain_text("Mentions (1)")
    expect(mentions).to_contain_text("should not call make_user")
    expect(page.locator("#inspector .neighbours")).to_contain_text("MENTIONS")


def test_double_click_expands_a_node(page: Page, live_server: LiveServer, artifacts: Path) -> None:
    clique_a, clique_b = live_server.seeded.graph.cliques[:2]
    page.goto(f"/?node={clique_a[0]}")
    ready(page)
    drawn = node_ids(page)
    assert set(clique_a) <= drawn
    assert clique_b[0] not in drawn  # reached from a[4] only
    page.wait_for_timeout(400)  # the camera moves to the selected node
    box = page.locator("#graph").bounding_box()
    assert box is not None
    spot = page.evaluate("(id) => window.kgPlayground.position(id)", clique_a[4])
    page.mouse.dblclick(box["x"] + spot["x"], box["y"] + spot["y"])
    page.wait_for_function("(id) => window.kgPlayground.nodes().includes(id)", arg=clique_b[0])
    expect(page.locator("#status")).to_contain_text("new neighbours")
    screenshot(page, artifacts, "expanded")


def test_accepting_a_proposed_relation_restyles_its_edge(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    relation = live_server.seeded.proposed
    source = live_server.seeded.graph.cliques[1][4]
    page.goto(f"/?node={source}")
    ready(page)
    before = page.evaluate("(id) => window.kgPlayground.edge(id)", relation)
    assert before["type"] == "dashed"
    assert before["status"] == "proposed"
    item = page.locator(f"li[data-relation='{relation}']")
    expect(item).to_contain_text("proposed")
    expect(item).to_contain_text("seeded")  # its evidence
    screenshot(page, artifacts, "proposed-relation")
    item.locator("button.accept").click()
    page.wait_for_function(
        "(id) => window.kgPlayground.edge(id).status === 'accepted'", arg=relation
    )
    after = page.evaluate("(id) => window.kgPlayground.edge(id)", relation)
    assert after["type"] == "line"
    expect(page.locator(f"li[data-relation='{relation}']")).to_contain_text("accepted")
    status = live_server.gql("query($id: ID!) { relation(id: $id) { status } }", id=relation)
    assert status["relation"]["status"] == "ACCEPTED"


def test_deep_links_follow_back_and_forward(page: Page, live_server: LiveServer) -> None:
    graph = live_server.seeded.graph
    page.goto(f"/?node={graph.cliques[0][0]}")
    ready(page)
    expect(page.locator("#inspector-title")).to_have_text("a0")
    page.locator("#inspector .relations button.link", has_text="a1").first.click()
    expect(page.locator("#inspector-title")).to_have_text("a1")
    assert f"node={graph.cliques[0][1]}" in page.url
    page.go_back()
    expect(page.locator("#inspector-title")).to_have_text("a0")
    page.go_forward()
    expect(page.locator("#inspector-title")).to_have_text("a1")


def test_sessions_view_shows_the_chain_and_a_thread(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/")
    ready(page)
    page.click("#tab-sessions")
    page.locator("#projects button", has_text="kgservice").click()
    expect(page.locator(".chain circle")).to_have_count(3)
    expect(page.locator(".chain")).to_contain_text("COMPACT")
    expect(page.locator("#project-view")).to_contain_text("Keyset cursors")
    page.locator("#project-view button", has_text="embedding cache").click()
    expect(page.locator("#inspector .timeline li")).to_have_count(2)
    expect(page.locator("#inspector .timeline")).to_contain_text("sqlite-vec")
    screenshot(page, artifacts, "sessions")


def test_metrics_panel(page: Page, live_server: LiveServer) -> None:
    page.goto("/")
    ready(page)
    page.click("#tab-metrics")
    expect(page.locator("#metrics")).to_contain_text("Top PageRank")
    expect(page.locator("#metrics")).to_contain_text("components")
    page.select_option("#colour-by", "community")
    page.select_option("#size-by", "pagerank")
    expect(page.locator("#status")).not_to_have_class("error")


def test_graphiql_runs_a_query(page: Page, live_server: LiveServer, artifacts: Path) -> None:
    page.goto("/graphql")
    page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    expect(result).to_contain_text('"graphEngine"')
    expect(result).to_contain_text('"kgservice"')
    screenshot(page, artifacts, "graphiql")


def test_graphiql_explorer_lists_the_query_fields(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/graphql")
    page.locator("button[aria-label='Show GraphiQL Explorer']").click()
    explorer = page.locator(".graphiql-explorer-root")
    expect(explorer.locator(".graphiql-explorer-node.graphiql-explorer-codeGraph")).to_be_visible()
    introspected = live_server.gql("{ __schema { queryType { fields { name } } } }")
    fields = {f["name"] for f in introspected["__schema"]["queryType"]["fields"]}
    listed = set(
        page.evaluate(
            # each field's row: "graphiql-explorer-node graphiql-explorer-<field name>"
            """() => [...document.querySelectorAll(
                '.graphiql-explorer-root [class^="graphiql-explorer-node graphiql-explorer-"]')]
              .map((n) => n.getAttribute('class').split(' ')[1].slice('graphiql-explorer-'.length))"""
        )
    )
    assert fields <= listed, sorted(fields - listed)
    # Ticking a field writes it into the query editor.
    row = explorer.locator(".graphiql-explorer-namespaces").first
    row.get_by_text("namespaces", exact=True).click()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("namespaces")
    screenshot(page, artifacts, "graphiql-explorer")


def test_discovery_runs_live_and_its_proposals_are_reviewed(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/")
    ready(page)
    page.click("#tab-review")
    for method in ("vector", "co_mention"):  # the seeded entities have no vectors or mentions
        page.locator(f"input[name=method][value={method}]").uncheck()
    page.fill("#threshold", "0.01")
    page.click("#discovery-form button[type=submit]")
    expect(page.locator("#job")).to_contain_text("succeeded", timeout=60_000)
    expect(page.locator("#job progress")).to_have_attribute("value", "1")
    heading = page.locator("#candidates h3")
    expect(heading).to_contain_text("Proposed relations")
    first = page.locator("#candidates li.relation").first
    relation = first.get_attribute("data-relation")
    assert relation is not None
    first.locator("input.pick").check()
    screenshot(page, artifacts, "review")
    page.locator("#candidates button", has_text="Accept selected").click()
    expect(page.locator(f"#candidates li[data-relation='{relation}']")).to_have_count(0)
    status = live_server.gql("query($id: ID!) { relation(id: $id) { status } }", id=relation)
    assert status["relation"]["status"] == "ACCEPTED"


def test_as_of_redraws_the_relations_valid_then(page: Page, live_server: LiveServer) -> None:
    page.goto("/")
    ready(page)
    now = page.evaluate("() => window.kgPlayground.snapshot().edges")
    assert now > 0
    page.fill("#as-of", "2000-01-01T00:00")
    page.wait_for_function("() => window.kgPlayground.snapshot().edges === 0")
    expect(page.locator("#status")).to_contain_text(re.compile(r"as of (1999-12-31|2000-01-01)"))
    page.click("#as-of-clear")
    page.wait_for_function("(n) => window.kgPlayground.snapshot().edges === n", arg=now)
