"""The command line through Typer's runner: migrate, status, errors, bench."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgservice.api.playground.bundle import bundle_state
from kgservice.cli import app
from kgservice.stores.migrations import discover_migrations

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_the_commands() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for command in ("serve", "migrate", "status", "bench"):
        assert command in out


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kgservice", "migrate", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "--dry-run" in done.stdout or "up" in done.stdout


def test_migrate_round_trip(data_dir: Path) -> None:
    code, out, _ = invoke("migrate", "up", "--data-dir", str(data_dir))
    assert code == 0
    assert "applied 0001_initial (up)" in out
    last = discover_migrations()[-1]
    code, out, _ = invoke("migrate", "down", "--dry-run", "--data-dir", str(data_dir))
    assert code == 0
    assert f"would apply {last.label} (down)" in out
    code, out, _ = invoke("migrate", "down", "--steps", "1", "--data-dir", str(data_dir))
    assert f"applied {last.label} (down)" in out
    code, out, _ = invoke("migrate", "status", "--data-dir", str(data_dir))
    assert f"pending  {last.label}" in out
    code, out, _ = invoke("migrate", "up", "--to", str(last.version), "--data-dir", str(data_dir))
    assert code == 0
    assert f"schema version {last.version}" in out


def test_status_json(data_dir: Path) -> None:
    invoke("migrate", "up", "--data-dir", str(data_dir))
    code, out, _ = invoke("status", "--json", "--data-dir", str(data_dir))
    assert code == 0
    report = json.loads(out)
    assert report["schema"]["up_to_date"] is True
    assert report["graph"]["nodes"]["Project"] == 0
    assert "HAS_MESSAGE" in report["graph"]["relationships"]
    assert report["graph"]["size_bytes"] > 0
    assert report["health"]["graph"]["ok"] is True
    assert report["playground"] == bundle_state().summary
    code, out, _ = invoke("status", "--data-dir", str(data_dir))
    assert code == 0
    assert "up to date" in out
    assert f"playground: {bundle_state().summary}" in out


def test_unusable_data_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = invoke("status", "--data-dir", str(blocker))
    assert code == 1
    assert err.strip() == f"kgservice: data directory {blocker} is not a directory"


def test_serve_refuses_an_outdated_schema(data_dir: Path) -> None:
    invoke("migrate", "up", "--data-dir", str(data_dir))
    invoke("migrate", "down", "--data-dir", str(data_dir))
    code, _, err = invoke("serve", "--data-dir", str(data_dir), "--port", "1")
    assert code == 1
    assert "run: kgservice migrate up --data-dir" in err
    assert err.count("\n") == 1


def test_usage_errors_exit_2(data_dir: Path) -> None:
    code, _, _ = invoke("migrate", "down", "--steps", "0", "--data-dir", str(data_dir))
    assert code == 2


def test_unknown_benchmark() -> None:
    code, _, err = invoke("bench", "nope")
    assert code == 1
    assert "unknown benchmark nope" in err


@pytest.mark.slow
def test_bench_runs_quick() -> None:
    code, out, _ = invoke("bench", "neighborhood", "--quick")
    assert code == 0
    result = json.loads(out)["neighborhood"]
    for shape in ("uniform", "power_law"):
        figures = result["figures"][shape]
        assert figures["field_depth2"]["samples"] == 40
        assert figures["mean_nodes_depth2"] > figures["mean_nodes_depth1"]


def test_status_of_an_empty_data_dir_says_to_migrate(data_dir: Path) -> None:
    code, out, _ = invoke("status", "--json", "--data-dir", str(data_dir))
    assert code == 0
    report = json.loads(out)
    latest = len(discover_migrations())
    assert report["schema"] == {"current": 0, "latest": latest, "up_to_date": False, "edited": []}
    assert report["vectors"]["coverage"] == {}
    code, out, _ = invoke("status", "--data-dir", str(data_dir))
    assert "OUTDATED: run kgservice migrate up" in out
