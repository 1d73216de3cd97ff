"""MCP resources: a project's latest session, and a thread's transcript.

- ``kgservice://project/{name}/latest-session``: JSON, as the ``session_context`` tool gives
  it (``name`` is a project name, percent-encoded, or a Project id).
- ``kgservice://thread/{id}``: the thread's transcript as Markdown, oldest message first.
"""

from __future__ import annotations

import orjson
from mcp import types
from mcp.shared.exceptions import MCPError
from mcp.shared.uri_template import UriTemplate
from mcp_types import INVALID_PARAMS

from kgservice.api.mcp.results import plain
from kgservice.api.mcp.tooling import ToolContext
from kgservice.api.mcp.tools.sessions import SessionContextArguments, session_context
from kgservice.errors import KgError, NotFoundError
from kgservice.services.sessions.records import MessageRecord, ThreadRecord

PROJECT_SESSION = UriTemplate.parse("kgservice://project/{name}/latest-session")
THREAD = UriTemplate.parse("kgservice://thread/{id}")
MAX_TRANSCRIPT = 1_000
MAX_LISTED = 100

TEMPLATES = [
    types.ResourceTemplate(
        name="project-latest-session",
        uri_template=str(PROJECT_SESSION),
        description="A project's latest session: its newest threads with their last "
        "messages, and the project's most important reflections (JSON).",
        mime_type="application/json",
    ),
    types.ResourceTemplate(
        name="thread-transcript",
        uri_template=str(THREAD),
        description=f"A thread's transcript, oldest message first (Markdown; the first "
        f"{MAX_TRANSCRIPT} messages).",
        mime_type="text/markdown",
    ),
]


async def listed(context: ToolContext) -> list[types.Resource]:
    """The latest-session resource of each project the caller may see (the newest 100)."""
    request = context.request
    projects = await request.run(context.projects.newest, MAX_LISTED, request.access.namespaces)
    return [
        types.Resource(
            name=f"{project.name} latest session",
            uri=PROJECT_SESSION.expand({"name": project.id}),
            description=f"The latest session of project {project.name!r} ({project.namespace}).",
            mime_type="application/json",
        )
        for project in projects
        if request.visible(project.namespace)
    ]


async def read(context: ToolContext, uri: str) -> types.ReadResourceResult:
    """The contents of ``uri``; an unknown URI or node is an INVALID_PARAMS error."""
    try:
        project = PROJECT_SESSION.match(uri)
        if project is not None:
            found = await session_context(
                context, SessionContextArguments(project=str(project["name"]))
            )
            if found["project"] is None:
                raise NotFoundError(str(project["name"]), "project")
            text, mime = orjson.dumps(plain(found)).decode(), "application/json"
        elif (thread := THREAD.match(uri)) is not None:
            text, mime = await _transcript(context, str(thread["id"])), "text/markdown"
        else:
            raise MCPError(INVALID_PARAMS, f"unknown resource {uri}")
    except KgError as exc:
        raise MCPError(INVALID_PARAMS, str(exc)) from None
    return types.ReadResourceResult(
        contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)]
    )


async def _transcript(context: ToolContext, thread_id: str) -> str:
    request = context.request
    await request.check_node(thread_id)
    reads = context.services.reads
    thread = (await request.run(reads.threads, [thread_id])).get(thread_id)
    if thread is None or not request.visible(thread.namespace):
        raise NotFoundError(thread_id, "thread")
    messages = await request.run(reads.message_page, thread_id, None, None, MAX_TRANSCRIPT, False)
    return transcript(thread, messages)


def transcript(thread: ThreadRecord, messages: list[MessageRecord]) -> str:
    """A thread as Markdown: a heading, then each message under its role and idx."""
    lines = [
        f"# {thread.name}",
        "",
        f"Thread {thread.id} ({thread.status}, {thread.message_count} messages)",
    ]
    for message in messages:
        lines += ["", f"## {message.role} #{message.idx}", "", message.content]
    if thread.message_count > len(messages):
        lines += ["", f"({thread.message_count - len(messages)} later messages not shown)"]
    return "\n".join(lines) + "\n"
