"""The MCP search tool offers exactly the kinds the text index stores."""

from __future__ import annotations

from typing import get_args

from kgservice.api.mcp.tools.search import Kind
from kgservice.services.text_index import TEXT_KINDS


def test_search_kinds_follow_the_text_index() -> None:
    assert set(get_args(Kind)) == set(TEXT_KINDS)
