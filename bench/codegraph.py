"""Code graphs: indexing a 50,000-line repository, re-indexing a 1 % change, impact.

The repository is real code: the installed ``graphql`` (graphql-core) package and as many of
``strawberry``'s files as it takes to pass 50,000 lines, committed to a scratch git
repository. Then 1 % of its files get a new function (a second commit) and that commit is
indexed. Figures: end-to-end indexing time (listing, parsing, resolving, embedding with the
configured embedder, writing), the second commit's time, and ``impact`` at depth 3 for 200
symbols: the first query of the commit (it loads the commit's graph) and the p50 over the
loaded graph.

Run: ``uv run kgservice bench codegraph`` (``--quick``: about 10,000 lines).
"""

from __future__ import annotations

import importlib
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import latencies_ms, scratch_stores, target
from kgservice.services.codegraph.impact import impact
from kgservice.services.codegraph.service import CodeGraphService
from kgservice.services.jobs import JobRunner, JobService
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import load_embedder

FULL_LINES = 50_000
QUICK_LINES = 10_000
PACKAGES = ("graphql", "strawberry")
IMPACT_TARGETS = 200


def _git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)  # noqa: S603,S607


def build_repository(root: Path, lines: int) -> dict[str, int]:
    """Copy installed package files into a new git repository until ``lines`` is passed."""
    root.mkdir(parents=True)
    total = files = 0
    for package in PACKAGES:
        source = Path(importlib.import_module(package).__file__ or "").parent
        for path in sorted(source.rglob("*.py")):
            if total >= lines:
                break
            text = path.read_bytes()
            target_path = root / package / path.relative_to(source)
            target_path.parent.mkdir(parents=True, exist_ok=True)
            target_path.write_bytes(text)
            total += text.count(b"\n")
            files += 1
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    return {"lines": total, "files": files}


def change_one_percent(root: Path, rng: random.Random) -> int:
    """Append a function to 1 % of the files and commit; return how many changed."""
    paths = sorted(root.rglob("*.py"))
    chosen = rng.sample(paths, max(1, len(paths) // 100))
    for number, path in enumerate(chosen):
        with path.open("a") as handle:
            handle.write(f"\n\ndef bench_added_{number}():\n    return {number}\n")
    _git(root, "commit", "-q", "-am", "second")
    return len(chosen)


def run(quick: bool = False) -> dict[str, Any]:
    """Index a generated repository, re-index a 1 % change, time impact queries."""
    rng = random.Random(17)
    lines = QUICK_LINES if quick else FULL_LINES
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-code-"))
    try:
        repo = folder / "benchrepo"
        size = build_repository(repo, lines)
        with scratch_stores() as stores:
            embedder = load_embedder(stores.settings)
            jobs = JobService(stores.graph)
            code = CodeGraphService(
                stores.graph, TextIndex(stores.vectors, embedder), jobs, JobRunner(jobs)
            )
            code.warm_after_index = False  # measure the first query's load below
            load_before = os.getloadavg()
            first = code.index(str(repo))
            changed = change_one_percent(repo, rng)
            second = code.index(str(repo))
            code.graphs.forget()
            symbols = [
                s.qualname
                for s in code.commit_graph("benchrepo", None, "default").symbols
                if s.kind != "module"
            ]
            code.graphs.forget()
            targets = rng.sample(symbols, min(IMPACT_TARGETS, len(symbols)))
            started = time.perf_counter()
            graph = code.commit_graph("benchrepo", None, "default")
            impact(graph, targets[0], 3)
            cold_ms = (time.perf_counter() - started) * 1000
            warm = latencies_ms(
                [
                    lambda t=t: impact(code.commit_graph("benchrepo", None, "default"), t, 3)  # type: ignore[misc]
                    for t in targets
                ]
            )
            load_after = os.getloadavg()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "repository": size,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "index_seconds": target(round(first.seconds, 2), 60.0, at_least=False),
        "index_phases_seconds": first.phases,
        "texts_embedded": first.files + first.symbols,
        "index_counts": {
            "files": first.files,
            "symbols": first.symbols,
            "imports": first.imports,
            "calls": first.calls,
            "inherits": first.inherits,
        },
        "reindex_1pct_seconds": target(round(second.seconds, 2), 5.0, at_least=False),
        "reindex_phases_seconds": second.phases,
        "reindex_counts": {"changed": changed, "parsed": second.parsed, "reused": second.reused},
        "impact_first_query_ms": round(cold_ms, 1),
        "impact_depth3_loaded": {**warm, "p50": target(warm["p50_ms"], 50.0, at_least=False)},
    }
