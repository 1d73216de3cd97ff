"""The playground bundle's state: built, stale, missing, and without npm."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kgservice.api.playground.bundle import (
    BUNDLE_FILES,
    BackgroundBuild,
    BuildError,
    build_bundle,
    bundle_state,
)


def make_sources(web: Path) -> None:
    (web / "src").mkdir(parents=True)
    (web / "package.json").write_text("{}")
    (web / "package-lock.json").write_text("{}")
    (web / "src" / "playground.js").write_text("export {};")


def make_bundle(static: Path, mtime: float) -> None:
    static.mkdir()
    for name in BUNDLE_FILES:
        (static / name).write_text(name)
        os.utime(static / name, (mtime, mtime))


def test_missing_then_built_then_stale(tmp_path: Path) -> None:
    web, static = tmp_path / "web", tmp_path / "static"
    make_sources(web)
    missing = bundle_state(static, web)
    assert not missing.built
    assert missing.summary.startswith("not built")
    sources_time = (web / "src" / "playground.js").stat().st_mtime
    make_bundle(static, sources_time + 10)
    fresh = bundle_state(static, web)
    assert fresh.built
    assert not fresh.stale
    assert not fresh.needs_build
    assert fresh.summary == "built"
    os.utime(web / "src" / "playground.js", (sources_time + 20, sources_time + 20))
    stale = bundle_state(static, web)
    assert stale.stale
    assert "older than web/" in stale.summary
    assert stale.needs_build == (stale.npm is not None)


def test_an_install_without_sources_or_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "no web/ sources" in bundle_state(tmp_path / "static", tmp_path / "web").summary
    web = tmp_path / "web"
    make_sources(web)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # npm is not installed here
    state = bundle_state(tmp_path / "static", web)
    assert state.npm is None
    assert not state.needs_build
    assert "npm is not installed" in state.summary
    with pytest.raises(BuildError, match="npm is not installed"):
        build_bundle(web, log=lambda line: None)


def test_a_background_build_waits_for_the_server_and_stops_with_it() -> None:
    lines: list[str] = []
    build = BackgroundBuild(ready=lambda: False, log=lines.append)  # never listening
    state = build.start()
    assert (build.thread is not None) == state.needs_build
    build.stop()
    assert build.thread is None or not build.thread.is_alive()
    assert lines == []  # nothing was built, nothing reported
