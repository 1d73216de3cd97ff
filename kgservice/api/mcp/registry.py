"""The MCP tools: every domain module's ``TOOLS``, in the order agents see them.

A new domain adds its tools by adding its module to :data:`TOOL_MODULES`.
"""

from __future__ import annotations

from types import ModuleType

from kgservice.api.mcp.tooling import Tool
from kgservice.api.mcp.tools import jobs, knowledge, memory, search, sessions, skills

TOOL_MODULES: tuple[ModuleType, ...] = (sessions, memory, search, knowledge, jobs, skills)


def all_tools() -> dict[str, Tool]:
    """Every tool by name (a name used twice is a programming error)."""
    tools: dict[str, Tool] = {}
    for module in TOOL_MODULES:
        for tool in module.TOOLS:
            if tool.name in tools:
                raise RuntimeError(f"MCP tool {tool.name} is defined twice")
            tools[tool.name] = tool
    return tools
