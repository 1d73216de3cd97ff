"""``kgservice skills report`` over a data directory with recorded invocations."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.clock import utc_now
from kgservice.ids import new_id
from kgservice.services.skills.invocations import InvocationInput, record_invocations
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores

runner = CliRunner()


def runs(skill: str, count: int, start: datetime, days: float, rate: float, rng: random.Random,
         session: str) -> list[InvocationInput]:  # fmt: skip
    return [
        InvocationInput(
            skill=skill,
            at=start + timedelta(days=days * rng.random()),
            completed=rng.random() < rate,
            duration_ms=100.0,
            session_id=f"{session}-{k // 2}",
        )
        for k in range(count)
    ]


def test_report_lists_top_degrading_and_dependencies(settings: Settings, data_dir: Path) -> None:
    rng = random.Random(4)
    now = utc_now()
    items = (
        runs("pytest", 200, now - timedelta(days=29), 21, 0.95, rng, "a")
        + runs("pytest", 100, now - timedelta(days=6.9), 6.8, 0.6, rng, "b")
        + runs("ruff", 100, now - timedelta(days=29), 28, 0.9, rng, "a")
    )
    sessions = sorted({i.session_id for i in items if i.session_id})
    ids = {name: new_id("Session") for name in sessions}
    items = [replace(i, session_id=ids[i.session_id]) if i.session_id else i for i in items]
    with open_stores(settings) as stores:
        with stores.graph.transaction() as tx:
            for session_id in ids.values():
                tx.execute_trusted(
                    f"CREATE (:Session {{id: '{session_id}', namespace: 'default'}})"
                )
        record_invocations(stores.graph, "default", items)
    result = runner.invoke(
        app, ["skills", "report", "--data-dir", str(data_dir), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["invocations"] == 400
    assert [(s["skill"], s["invocations"]) for s in report["top_skills"]] == [
        ("pytest", 300),
        ("ruff", 100),
    ]
    assert [d["skill"] for d in report["degrading"]] == ["pytest"]
    assert {(c["source"], c["target"]) for c in report["dependencies"]} == {
        ("pytest", "ruff"),
        ("ruff", "pytest"),
    }
    markdown = runner.invoke(app, ["skills", "report", "--data-dir", str(data_dir), "--days", "30"])
    assert markdown.exit_code == 0
    assert "# Skills report: default" in markdown.stdout
    assert "| pytest | 300 |" in markdown.stdout
    assert "- pytest: " in markdown.stdout


def test_bad_days_fail_with_one_line(data_dir: Path) -> None:
    result = runner.invoke(app, ["skills", "report", "--data-dir", str(data_dir), "--days", "0"])
    assert result.exit_code == 1
    assert "days: must be between 1 and 365" in result.stderr
