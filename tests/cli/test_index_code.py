"""``kgservice index-code``: two commits of a fixture repository, then bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.embedding import Embedder
from tests.codegraph_fixture import make_linked_repositories, make_repository

runner = CliRunner()


@pytest.fixture(autouse=True)
def _shared_model_cache(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> None:
    """The command builds its model in the cache the test session already filled."""
    monkeypatch.setenv("KG_CACHE_DIR", str(embedder.cache_dir))


def test_index_two_commits_then_again(tmp_path: Path) -> None:
    root = tmp_path / "fixture"
    first, second = make_repository(root)
    data = str(tmp_path / "data")
    result = runner.invoke(app, ["index-code", str(root), "--commit", first, "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    assert f"indexed commit {first[:12]}: 6 files (6 parsed, 0 reused)" in result.stdout
    result = runner.invoke(app, ["index-code", str(root), "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    assert f"indexed commit {second[:12]}: 6 files (1 parsed, 5 reused)" in result.stdout
    result = runner.invoke(app, ["index-code", str(root), "--data-dir", data])
    assert result.stdout.strip() == f"commit {second[:12]} was already indexed (6 files)"


def test_bad_commit_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "fixture"
    make_repository(root)
    data = str(tmp_path / "data")
    result = runner.invoke(app, ["index-code", str(root), "--commit", "nope", "--data-dir", data])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"kgservice: commit: 'nope' is not a commit of {root}"
    missing = runner.invoke(app, ["index-code", str(tmp_path / "none"), "--data-dir", data])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"kgservice: path: {tmp_path / 'none'} is not a directory"


def test_imports_from_repositories_indexed_earlier_are_counted(tmp_path: Path) -> None:
    corelib, appkit = make_linked_repositories(tmp_path / "repos")
    data = str(tmp_path / "data")
    result = runner.invoke(app, ["index-code", str(appkit), "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    assert "other repositories" not in result.stdout
    result = runner.invoke(app, ["index-code", str(corelib), "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    assert "  2 imports from other repositories' files" in result.stdout
