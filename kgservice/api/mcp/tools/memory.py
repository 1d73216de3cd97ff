"""``store_reflection`` and ``store_conversation``: long-lived, searchable memory."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kgservice.api.mcp import results
from kgservice.api.mcp.tooling import Arguments, Tool, ToolContext
from kgservice.errors import InputError

PROJECT = (
    "The project, by name (created on first use) or by id. Agents usually pass the name "
    "of the repository or working directory."
)


class StoreReflectionArguments(Arguments):
    content: str = Field(description="The lesson or insight, self-contained.")
    project: str = Field(description=PROJECT)
    tags: list[str] = Field(default_factory=list, description="Short labels (at most 50).")
    importance: float = Field(
        default=0.5, description="0..1; higher-importance reflections come first in context."
    )


class StoreConversationArguments(Arguments):
    content: str | None = Field(
        default=None,
        description="The conversation text (length within the configured bounds). "
        "Give this, or thread_id.",
    )
    project: str | None = Field(default=None, description=PROJECT + " Required with content.")
    session_id: str | None = Field(
        default=None, description="The kgservice Session id it belongs to (optional)."
    )
    metadata: dict[str, Any] | None = Field(default=None, description="Any JSON object.")
    thread_id: str | None = Field(
        default=None,
        description="Instead of content: store this thread's transcript as one conversation "
        "linked to the thread (a checkpoint).",
    )


async def store_reflection(context: ToolContext, args: StoreReflectionArguments) -> dict[str, Any]:
    project = await context.project(args.project)
    memory = context.services.memory
    record = await context.request.run(
        lambda: memory.store_reflection(
            args.content, project.id, tags=args.tags, importance=args.importance
        )
    )
    return {"reflection": results.memory(record), "project": results.project(project)}


async def store_conversation(
    context: ToolContext, args: StoreConversationArguments
) -> dict[str, Any]:
    memory = context.services.memory
    request = context.request
    if args.thread_id is not None:
        if args.content is not None or args.session_id is not None or args.metadata is not None:
            raise InputError("thread_id", "takes no content, session_id or metadata")
        await request.check_node(args.thread_id)
        record = await request.run(memory.store_checkpoint, args.thread_id)
        return {"conversation": results.memory(record)}
    if args.content is None:
        raise InputError("content", "give content, or thread_id")
    if args.project is None:
        raise InputError("project", "is required with content")
    project = await context.project(args.project)
    await request.check_node(args.session_id)
    content, session_id, metadata = args.content, args.session_id, args.metadata
    record = await request.run(
        lambda: memory.store_conversation(
            content, project.id, session_id=session_id, metadata=metadata
        )
    )
    return {"conversation": results.memory(record), "project": results.project(project)}


TOOLS = (
    Tool(
        name="store_reflection",
        description=(
            "Keep a lesson or insight for later sessions of a project (a decision and its "
            "reason, a pitfall, a convention). Embedded for `search`; the most important "
            "come back in `session_context`."
        ),
        arguments=StoreReflectionArguments,
        handler=store_reflection,
        writes=True,
    ),
    Tool(
        name="store_conversation",
        description=(
            "Store a conversation (a summary or excerpt worth finding again) for a project, "
            "or, with thread_id, checkpoint a thread's whole transcript as one conversation. "
            "Embedded for `search`."
        ),
        arguments=StoreConversationArguments,
        handler=store_conversation,
        writes=True,
    ),
)
