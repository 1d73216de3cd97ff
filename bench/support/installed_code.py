"""The installed distributions' code, indexed for ``bench discovery_quality``'s ``code_imports``.

Each distribution's ``.py`` files (from its RECORD, or its importable top-level packages for
an editable install; ``tests``/``test`` folders left out) are copied to a scratch folder and
indexed without embeddings, into the world's namespace, as a repository named after the
distribution, so ``code_imports`` links it to the distribution's entity. Distributions over
the line budget are skipped to keep the run to minutes.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.support.installed_world import canonical, evaluate, run_discovery
from kgservice.services.codegraph.indexing import CodeIndexer
from kgservice.services.discovery.candidates import METHODS
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores

#: Distributions with more lines of code than this are not indexed (quick: the smaller one).
CODE_LINE_BUDGET = 150_000
QUICK_CODE_LINE_BUDGET = 20_000
TEST_FOLDERS = frozenset({"tests", "test"})


@dataclass
class InstalledCode:
    """One distribution's installed Python files: (path below site-packages, file) pairs."""

    name: str
    files: list[tuple[str, Path]]
    lines: int


def _code_files(distribution: metadata.Distribution) -> list[tuple[str, Path]]:
    """The distribution's ``.py`` files outside test folders, by path relative to their root."""
    found: list[tuple[str, Path]] = []
    for file in distribution.files or ():
        rel = str(file)
        if rel.endswith(".py") and not rel.startswith("..") and ".dist-info/" not in rel:
            found.append((rel, Path(str(distribution.locate_file(file)))))
    if not found:  # an editable install: its top-level packages, wherever they are
        meta_name = distribution.metadata["Name"] or ""
        tops = (distribution.read_text("top_level.txt") or "").split() or [
            canonical(meta_name).replace("-", "_")
        ]
        for top in tops:
            spec = importlib.util.find_spec(top) if top.isidentifier() else None
            for location in (spec.submodule_search_locations or []) if spec else []:
                base = Path(location)
                found.extend(
                    (f"{top}/{path.relative_to(base).as_posix()}", path)
                    for path in sorted(base.rglob("*.py"))
                )
    return [
        (rel, path)
        for rel, path in found
        if not TEST_FOLDERS & set(rel.split("/")[:-1]) and "__pycache__" not in rel
    ]


def installed_code(names: Iterable[str]) -> list[InstalledCode]:
    """The installed code of the distributions called ``names`` (canonical names)."""
    wanted = set(names)
    found: dict[str, InstalledCode] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if not name or canonical(name) not in wanted or canonical(name) in found:
            continue
        files = _code_files(distribution)
        lines = 0
        for _, path in files:
            try:
                with path.open("rb") as handle:
                    lines += sum(1 for _ in handle)
            except OSError:
                continue
        found[canonical(name)] = InstalledCode(name, files, lines)
    return [found[key] for key in sorted(found)]


def index_installed_code(
    stores: Stores, index: TextIndex, names: Iterable[str], budget: int
) -> dict[str, Any]:
    """Index each distribution's code (within ``budget`` lines) as a repository named after
    it, without embeddings; return what was indexed and skipped."""
    indexer = CodeIndexer(stores.graph, index)
    indexed: list[str] = []
    skipped: list[tuple[str, int]] = []  # name, lines
    lines = files = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-bench-code-") as folder:
        for code in installed_code(names):
            if not code.files or code.lines > budget:
                skipped.append((code.name, code.lines))
                continue
            root = Path(folder) / code.name
            for rel, path in code.files:
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(path, target)
                except OSError:
                    continue
            report = indexer.index_path(root, embed=False)
            indexed.append(code.name)
            lines += code.lines
            files += report.files
    cross = stores.graph.run("discovery/code_imports", {"namespace": "default"})
    return {
        "line_budget": budget,
        "indexed": len(indexed),
        "skipped": len(skipped),
        "skipped_over_budget": sorted(name for name, count in skipped if count > budget),
        "skipped_without_code": sorted(name for name, count in skipped if count <= budget),
        "lines_indexed": lines,
        "files_indexed": files,
        "cross_repository_imports": len(cross),
        "repository_pairs": len({(r["from_repository"], r["to_repository"]) for r in cross}),
        "seconds": round(time.perf_counter() - started, 1),
    }


def code_imports_figures(
    stores: Stores, names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """The default run with and without ``code_imports`` (the other methods alone)."""
    others = [method for method in METHODS if method != "code_imports"]
    return {
        "default_without_code_imports": evaluate(
            run_discovery(stores, methods=others), names, truth
        ),
        "default_with_code_imports": evaluate(run_discovery(stores), names, truth),
        "code_imports_alone_at_default": evaluate(
            run_discovery(stores, methods=["code_imports"]), names, truth
        ),
    }
