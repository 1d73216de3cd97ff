"""``kgservice quality-report``: Markdown and JSON, project choice, and --fail-on exits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.ids import new_id
from kgservice.services.quality.runs import QualityRunInput
from kgservice.services.quality.service import QualityService
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores

runner = CliRunner()
BASE = datetime.now(UTC) - timedelta(days=10)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add_project(settings: Settings, name: str, lint: list[float], durations: list[float]) -> str:
    project = new_id("Project")
    with open_stores(settings) as stores:
        with stores.graph.transaction() as tx:
            tx.execute_trusted(
                f"CREATE (:Project {{id: '{project}', name: '{name}', namespace: 'default'}})"
            )
        QualityService(stores.graph).record_many(
            [
                QualityRunInput(
                    project,
                    "pytest",
                    at=BASE + timedelta(days=day),
                    lint_score=score,
                    duration_seconds=seconds,
                )
                for day, (score, seconds) in enumerate(zip(lint, durations, strict=True))
            ]
        )
    return project


@pytest.fixture
def seeded(settings: Settings) -> tuple[Settings, str, str]:
    falling = add_project(settings, "falling", [80, 90, 70, 60], [10, 12, 30, 20])
    steady = add_project(settings, "steady", [80, 80, 81, 80], [1, 1, 1, 1])
    return settings, falling, steady


def test_json_report_of_every_project(seeded: tuple[Settings, str, str], tmp_path: Path) -> None:
    settings, _, _ = seeded
    target = tmp_path / "report.json"
    code, out, _ = invoke(
        "quality-report",
        "--data-dir",
        str(settings.data_dir),
        "--format",
        "json",
        "--output",
        str(target),
    )
    assert code == 0  # alerts do not fail the run without --fail-on
    assert out == ""
    report = json.loads(target.read_text())
    assert report["days"] == 30
    assert report["threshold"] == 5
    sections = {s["project"]["name"]: s for s in report["projects"]}
    assert set(sections) == {"falling", "steady"}
    lint = sections["falling"]["trends"][0]
    assert lint["metric"] == "LINT_SCORE"
    assert (lint["first"], lint["last"]) == (pytest.approx(87), pytest.approx(63))
    assert lint["runs"] == 4
    assert [(a["metric"], a["severity"]) for a in sections["falling"]["alerts"]] == [
        ("LINT_SCORE", "CRITICAL")
    ]
    assert sections["steady"]["alerts"] == []
    (command,) = sections["falling"]["commands"]
    assert command["meanSeconds"] == pytest.approx(18.0)
    assert command["p95Seconds"] == pytest.approx(20 + 0.85 * 10)  # 10, 12, 20, 30 at rank 2.85


def test_markdown_for_one_project_by_name(seeded: tuple[Settings, str, str]) -> None:
    settings, falling, _ = seeded
    code, out, _ = invoke(
        "quality-report",
        "--data-dir",
        str(settings.data_dir),
        "--project",
        "falling",
        "--days",
        "20",
    )
    assert code == 0
    assert out.startswith("# Quality report\n")
    assert "Last 20 days, alert threshold 5 %" in out
    assert "## falling" in out
    assert "## steady" not in out
    assert f"`{falling}`" in out
    assert "- **CRITICAL** lint score degraded 27.6%" in out
    assert "| LINT_SCORE | 87.00 | 63.00 | -27.6 | DEGRADING | 4 |" in out
    assert "| `pytest` | 4 | 100.0 | 18.00 | 28.50 |" in out


def test_fail_on_sets_the_exit_code(seeded: tuple[Settings, str, str]) -> None:
    settings, _, steady = seeded
    data = ("--data-dir", str(settings.data_dir))
    code, _, err = invoke("quality-report", *data, "--fail-on", "critical")
    assert code == 1
    assert "1 alert(s) at critical or worse" in err
    code, _, _ = invoke("quality-report", *data, "--fail-on", "warning", "--project", steady)
    assert code == 0
    code, _, _ = invoke("quality-report", *data, "--fail-on", "critical", "--threshold", "20")
    assert code == 1  # the threshold moves only the lowest band
    code, _, _ = invoke("quality-report", *data, "--fail-on", "info", "--threshold", "30")
    assert code == 0  # 27.6 % is under it


def test_bad_arguments_fail_with_one_line(seeded: tuple[Settings, str, str]) -> None:
    settings, _, _ = seeded
    data = ("--data-dir", str(settings.data_dir))
    code, _, err = invoke("quality-report", *data, "--project", "nope")
    assert (code, err.strip()) == (1, "kgservice: project named nope not found")
    code, _, err = invoke("quality-report", *data, "--days", "0")
    assert code == 1
    assert "days" in err
    code, _, err = invoke("quality-report", *data, "--threshold", "-2")
    assert code == 1
    assert "threshold" in err
