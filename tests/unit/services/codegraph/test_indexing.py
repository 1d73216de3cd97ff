"""Indexing a fixture repository at two commits: edges, reuse, impact and call chains."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgservice.errors import InputError
from kgservice.services.codegraph.commit_graph import CommitGraph
from kgservice.services.codegraph.impact import call_chain, impact, importers_of
from kgservice.services.registry import Services
from tests.codegraph_fixture import make_repository


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "fixture"
    first, second = make_repository(root)
    return root, first, second


def _impact(graph: CommitGraph, target: str, depth: int = 3) -> dict[str, tuple[int, str]]:
    return {i.symbol.qualname: (i.distance, i.via) for i in impact(graph, target, depth)}


def test_two_commits_share_unchanged_files(services: Services, repo: tuple[Path, str, str]) -> None:
    root, first, second = repo
    code = services.codegraph
    one = code.index(str(root), first)
    assert (one.files, one.parsed, one.reused) == (6, 6, 0)
    assert (one.imports, one.inherits) == (3, 1)
    two = code.index(str(root))  # HEAD is the second commit
    assert two.sha == second
    assert (two.files, two.parsed, two.reused) == (6, 1, 5)
    # Only the changed file is new, and its path and symbols' texts are embedded already.
    assert (one.symbols, one.embedded) == (16, 22)
    assert (two.symbols, two.embedded) == (2, 0)
    again = code.index(str(root), second)
    assert again.already_indexed
    assert again.commit_id == two.commit_id
    counts = {r["label"]: r["count"] for r in services.stores.graph.run("core/count_nodes")}
    assert counts["CodeFile"] == 7  # six versions, plus the changed file's second one
    assert counts["Commit"] == 2

    old = code.commit_graph("fixture", first[:8], "default")
    new = code.commit_graph("fixture", None, "default")
    assert new.commit.sha == second
    assert old.module_imports() == [
        ("app.api", "app.store"),
        ("app.cli", "app.api"),
        ("app.store", "app.models"),
    ]
    assert new.module_imports() == [*old.module_imports(), ("app.store", "app.util")]
    assert _impact(old, "app.util.helper") == {}
    assert _impact(new, "app.util.helper") == {
        "app.store.load": (1, "calls"),
        "app.api.handler": (2, "calls"),
        "app.cli.main": (3, "calls"),
    }
    assert [s.qualname for s in importers_of(new, "app.util")] == ["app.store"]
    assert [s.qualname for s in importers_of(new, "app.store")] == ["app.api"]


def test_impact_and_call_chain_have_known_answers(
    services: Services, repo: tuple[Path, str, str]
) -> None:
    root, first, _ = repo
    services.codegraph.index(str(root), first)
    graph = services.codegraph.commit_graph(None, None, "default")
    assert _impact(graph, "app.models.Base.validate") == {
        "app.models.Base.save": (1, "calls"),
        "app.models.User.rename": (2, "calls"),  # self.save() found on the base class
        "app.models.make_user": (3, "calls"),
    }
    assert _impact(graph, "app.models", depth=2) == {
        "app.store": (1, "imports"),
        "app.store.load": (1, "calls"),
        "app.api": (2, "imports"),
        "app.api.handler": (2, "calls"),
    }
    chain = call_chain(graph, "app.cli.main", "Base.validate")
    assert chain is not None
    assert [s.qualname for s in chain] == [
        "app.cli.main",
        "app.api.handler",
        "app.store.load",
        "app.models.make_user",
        "app.models.User.rename",
        "app.models.Base.save",
        "app.models.Base.validate",
    ]
    assert call_chain(graph, "app.models.Base.validate", "app.cli.main") is None
    with pytest.raises(InputError, match="no module, symbol or file"):
        impact(graph, "app.nothing")
    with pytest.raises(InputError, match="depth"):
        impact(graph, "app.models", depth=0)


def test_bad_files_are_recorded_or_skipped(services: Services, tmp_path: Path) -> None:
    root = tmp_path / "bad"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "good.py").write_text("def ok():\n    return 1\n")
    (root / "pkg" / "broken.py").write_text("def broken(:\n")
    (root / "pkg" / "blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (root / "pkg" / "latin.py").write_bytes("name = 'caf\xe9'\n".encode("latin-1"))
    (root / "pkg" / "loop_a.py").symlink_to(root / "pkg" / "loop_b.py")
    (root / "pkg" / "loop_b.py").symlink_to(root / "pkg" / "loop_a.py")
    report = services.codegraph.index(str(root))
    errors = {e.path: e.reason for e in report.errors}
    skipped = {s.path: s.reason for s in report.skipped}
    assert errors["pkg/broken.py"].startswith("syntax error")
    assert errors["pkg/blob.py"] == "binary file"
    assert errors["pkg/latin.py"].startswith("not UTF-8")
    assert skipped == {"pkg/loop_a.py": "symlink loop", "pkg/loop_b.py": "symlink loop"}
    assert report.files == 5
    graph = services.codegraph.commit_graph("bad", None, "default")
    assert "pkg.good.ok" in graph.by_qualname


def test_commit_must_exist(services: Services, repo: tuple[Path, str, str]) -> None:
    root, _, _ = repo
    with pytest.raises(InputError) as caught:
        services.codegraph.index(str(root), "0" * 40)
    assert caught.value.field == "commit"
    with pytest.raises(InputError, match="not a git checkout"):
        services.codegraph.index(str(root / "app"), "HEAD")
