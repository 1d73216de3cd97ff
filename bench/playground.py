"""The playground in Debian's Chromium: first paint and node expansion on 2,000 / 5,000.

Loads 2,000 entities and 5,000 relations (mixed kinds and types, a tenth proposed) into a
namespace, serves them with ``kgservice serve``, and drives the page with Playwright:

- first paint: from navigation to the namespace drawn with its ForceAtlas2 layout settled
  and two frames painted (page load, ``relationGraph`` over GraphQL, layout, WebGL paint),
  in a fresh browser context each time (nothing cached in the browser);
- expansion: from the call to the node's new neighbours drawn and painted (``neighborhood``
  over GraphQL, merge, paint), for random entities of the drawn graph that three
  reflections each mention (so each expansion adds three nodes and their edges).

Run: ``uv run kgservice bench playground [--quick]``. Needs /usr/bin/chromium and npm.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from playwright.sync_api import Browser, sync_playwright

from bench.common import running_server, target
from bench.graph_writes import entity_table, related_table
from kgservice.api.playground.bundle import build_bundle, bundle_state
from kgservice.ids import new_id
from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores

CHROMIUM = Path("/usr/bin/chromium")
KINDS = ["library", "service", "concept", "file", "tool", "test", "person", "project"]
TYPES = ["uses", "depends_on", "tests", "part_of", "related_to", "implements"]


def load_graph(
    data_dir: Path, nodes: int, edges: int, rng: random.Random, mentioned: int = 0
) -> list[str]:
    """COPY the entities and relations of namespace ``bench``, and three reflections naming
    each of ``mentioned`` random entities; return the ids of those entities (all ids when
    ``mentioned`` is 0)."""
    entities = entity_table(nodes)
    kinds = pa.array([KINDS[i % len(KINDS)] for i in range(nodes)])
    entities = entities.set_column(entities.schema.get_field_index("kind"), "kind", kinds)
    ids: list[str] = entities.column("id").to_pylist()
    relations = related_table(ids, edges, rng)
    types = pa.array([rng.choice(TYPES) for _ in range(edges)])
    status = pa.array(["proposed" if rng.random() < 0.1 else "accepted" for _ in range(edges)])
    relations = relations.set_column(relations.schema.get_field_index("type"), "type", types)
    relations = relations.set_column(relations.schema.get_field_index("status"), "status", status)
    named = rng.sample(ids, mentioned)
    with open_stores(load_settings(data_dir=data_dir)) as stores:
        stores.graph.copy_from_arrow("Entity", entities)
        stores.graph.copy_from_arrow("RELATED", relations)
        if named:
            reflections, mentions = mention_tables(named)
            stores.graph.copy_from_arrow("Reflection", reflections)
            stores.graph.copy_from_arrow("MENTIONS", mentions, pair=("Reflection", "Entity"))
    return named or ids


def mention_tables(named: list[str]) -> tuple[pa.Table, pa.Table]:
    """Three reflections per entity of ``named``, each mentioning it."""
    now = datetime.now(UTC).replace(tzinfo=None)
    targets = [entity for entity in named for _ in range(3)]
    count = len(targets)
    ids = [new_id("Reflection") for _ in targets]
    reflections = pa.table(
        {
            "id": ids,
            "namespace": ["bench"] * count,
            "created_at": pa.array([now] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "content": [f"a lesson about entity {i}" for i in range(count)],
            "tags": pa.array([[] for _ in range(count)], pa.list_(pa.string())),
            "importance": [0.5] * count,
        }
    )
    return reflections, pa.table({"from": ids, "to": targets})


def first_paint_ms(browser: Browser, url: str) -> tuple[float, dict[str, Any]]:
    """Navigation to the settled, painted namespace, in a fresh context (cold browser cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/?ns=bench")
    elapsed = page.evaluate(
        "async () => { await window.kgPlayground.ready; return performance.now(); }"
    )
    drawn = page.evaluate("() => window.kgPlayground.snapshot()")
    steps = page.evaluate("() => window.kgPlayground.timings().overview")
    context.close()
    return float(elapsed), {
        "drawn": drawn,
        "steps_ms": {k: round(v, 1) for k, v in steps.items()},
    }


def expansion_ms(
    browser: Browser, url: str, targets: list[str], shot: Path | None
) -> tuple[list[float], list[float]]:
    """Expand random drawn nodes one after another: each from the call to the neighbours
    painted, and the GraphQL part of each."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/?ns=bench")
    page.evaluate("() => window.kgPlayground.ready")
    drawn = page.evaluate("() => window.kgPlayground.nodes()")
    times, graphql = [], []
    assert set(targets) <= set(drawn), "every entity is drawn"
    for node in targets:
        times.append(
            page.evaluate(
                "async (id) => { const t = performance.now(); await window.kgPlayground.expand(id);"
                " return performance.now() - t; }",
                node,
            )
        )
        graphql.append(page.evaluate("() => window.kgPlayground.timings().expand.fetch"))
    if shot is not None:
        page.screenshot(path=str(shot))
    context.close()
    return times, graphql


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
        "samples": len(ordered),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure first paint and expansion; raise when Chromium or the bundle is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"the playground benchmark needs Chromium at {CHROMIUM}")
    if bundle_state().needs_build:
        build_bundle(log=lambda line: None)
    if not bundle_state().built:
        raise RuntimeError(f"the playground bundle is {bundle_state().summary}")
    rng = random.Random(13)
    nodes, edges = 2_000, 5_000
    loads, expansions = (2, 10) if quick else (6, 40)
    load_before = os.getloadavg()
    shot = os.environ.get("KG_BENCH_SCREENSHOT")
    with tempfile.TemporaryDirectory(prefix="kg-bench-playground-") as folder:
        data_dir = Path(folder) / "data"
        named = load_graph(data_dir, nodes, edges, rng, mentioned=expansions)
        env = {"KG_BACKFILL_ON_START": "false"}
        with running_server(data_dir, Path(folder) / "server.log", env) as (graphql_url, _):
            url = graphql_url.removesuffix("/graphql")
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=str(CHROMIUM),
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu"],
                )
                paints = [first_paint_ms(browser, url) for _ in range(loads)]
                expand, expand_graphql = expansion_ms(
                    browser, url, named, Path(shot) if shot else None
                )
                browser.close()
    first, first_details = paints[0]
    later = [elapsed for elapsed, _ in paints[1:]]
    expand_summary = summary(expand)
    return {
        "benchmark": "playground",
        "sizes": {
            "nodes": nodes,
            "edges": edges,
            "drawn": first_details["drawn"],
            "page_loads": loads,
        },
        "machine": {"loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "figures": {
            "first_paint_first_load_ms": round(first, 1),
            "first_paint_later_loads_ms": [round(value, 1) for value in later],
            "first_paint_median_ms": round(statistics.median([first, *later]), 1),
            "first_load_steps_ms": first_details["steps_ms"],
            "expand": expand_summary,
            "expand_graphql": summary(expand_graphql),
        },
        "targets": {
            "first_paint_ms": target(round(first, 1), 2000.0, at_least=False),
            "expand_p95_ms": target(expand_summary["p95_ms"], 300.0, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
