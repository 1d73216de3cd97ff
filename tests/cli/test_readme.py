"""The README's set-up commands and command table match the code and CI."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from kgservice.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_two_setup_commands_and_ci_runs_the_test_command() -> None:
    assert "\n    uv run kgservice serve\n" in README
    assert "\n    uv run pytest\n" in README
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "uv run pytest" in ci


def test_every_documented_command_exists() -> None:
    documented = set(re.findall(r"^\| `([a-z-]+)[ `]", README, flags=re.M))
    assert {"serve", "migrate", "status", "bench"} <= documented
    runner = CliRunner()
    for command in documented:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, command


def test_documented_settings_exist() -> None:
    from kgservice.settings import Settings

    for variable in set(re.findall(r"`KG_([A-Z_]+)`", README)) - {"CONFIG_FILE"}:
        assert variable.lower() in Settings.model_fields, variable
