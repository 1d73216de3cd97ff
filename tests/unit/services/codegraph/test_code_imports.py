"""Imports between repositories: the same IMPORTS edges whichever repository is indexed first."""

from __future__ import annotations

from pathlib import Path

from kgservice.services.codegraph.imports import external_import_edges, unresolved_imports
from kgservice.services.codegraph.parsing import FileAnalysis, ImportRef
from kgservice.services.registry import Services
from tests.codegraph_fixture import make_linked_repositories

EXPECTED = {
    ("appkit", "appkit/main.py", "corelib", "corelib/maths.py"),
    ("appkit", "appkit/cli.py", "corelib", "corelib/__init__.py"),
    ("corelib", "corelib/hooks.py", "appkit", "appkit/main.py"),
}


def cross_imports(services: Services) -> set[tuple[str, str, str, str]]:
    """(importer repository, path, imported repository, path) of every cross-repository edge."""
    names = {
        row["id"]: row["name"]
        for row in services.stores.graph.run("discovery/repositories", {"namespace": "default"})
    }
    rows = services.stores.graph.run("discovery/code_imports", {"namespace": "default"})
    return {
        (names[r["from_repository"]], r["from_path"], names[r["to_repository"]], r["to_path"])
        for r in rows
    }


def test_unresolved_names_and_their_edges() -> None:
    analysis = FileAnalysis(
        "app.main",
        False,
        3,
        imports=[ImportRef("app", ["util"]), ImportRef("lib.sub", ["thing"]), ImportRef("os")],
    )
    own = {"app": "app/__init__.py", "app.util": "app/util.py"}
    assert unresolved_imports(analysis, own) == ["lib.sub.thing", "os"]
    other = {"lib": ["f1"], "lib.sub": ["f2", "f3"]}  # two repositories define lib.sub
    edges = external_import_edges({"app/main.py": ["lib.sub.thing", "os"]}, other)
    assert edges == {("app/main.py", "f2"), ("app/main.py", "f3")}


def test_either_order_gives_the_same_edges(services: Services, tmp_path: Path) -> None:
    corelib, appkit = make_linked_repositories(tmp_path / "one")
    first = services.codegraph.index(str(appkit))
    assert first.imports_from_other_repositories == 0
    second = services.codegraph.index(str(corelib))
    assert second.imports_from_other_repositories == 2  # appkit's files, indexed earlier
    assert cross_imports(services) == EXPECTED


def test_reverse_order_and_reindexing_are_idempotent(services: Services, tmp_path: Path) -> None:
    corelib, appkit = make_linked_repositories(tmp_path / "two")
    services.codegraph.index(str(corelib))
    report = services.codegraph.index(str(appkit))
    assert report.imports_from_other_repositories == 1  # corelib/hooks.py
    assert cross_imports(services) == EXPECTED
    before = services.stores.graph.run(
        "codegraph/version_imports", {"file_ids": _file_ids(services)}
    )
    assert services.codegraph.index(str(corelib)).already_indexed
    # A new commit of corelib (one file changed) links appkit's files to it again.
    (corelib / "corelib" / "maths.py").write_text("def add(a, b):\n    return b + a\n")
    changed = services.codegraph.index(str(corelib))
    assert (changed.parsed, changed.reused) == (1, 2)
    assert changed.imports_from_other_repositories == 1  # appkit/main.py, to the new maths.py
    assert cross_imports(services) >= EXPECTED
    again = services.stores.graph.run(
        "codegraph/version_imports", {"file_ids": _file_ids(services)}
    )
    assert len(again) == len(before) + 2  # that one, and corelib/__init__.py's to it
    assert len({(r["from_id"], r["to_id"]) for r in again}) == len(again)


def _file_ids(services: Services) -> list[str]:
    rows = services.stores.graph.run("discovery/repositories", {"namespace": "default"})
    ids: list[str] = []
    for repo in rows:
        for commit in services.stores.graph.run(
            "codegraph/repository_commits", {"repository_id": repo["id"]}
        ):
            ids.extend(
                f["id"]
                for f in services.stores.graph.run(
                    "codegraph/commit_files", {"commit_id": commit["id"]}
                )
            )
    return sorted(set(ids))


def test_versions_stored_without_kept_names_use_their_parse_result(
    services: Services, tmp_path: Path
) -> None:
    corelib, appkit = make_linked_repositories(tmp_path / "three")
    services.codegraph.index(str(appkit))
    with services.stores.graph.transaction() as tx:  # as stored before migration 0009
        tx.execute_trusted("MATCH (f:CodeFile) SET f.unresolved_imports = NULL")
    report = services.codegraph.index(str(corelib))
    assert report.imports_from_other_repositories == 2
    assert cross_imports(services) == EXPECTED


def test_a_name_the_importers_own_repository_defines_does_not_count(
    services: Services, tmp_path: Path
) -> None:
    corelib, appkit = make_linked_repositories(tmp_path / "four")
    services.codegraph.index(str(appkit))
    # appkit now ships a corelib package of its own: its imports of corelib stay inside it.
    (appkit / "corelib").mkdir()
    (appkit / "corelib" / "__init__.py").write_text("")
    (appkit / "corelib" / "maths.py").write_text("def add(a, b):\n    return 0\n")
    services.codegraph.index(str(appkit))
    services.codegraph.index(str(corelib))
    assert {row[:3] for row in cross_imports(services)} == {
        ("corelib", "corelib/hooks.py", "appkit")
    }
