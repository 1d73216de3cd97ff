"""The MCP server: kgservice's tools, resources and prompt over the official SDK.

One :class:`mcp.server.Server` serves both transports; its lifespan yields the
:class:`McpState` (the services), opened by ``kgservice mcp`` for stdio or handed over by
the HTTP app for ``/mcp``. The caller's rights come from the HTTP request the auth
middleware has seen (full access over stdio, or when no API keys are configured).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from mcp import types
from mcp.server import Server, ServerRequestContext

from kgservice import __version__
from kgservice.api.access import FULL_ACCESS, Access, AccessDeniedError
from kgservice.api.auth import ACCESS_SCOPE_KEY
from kgservice.api.context import RequestContext
from kgservice.api.mcp import prompts, resources
from kgservice.api.mcp.outcomes import error_of, tool_error, tool_result
from kgservice.api.mcp.registry import all_tools
from kgservice.api.mcp.tooling import Tool, ToolContext
from kgservice.services.mcp.projects import ProjectDirectory
from kgservice.services.mcp.session_context import SessionContextReader
from kgservice.services.registry import Services

INSTRUCTIONS = (
    "kgservice is this agent's long-term memory. On start or resume call "
    "record_session_transition and session_context for the project; search before deciding; "
    "store_reflection for lessons. The use_memory prompt explains more."
)


@dataclass
class McpState:
    """What every MCP request uses: the services and the request time budget."""

    services: Services
    budget_ms: int | None = None

    def __post_init__(self) -> None:
        self.projects = ProjectDirectory(self.services.stores.graph)
        self.session_context = SessionContextReader(self.services.stores.graph, self.services.reads)


Lifespan = Callable[[Server[McpState]], AbstractAsyncContextManager[McpState]]
Context = ServerRequestContext[McpState, Any]


def access_of(ctx: Context) -> Access:
    """The rights of the HTTP request carrying this message (full access over stdio)."""
    request = ctx.request
    if request is None:
        return FULL_ACCESS
    access: Access | None = request.scope.get(ACCESS_SCOPE_KEY)
    return access or FULL_ACCESS


def tool_context(ctx: Context) -> ToolContext:
    """A tool call's context, its time budget starting now."""
    state = ctx.lifespan_context
    request = RequestContext(
        services=state.services, access=access_of(ctx), budget_ms=state.budget_ms
    )
    if state.budget_ms:
        request.deadline = time.monotonic() + state.budget_ms / 1000
    return ToolContext(request, state.projects, state.session_context)


def build_server(lifespan: Lifespan) -> Server[McpState]:
    """The MCP server over the state ``lifespan`` yields."""
    tools = all_tools()
    described = {name: _describe(tool) for name, tool in tools.items()}  # schemas made once

    async def list_tools(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        can_write = access_of(ctx).can_write
        return types.ListToolsResult(
            tools=[described[t.name] for t in tools.values() if can_write or not t.writes]
        )

    def input_schema(name: str) -> dict[str, Any] | None:
        """A tool's input schema, for the transport's checks of Mcp-Param headers."""
        tool = described.get(name)
        return tool.input_schema if tool else None

    async def call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            return tool_error({"type": "Error", "message": f"unknown tool {params.name!r}"})
        try:
            context = tool_context(ctx)
            access = context.request.access
            if tool.writes and not access.can_write:
                raise AccessDeniedError(
                    f"API key {access.key_name!r} has read scope: {tool.name} writes and is "
                    "not allowed"
                )
            arguments = tool.arguments.model_validate(params.arguments or {})
            return tool_result(await tool.handler(context, arguments))
        except Exception as exc:  # every failure is the caller's tool error, never a crash
            return tool_error(error_of(exc, tool.name))

    async def list_resources(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=await resources.listed(tool_context(ctx)))

    async def list_resource_templates(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=resources.TEMPLATES)

    async def read_resource(
        ctx: Context, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        return await resources.read(tool_context(ctx), params.uri)

    async def list_prompts(
        ctx: Context, params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[prompts.PROMPT])

    async def get_prompt(
        ctx: Context, params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        return prompts.get(params.name, params.arguments)

    return Server(
        "kgservice",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        get_tool_input_schema=input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
    )


def _describe(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.input_schema(),
        annotations=types.ToolAnnotations(
            read_only_hint=not tool.writes, destructive_hint=False, open_world_hint=False
        ),
    )
