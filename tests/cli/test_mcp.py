"""``kgservice mcp`` as documented: the README's client configuration and tool table."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from kgservice.api.mcp.registry import all_tools
from kgservice.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTION = README[README.index("## MCP for coding agents") :]
NEXT_HEADING = re.compile(r"^#{2,} ", re.M).search(SECTION, 1)  # "## " or a "### " after it
assert NEXT_HEADING is not None
SECTION = SECTION[: NEXT_HEADING.start()]


def test_the_command_exists() -> None:
    result = CliRunner().invoke(app, ["mcp", "--help"])
    assert result.exit_code == 0
    assert "--data-dir" in result.stdout


def test_the_configuration_snippets_launch_the_command_and_name_the_url() -> None:
    snippets = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", SECTION, re.S)]
    stdio, http = (snippet["mcpServers"]["kgservice"] for snippet in snippets)
    assert stdio["command"] == "uv"
    assert stdio["args"][-2:] == ["kgservice", "mcp"]
    assert set(stdio["env"]) == {"KG_DATA_DIR"}
    assert http["url"] == "http://127.0.0.1:8000/mcp"
    assert http["headers"]["Authorization"].startswith("Bearer kg_")


def test_the_tool_table_names_every_tool() -> None:
    rows = re.findall(r"^\| (?!tool )([a-z_, ]+) \| ", SECTION, re.M)
    documented = {name.strip() for row in rows for name in row.split(",")}
    assert documented == set(all_tools())
