"""The one MCP prompt: how an agent should use kgservice's memory."""

from __future__ import annotations

from mcp import types
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

NAME = "use_memory"

PROMPT = types.Prompt(
    name=NAME,
    description="How to use kgservice's memory in a coding session: what to call when.",
    arguments=[
        types.PromptArgument(
            name="project",
            description="The project's name (default: say it yourself).",
            required=False,
        )
    ],
)

GUIDE = """\
You have kgservice, a long-term memory shared by your sessions on {project}.

At the start (and after a resume or a compaction):
1. `record_session_transition` with project {project_arg}, your own session id as
   new_external_id and source RESUME / COMPACT / BUILD: your session becomes the project's
   latest. If you only know an older session id, `resolve_session` tells you whether it is
   stale and which session is latest.
2. `session_context` with project {project_arg}: the latest session's newest threads with
   their last messages, and the most important reflections. Read it before you plan.

While you work:
- `search` before you decide something that may have been decided before (text in plain
  words; kinds narrows to Message, Conversation, Reflection or Entity).
- `add_messages` keeps the conversation (session = your session id starts a thread; then
  pass the returned thread id).
- `store_reflection` for a lesson worth keeping: a decision and its reason, a pitfall, a
  convention; importance 0..1 orders them in `session_context`.
- `store_conversation` for a summary worth finding again, or with thread_id to checkpoint
  a thread before it is compacted.
- Knowledge graph: `create_entity` for libraries, services, files and concepts that matter,
  `create_relation` between them, `entity` and `neighborhood` to look around, and
  `start_discovery` then `job` to have relations proposed.
- `record_skill_invocation` after you run a skill (a tool, command or workflow): its name,
  whether it completed, duration_ms and session (your session id); it feeds skill metrics.

Resources: kgservice://project/{{name}}/latest-session and kgservice://thread/{{id}}.
Errors come back as tool errors naming the argument at fault; fix it and call again.
"""


def get(name: str, arguments: dict[str, str] | None) -> types.GetPromptResult:
    """The prompt ``name`` with its arguments filled in."""
    if name != NAME:
        raise MCPError(INVALID_PARAMS, f"unknown prompt {name}")
    project = (arguments or {}).get("project")
    text = GUIDE.format(
        project=f"the project {project!r}" if project else "this project",
        project_arg=repr(project) if project else "(this repository's name)",
    )
    return types.GetPromptResult(
        description=PROMPT.description,
        messages=[
            types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))
        ],
    )
