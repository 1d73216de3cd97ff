"""``moduleImports`` agrees with the import graph the independent ``grimp`` builds."""

from __future__ import annotations

import importlib
from pathlib import Path

import grimp
import pytest

from kgservice.services.registry import Services


def _grimp_edges(package: str) -> tuple[set[str], set[tuple[str, str]]]:
    graph = grimp.build_graph(package, cache_dir=None)
    edges = {
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
    }
    return set(graph.modules), edges


def _check(services: Services, package: str) -> int:
    root = Path(importlib.import_module(package).__file__ or "").parent
    report = services.codegraph.indexer.index_path(root, embed=False)
    assert report.errors == []
    graph = services.codegraph.commit_graph(package, None, "default")
    ours = set(graph.module_imports())
    modules, expected = _grimp_edges(package)
    # grimp leaves out files in directories without __init__.py (namespace portions inside
    # a package); they are modules here, so compare over the modules grimp knows.
    extra = {f.module for f in graph.files} - modules
    for module in extra:
        path = next(f.path for f in graph.files if f.module == module)
        assert not (root / path).parent.joinpath("__init__.py").exists(), path
    assert {(a, b) for a, b in ours if a in modules and b in modules} == expected
    return len(modules)


def test_graphql_core_imports_match_grimp(services: Services) -> None:
    assert _check(services, "graphql") > 100


@pytest.mark.slow
def test_networkx_imports_match_grimp(services: Services) -> None:
    assert _check(services, "networkx") > 500


def test_strawberry_imports_match_grimp(services: Services) -> None:
    assert _check(services, "strawberry") > 100
