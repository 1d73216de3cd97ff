"""Session tools: the rolling session chain, messages, and the context to start from."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kgservice.api.mcp import results
from kgservice.api.mcp.tooling import Arguments, Tool, ToolContext
from kgservice.api.mcp.tools.memory import PROJECT
from kgservice.errors import InputError, KgError, NotFoundError
from kgservice.ids import label_of
from kgservice.services.sessions import ROLES, NewMessage
from kgservice.services.sessions.records import SessionRecord

DEFAULT_THREAD = "main"


class MessageArgument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(json_schema_extra={"enum": list(ROLES)}, description="Who spoke.")
    content: str
    metadata: dict[str, Any] | None = Field(default=None, description="Any JSON object.")


class AddMessagesArguments(Arguments):
    messages: list[MessageArgument] = Field(description="Messages to append, in order (1..1000).")
    thread_id: str | None = Field(
        default=None, description="Append to this thread. Give this, or session."
    )
    session: str | None = Field(
        default=None,
        description="Start a new thread in this session, by kgservice Session id or by the "
        "agent's own session id (as given to record_session_transition).",
    )
    thread_name: str = Field(default=DEFAULT_THREAD, description="The new thread's name.")


class RecordSessionTransitionArguments(Arguments):
    project: str = Field(description=PROJECT)
    new_external_id: str = Field(description="The agent's own id of the session it is now in.")
    source: Literal["BUILD", "METADATA", "COMPACT", "CHAT_PLAN", "RESUME"] = Field(
        description="What started the new session (RESUME on resume, COMPACT on compaction)."
    )
    expected_previous: str | None = Field(
        default=None,
        description="The Session id the agent believes is latest; if another session has "
        "taken its place, nothing changes and the error names the current one.",
    )


class ResolveSessionArguments(Arguments):
    external_id: str = Field(description="The agent's own session id.")


class SessionContextArguments(Arguments):
    project: str = Field(description="The project, by name or id.")
    threads: int = Field(default=3, description="Newest threads of the latest session, 0..20.")
    messages: int = Field(default=20, description="Last messages of each thread, 0..200.")
    reflections: int = Field(default=10, description="Most important reflections, 0..50.")


async def find_session(context: ToolContext, session: str) -> SessionRecord:
    """A session by kgservice id or by external id."""
    request = context.request
    if label_of(session) == "Session":
        await request.check_node(session)
        found = (await request.run(context.services.reads.sessions, [session])).get(session)
    else:
        resolved = await request.run(context.services.chain.resolve, session)
        found = resolved.session if resolved else None
    if found is None or not request.visible(found.namespace):
        raise NotFoundError(session, "session")
    return found


async def add_messages(context: ToolContext, args: AddMessagesArguments) -> dict[str, Any]:
    if (args.thread_id is None) == (args.session is None):
        raise InputError("thread_id", "give exactly one of thread_id and session")
    sessions = context.services.sessions
    request = context.request
    batch = [NewMessage(m.role, m.content, m.metadata) for m in args.messages]
    created = None
    if args.thread_id is not None:
        thread_id = args.thread_id
        await request.check_node(thread_id)
    else:
        session = await find_session(context, str(args.session))
        created = await request.run(sessions.create_thread, session.id, args.thread_name)
        thread_id = created.id
    try:
        added = await request.run(sessions.add_messages, thread_id, batch)
    except KgError:
        if created is not None:  # leave no empty thread behind
            await request.run(sessions.delete_thread, created.id)
        raise
    thread = (await request.run(context.services.reads.threads, [thread_id]))[thread_id]
    return {
        "thread": results.thread(thread),
        "thread_created": created is not None,
        "added": [{"id": m.id, "idx": m.idx, "role": m.role} for m in added],
    }


async def record_session_transition(
    context: ToolContext, args: RecordSessionTransitionArguments
) -> dict[str, Any]:
    project = await context.project(args.project)
    chain = context.services.chain
    await context.request.check_node(args.expected_previous)
    result = await context.request.run(
        chain.record_transition,
        project.id,
        args.new_external_id,
        args.source,
        args.expected_previous,
    )
    return {
        "session": results.session(result.session),
        "previous": results.session(result.previous),
        "created": result.created,
        "project": results.project(project),
    }


async def resolve_session(context: ToolContext, args: ResolveSessionArguments) -> dict[str, Any]:
    found = await context.request.run(context.services.chain.resolve, args.external_id)
    if found is None or not context.request.visible(found.session.namespace):
        return {"found": False, "session": None, "latest": None, "is_stale": False}
    return {
        "found": True,
        "session": results.session(found.session),
        "latest": results.session(found.latest),
        "is_stale": found.is_stale,
    }


async def session_context(context: ToolContext, args: SessionContextArguments) -> dict[str, Any]:
    project = await context.find_project(args.project)
    if project is None:
        return {"project": None, "latest_session": None, "threads": [], "reflections": []}
    found = await context.request.run(
        lambda: context.session_context.context(
            project, threads=args.threads, messages=args.messages, reflections=args.reflections
        )
    )
    return {
        "project": results.project(found.project),
        "latest_session": results.session(found.latest_session),
        "threads": [
            {
                **results.thread(item.thread),
                "messages": [results.message(m) for m in item.messages],
            }
            for item in found.threads
        ],
        "reflections": [results.memory(r) for r in found.reflections],
    }


TOOLS = (
    Tool(
        name="record_session_transition",
        description=(
            "Record that the agent now works in a new session of a project (after a resume, "
            "a compaction, a new plan...): finds or creates the session new_external_id, links "
            "it to the previous one, and makes it the project's latest. Call it whenever your "
            "own session id changes."
        ),
        arguments=RecordSessionTransitionArguments,
        handler=record_session_transition,
        writes=True,
    ),
    Tool(
        name="resolve_session",
        description=(
            "Find the session an agent knows by its own id, and the latest session of its "
            "project's chain: is_stale is true when a newer session continues it (then work "
            "on in `latest`)."
        ),
        arguments=ResolveSessionArguments,
        handler=resolve_session,
        writes=False,
    ),
    Tool(
        name="session_context",
        description=(
            "What to read at the start of work on a project: its latest session, that "
            "session's newest threads with their last messages, and the project's most "
            "important reflections. An unknown project gives project null."
        ),
        arguments=SessionContextArguments,
        handler=session_context,
        writes=False,
    ),
    Tool(
        name="add_messages",
        description=(
            "Append messages (role user, assistant or system) to a thread, in order and in one "
            "transaction; or, with session instead of thread_id, start a new thread there. "
            "Messages are embedded for `search`."
        ),
        arguments=AddMessagesArguments,
        handler=add_messages,
        writes=True,
    ),
)
