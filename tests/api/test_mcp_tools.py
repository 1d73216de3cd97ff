"""The MCP tools, resources and prompt through the SDK's client, connected in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client
from mcp.server import Server
from mcp.shared.exceptions import MCPError
from starlette.testclient import TestClient

from kgservice.api.mcp.registry import all_tools
from kgservice.api.mcp.server import McpState, build_server
from kgservice.embedding import Embedder
from kgservice.ids import new_id
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores
from tests.api.conftest import GraphQLClient

pytestmark = pytest.mark.anyio

LESSON = "Kuzu allows one read-write process per database directory; serve MCP from it."


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server(stores: Stores, embedder: Embedder) -> Server[McpState]:
    return server_over(Services.create(stores, embedder))


def server_over(services: Services) -> Server[McpState]:
    """The MCP server over ``services`` (those of a test app too, to compare with GraphQL)."""

    @asynccontextmanager
    async def lifespan(_: Server[McpState]) -> AsyncIterator[McpState]:
        yield McpState(services)

    return build_server(lifespan)


@pytest.fixture
async def client(server: Server[McpState]) -> AsyncIterator[Client]:
    async with Client(server) as connected:
        yield connected


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content
    return data


async def fails(client: Client, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text = result.content[0].text  # type: ignore[union-attr]
    return text, result.structured_content["error"]


def test_the_transport_looks_schemas_up_without_listing(server: Server[McpState]) -> None:
    lookup = server.get_tool_input_schema
    assert lookup is not None
    assert lookup("search")["required"] == ["text"]  # type: ignore[index]
    assert lookup("no_such_tool") is None


async def test_lists_every_tool_with_a_schema(client: Client) -> None:
    listed = await client.list_tools()
    names = {tool.name for tool in listed.tools}
    assert names == set(all_tools())
    assert len(names) <= 15
    for tool in listed.tools:
        assert tool.description
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False


async def test_reflection_by_project_name_is_found_by_search(client: Client) -> None:
    stored = await call(
        client,
        "store_reflection",
        content=LESSON,
        project="kgservice",
        tags=["kuzu"],
        importance=0.9,
    )
    again = await call(client, "store_reflection", content=LESSON + " Again.", project="kgservice")
    assert stored["project"]["name"] == "kgservice"
    assert again["project"]["id"] == stored["project"]["id"]  # created on first use only
    by_id = await call(
        client, "store_reflection", content="Third.", project=stored["project"]["id"]
    )
    assert by_id["project"]["id"] == stored["project"]["id"]
    found = await call(client, "search", text="one read-write process per database", k=3)
    assert found["hits"][0]["id"] == stored["reflection"]["id"]
    assert found["hits"][0]["kind"] == "Reflection"
    assert found["hits"][0]["snippet"].startswith("Kuzu allows")
    reranked = await call(client, "search", text="one read-write process per database", rerank=True)
    assert reranked["hits"][0]["id"] == stored["reflection"]["id"]
    text_only = await call(client, "search", text="read-write", mode="TEXT", kinds=["Message"])
    assert text_only["hits"] == []


async def test_session_chain_messages_and_context(client: Client) -> None:
    first = await call(
        client, "record_session_transition", project="app", new_external_id="a-1", source="BUILD"
    )
    assert first["created"]
    assert first["previous"] is None
    second = await call(
        client, "record_session_transition", project="app", new_external_id="a-2", source="COMPACT"
    )
    assert second["previous"]["id"] == first["session"]["id"]
    resolved = await call(client, "resolve_session", external_id="a-1")
    assert resolved["is_stale"]
    assert resolved["latest"]["id"] == second["session"]["id"]
    missing = await call(client, "resolve_session", external_id="nobody")
    assert missing == {"found": False, "session": None, "latest": None, "is_stale": False}

    conflict_text, conflict = await fails(
        client,
        "record_session_transition",
        project="app",
        new_external_id="a-3",
        source="RESUME",
        expected_previous=first["session"]["id"],
    )
    assert conflict["type"] == "ConflictError"
    assert conflict["current"] == second["session"]["id"]
    assert conflict_text.startswith("expectedPrevious is not the project's latest session")

    added = await call(
        client,
        "add_messages",
        session="a-2",
        thread_name="plan",
        messages=[
            {"role": "user", "content": "Plan the MCP transport."},
            {
                "role": "assistant",
                "content": "Mount streamable HTTP at /mcp.",
                "metadata": {"n": 1},
            },
        ],
    )
    assert added["thread_created"]
    assert added["thread"]["message_count"] == 2
    thread_id = added["thread"]["id"]
    more = await call(
        client, "add_messages", thread_id=thread_id, messages=[{"role": "user", "content": "Go."}]
    )
    assert [m["idx"] for m in more["added"]] == [2]

    await call(client, "store_reflection", content="Minor.", project="app", importance=0.1)
    await call(client, "store_reflection", content="Major.", project="app", importance=0.9)
    context = await call(client, "session_context", project="app", messages=2)
    assert context["latest_session"]["external_id"] == "a-2"
    assert context["threads"][0]["id"] == thread_id
    assert [m["idx"] for m in context["threads"][0]["messages"]] == [1, 2]
    assert [r["content"] for r in context["reflections"]] == ["Major.", "Minor."]
    unknown = await call(client, "session_context", project="never-seen")
    assert unknown["project"] is None

    checkpoint = await call(client, "store_conversation", thread_id=thread_id)
    assert checkpoint["conversation"]["thread_id"] == thread_id

    transcript = await client.read_resource(f"kgservice://thread/{thread_id}")
    text = transcript.contents[0].text  # type: ignore[union-attr]
    assert "## assistant #1" in text
    assert "Mount streamable HTTP at /mcp." in text
    latest = await client.read_resource("kgservice://project/app/latest-session")
    assert '"external_id":"a-2"' in latest.contents[0].text  # type: ignore[union-attr]
    with pytest.raises(MCPError, match="not found"):
        await client.read_resource(f"kgservice://thread/{new_id('Thread')}")
    with pytest.raises(MCPError, match="unknown resource"):
        await client.read_resource("kgservice://elsewhere")


async def test_failed_batch_leaves_no_empty_thread(client: Client) -> None:
    await call(
        client, "record_session_transition", project="p", new_external_id="s", source="BUILD"
    )
    text, error = await fails(
        client,
        "add_messages",
        session="s",
        messages=[{"role": "user", "content": "ok"}, {"role": "robot", "content": "no"}],
    )
    assert error == {
        "type": "ValidationError",
        "field": "messages[1].role",
        "message": "must be one of assistant, system, user (got 'robot')",
    }
    assert text == "messages[1].role: must be one of assistant, system, user (got 'robot')"
    context = await call(client, "session_context", project="p")
    assert context["threads"] == []


async def test_entities_relations_neighbourhood_and_jobs(client: Client) -> None:
    kuzu = await call(
        client, "create_entity", name="Kuzu", kind="library", observations=["embedded"]
    )
    app = await call(client, "create_entity", name="kgservice", kind="service", aliases=["kg"])
    relation = await call(
        client,
        "create_relation",
        from_id=app["entity"]["id"],
        to_id=kuzu["entity"]["id"],
        type="uses",
        evidence=["pyproject"],
    )
    assert relation["relation"]["type"] == "uses"
    _, duplicate = await fails(
        client,
        "create_relation",
        from_id=app["entity"]["id"],
        to_id=kuzu["entity"]["id"],
        type="uses",
    )
    assert duplicate["type"] == "ConflictError"
    assert duplicate["current"] == relation["relation"]["id"]
    await call(client, "store_reflection", content="Kuzu needs one writer.", project="kg")
    by_name = await call(client, "entity", name="KUZU")
    assert by_name["entity"]["id"] == kuzu["entity"]["id"]
    assert by_name["relation_count"] == 1
    assert by_name["mention_count"] == 1
    assert by_name["mentioned_by"][0]["kind"] == "Reflection"
    around = await call(client, "neighborhood", id=app["entity"]["id"], rel_types=["RELATED"])
    assert {n["id"] for n in around["nodes"]} == {app["entity"]["id"], kuzu["entity"]["id"]}
    assert around["edges"][0]["type"] == "uses"
    started = await call(client, "start_discovery", dry_run=True)
    job = await call(client, "job", id=started["job"]["id"])
    assert job["job"]["kind"] == started["job"]["kind"]


async def test_prompt_explains_the_tools(client: Client) -> None:
    listed = await client.list_prompts()
    assert [p.name for p in listed.prompts] == ["use_memory"]
    prompt = await client.get_prompt("use_memory", {"project": "kgservice"})
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "record_session_transition" in text
    assert "record_skill_invocation" in text
    assert "'kgservice'" in text
    assert (await client.list_resources()).resources == []
    stored = await call(client, "store_reflection", content="Listed.", project="listed")
    listed_resources = (await client.list_resources()).resources
    project_id = stored["project"]["id"]
    assert [r.uri for r in listed_resources] == [f"kgservice://project/{project_id}/latest-session"]
    assert listed_resources[0].name == "listed latest session"
    read = await client.read_resource(listed_resources[0].uri)
    assert '"content":"Listed."' in read.contents[0].text  # type: ignore[union-attr]
    templates = await client.list_resource_templates()
    assert {t.uri_template for t in templates.resource_templates} == {
        "kgservice://project/{name}/latest-session",
        "kgservice://thread/{id}",
    }


SKILL_METRICS = """query($skill: String!, $userId: String, $phase: String) {
  skillMetrics(skill: $skill, since: "2026-03-01T00:00:00Z", until: "2026-03-02T00:00:00Z",
               userId: $userId, phase: $phase) { skill invocations completed durationP50Ms } }"""
RECORD_SKILL_INVOCATION = """mutation($input: RecordSkillInvocationInput!) {
  recordSkillInvocation(input: $input) {
    __typename ... on ValidationError { field message } ... on NotFoundError { id message } } }"""


async def test_skill_invocations_are_counted_by_skill_metrics(http: TestClient) -> None:
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    gql = GraphQLClient(http)
    async with Client(server_over(services)) as client:
        started = await call(
            client, "record_session_transition", project="sk", new_external_id="a-7", source="BUILD"
        )
        first = await call(
            client,
            "record_skill_invocation",
            skill=" pytest ",
            completed=True,
            at="2026-03-01T10:00:00Z",
            duration_ms=1200,
            session="a-7",
            user_id="ann",
            workflow_phase="test",
            alternatives=["unittest"],
            selection_rank=1,
        )
        assert first == {
            "recorded": 1,
            "skill": "pytest",
            "at": "2026-03-01T10:00:00",
            "completed": True,
            "session_id": started["session"]["id"],
            "namespace": "default",
        }
        failed = await call(
            client,
            "record_skill_invocation",
            skill="pytest",
            completed=False,
            at="2026-03-01T12:30:00+01:00",  # 11:30 UTC
            duration_ms=400,
            error_type="timeout",
            session=started["session"]["id"],
        )
        assert failed["at"] == "2026-03-01T11:30:00"
        now = await call(client, "record_skill_invocation", skill="ruff", completed=True)
        assert now["session_id"] is None
        during = await call(client, "neighborhood", id=started["session"]["id"])
        assert {n["kind"] for n in during["nodes"]} >= {"SkillInvocation"}

        for args in ({"duration_ms": -1}, {"selection_rank": 0}, {"skill": " "}):
            arguments = {"skill": "pytest", "completed": True, **args}
            text, error = await fails(client, "record_skill_invocation", **arguments)
            mutation = {"skill": "pytest", "at": "2026-03-01T10:00:00Z", "completed": True}
            names = {"duration_ms": "durationMs", "selection_rank": "selectionRank"}
            mutation.update({names.get(k, k): v for k, v in args.items()})
            answer = gql(RECORD_SKILL_INVOCATION, input=mutation)["data"]
            same = answer["recordSkillInvocation"]
            assert error == {
                "type": same["__typename"],
                "field": same["field"],
                "message": same["message"],
            }
            assert text == f"{same['field']}: {same['message']}"
        missing = new_id("Session")
        _, error = await fails(
            client, "record_skill_invocation", skill="pytest", completed=True, session=missing
        )
        answer = gql(
            RECORD_SKILL_INVOCATION,
            input={"skill": "pytest", "at": "2026-03-01T10:00:00Z", "completed": True,
                   "sessionId": missing},
        )["data"]["recordSkillInvocation"]  # fmt: skip
        assert error == {"type": "NotFoundError", "id": missing, "message": answer["message"]}

    metrics = gql(SKILL_METRICS, skill="pytest")["data"]["skillMetrics"]
    assert (metrics["invocations"], metrics["completed"]) == (2, 1)
    assert metrics["durationP50Ms"] == pytest.approx(800)
    ann = gql(SKILL_METRICS, skill="pytest", userId="ann")["data"]["skillMetrics"]
    assert (ann["invocations"], ann["completed"]) == (1, 1)
    assert (
        gql(SKILL_METRICS, skill="pytest", phase="test")["data"]["skillMetrics"]["invocations"] == 1
    )
    recent = gql('{ skillMetrics(skill: "ruff") { invocations completed } }')["data"]
    assert recent["skillMetrics"] == {"invocations": 1, "completed": 1}


#: Arguments each tool refuses: a wrong type, an unknown argument, or a bad value.
BAD_ARGUMENTS: dict[str, list[dict[str, Any]]] = {
    "search": [
        {},
        {"text": ""},
        {"text": "x", "k": 0},
        {"text": "x", "kinds": ["Nope"]},
        {"text": 5},
        {"text": "x", "mode": "TEXT", "rerank": True},
    ],
    "store_reflection": [
        {"content": "x"},
        {"content": "x", "project": "p", "importance": 2},
        {"content": "", "project": "p"},
        {"content": "x", "project": "p", "colour": "red"},
        {"content": "x", "project": new_id("Project")},
    ],
    "store_conversation": [
        {},
        {"content": "short", "project": "p"},
        {"content": "x" * 60},
        {"thread_id": "not-a-thread"},
        {"thread_id": "x", "content": "y"},
    ],
    "add_messages": [
        {"messages": []},
        {"messages": [{"role": "user", "content": "x"}]},
        {"messages": [{"role": "user"}], "thread_id": "t"},
        {"messages": [{"role": "user", "content": "x"}], "thread_id": "t", "session": "s"},
        {"messages": [{"role": "user", "content": "x"}], "session": "no-such-session"},
        {"messages": [{"role": "user", "content": "x"}], "thread_id": new_id("Thread")},
    ],
    "record_session_transition": [
        {"project": "p", "new_external_id": "x"},
        {"project": "p", "new_external_id": "x", "source": "SOMETIME"},
        {"project": "p", "new_external_id": "", "source": "BUILD"},
        {"project": "", "new_external_id": "x", "source": "BUILD"},
        {"project": "p", "new_external_id": "x", "source": "BUILD", "expected_previous": "zzz"},
    ],
    "resolve_session": [{}, {"external_id": 3}],
    "session_context": [{}, {"project": "p", "threads": -1}, {"project": "p", "messages": 10_000}],
    "create_entity": [{}, {"name": "x", "kind": "Not A Kind"}, {"name": "", "kind": "library"}],
    "create_relation": [
        {},
        {"from_id": "a", "to_id": "b", "type": "uses"},
        {"from_id": "a", "to_id": "b", "type": "loves"},
        {"from_id": "a", "to_id": "b", "type": "uses", "confidence": "high"},
    ],
    "entity": [{}, {"id": "x", "name": "y"}, {"id": new_id("Entity")}, {"name": "nobody"}],
    "neighborhood": [{}, {"id": "x", "depth": 9}, {"id": "x", "limit": 0}, {"id": "nope"}],
    "start_discovery": [{"threshold": 3}, {"methods": ["telepathy"]}, {"namespace": ""}],
    "job": [{}, {"id": new_id("Job")}],
    "record_skill_invocation": [
        {},
        {"skill": "pytest"},
        {"skill": "", "completed": True},
        {"skill": "pytest", "completed": True, "at": "yesterday"},
        {"skill": "pytest", "completed": True, "duration_ms": -5},
        {"skill": "pytest", "completed": True, "selection_rank": 0},
        {"skill": "pytest", "completed": True, "alternatives": ["x"] * 51},
        {"skill": "pytest", "completed": True, "session": "no-such-session"},
        {"skill": "pytest", "completed": True, "session": new_id("Session")},
        {"skill": "pytest", "completed": True, "namespace": ""},
        {"skill": "pytest", "completed": "maybe"},
    ],
}


async def test_bad_arguments_to_every_tool_are_tool_errors(client: Client) -> None:
    assert set(BAD_ARGUMENTS) == set(all_tools())
    for tool, cases in BAD_ARGUMENTS.items():
        for arguments in cases:
            result = await client.call_tool(tool, arguments)
            assert result.is_error, (tool, arguments, result.structured_content)
            error = result.structured_content["error"]
            assert error["type"] in {"ValidationError", "NotFoundError"}, (tool, arguments, error)
            assert "internal error" not in error["message"]
    _, unknown = await fails(client, "no_such_tool")
    assert unknown["message"] == "unknown tool 'no_such_tool'"
    assert (await call(client, "resolve_session", external_id="still-serving"))["found"] is False
