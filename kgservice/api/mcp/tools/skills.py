"""``record_skill_invocation``: one run of a skill, as ``recordSkillInvocation`` records it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import Field

from kgservice.api.mcp.tooling import Arguments, Tool, ToolContext
from kgservice.api.mcp.tools.sessions import find_session
from kgservice.clock import utc_now
from kgservice.services.skills import invocations


class RecordSkillInvocationArguments(Arguments):
    skill: str = Field(description="The skill's name (a tool, command or workflow).")
    completed: bool = Field(description="Whether the run did what it was asked.")
    at: datetime | None = Field(
        default=None,
        description="When it ran, ISO 8601 (a time without offset is UTC; default: now).",
    )
    duration_ms: float | None = Field(default=None, description="How long it ran, ms (>= 0).")
    user_id: str | None = Field(default=None, description="Who ran it.")
    session: str | None = Field(
        default=None,
        description="The session it ran in, by kgservice Session id or by the agent's own "
        "session id (as given to record_session_transition).",
    )
    error_type: str | None = Field(default=None, description="What went wrong, if it failed.")
    user_query: str | None = Field(default=None, description="What the user asked for.")
    workflow_phase: str | None = Field(
        default=None, description="Where in the work it ran (plan, build, test...)."
    )
    alternatives: list[str] = Field(
        default_factory=list, description="The other skills considered (at most 50)."
    )
    selection_rank: int | None = Field(
        default=None, description="Its rank among those considered (1 = first)."
    )
    namespace: str | None = Field(
        default=None,
        description="Where skills are counted (default: the session's namespace, else "
        "`default` or the API key's only namespace).",
    )


async def record_skill_invocation(
    context: ToolContext, args: RecordSkillInvocationArguments
) -> dict[str, Any]:
    request = context.request
    item = invocations.InvocationInput(
        skill=args.skill,
        at=args.at or utc_now(),
        completed=args.completed,
        duration_ms=args.duration_ms,
        user_id=args.user_id,
        error_type=args.error_type,
        user_query=args.user_query,
        workflow_phase=args.workflow_phase,
        alternatives=tuple(args.alternatives),
        selection_rank=args.selection_rank,
    )
    row = invocations.check_invocation(0, item)  # bad fields first, as the mutation does
    namespace = args.namespace
    session_id = None
    if args.session is not None:
        session = await find_session(context, args.session)
        session_id = session.id
        namespace = namespace if namespace is not None else session.namespace
    namespace = namespace if namespace is not None else context.default_namespace
    request.check_namespace(namespace)
    graph = request.stores.graph
    recorded = await request.run(
        invocations.record_invocations,
        graph,
        namespace,
        [replace(item, session_id=session_id)],
    )
    return {
        "recorded": recorded,
        "skill": row["skill"],
        "at": row["invoked_at"],
        "completed": row["completed"],
        "session_id": session_id,
        "namespace": namespace,
    }


TOOLS = (
    Tool(
        name="record_skill_invocation",
        description=(
            "Record one run of a skill (a tool, command or workflow you used): whether it "
            "completed, how long it took, in which session. Unknown skills are created on "
            "first use; the runs feed skill metrics, anomalies and recommendations."
        ),
        arguments=RecordSkillInvocationArguments,
        handler=record_skill_invocation,
        writes=True,
    ),
)
