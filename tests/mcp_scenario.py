"""The round trip an agent makes through MCP, shared by the stdio and HTTP tests."""

from __future__ import annotations

from typing import Any

from mcp import Client

TOOLS = {
    "search",
    "store_reflection",
    "store_conversation",
    "add_messages",
    "record_session_transition",
    "resolve_session",
    "session_context",
    "create_entity",
    "create_relation",
    "entity",
    "neighborhood",
    "start_discovery",
    "job",
    "record_skill_invocation",
}


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, (tool, result.content)
    data: dict[str, Any] = result.structured_content
    return data


async def agent_round_trip(client: Client, project: str) -> dict[str, Any]:
    """List tools, keep and find a reflection, move the session chain, read a transcript."""
    listed = await client.list_tools()
    assert {tool.name for tool in listed.tools} == TOOLS
    lesson = f"In {project}, run the whole test suite only in CI: the machine is shared."
    stored = await call(client, "store_reflection", content=lesson, project=project, tags=["ci"])
    found = await call(client, "search", text="whole test suite only in CI", k=5)
    assert stored["reflection"]["id"] in [hit["id"] for hit in found["hits"]]

    first = await call(
        client,
        "record_session_transition",
        project=project,
        new_external_id=f"{project}-1",
        source="BUILD",
    )
    second = await call(
        client,
        "record_session_transition",
        project=project,
        new_external_id=f"{project}-2",
        source="COMPACT",
        expected_previous=first["session"]["id"],
    )
    resolved = await call(client, "resolve_session", external_id=f"{project}-1")
    assert resolved["is_stale"] is True
    assert resolved["latest"]["id"] == second["session"]["id"]

    added = await call(
        client,
        "add_messages",
        session=f"{project}-2",
        messages=[
            {"role": "user", "content": "Where do the MCP tools live?"},
            {"role": "assistant", "content": "In kgservice/api/mcp/tools, one module per domain."},
        ],
    )
    thread_id = added["thread"]["id"]
    transcript = await client.read_resource(f"kgservice://thread/{thread_id}")
    text = transcript.contents[0].text  # type: ignore[union-attr]
    assert "one module per domain" in text
    return {"project": stored["project"], "thread_id": thread_id}
