"""A project's session context: latest session, newest threads, important reflections."""

from __future__ import annotations

import pytest

from kgservice.errors import InputError
from kgservice.services.mcp.session_context import SessionContextReader
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage


@pytest.fixture
def reader(services: Services) -> SessionContextReader:
    return SessionContextReader(services.stores.graph, services.reads)


def test_a_new_project_has_an_empty_context(
    services: Services, reader: SessionContextReader
) -> None:
    project = services.sessions.create_project("empty")
    context = reader.context(project)
    assert context.latest_session is None
    assert context.threads == []
    assert context.reflections == []


def test_context_follows_the_chain_and_orders_what_matters(
    services: Services, reader: SessionContextReader
) -> None:
    project = services.sessions.create_project("kg")
    services.chain.record_transition(project.id, "s-1", "BUILD")
    old_thread = services.sessions.create_thread(
        services.chain.resolve("s-1").session.id,  # type: ignore[union-attr]
        "old",
    )
    services.sessions.add_messages(old_thread.id, [NewMessage("user", "before compaction")])
    latest = services.chain.record_transition(project.id, "s-2", "COMPACT").session
    threads = [services.sessions.create_thread(latest.id, f"t{i}") for i in range(3)]
    services.sessions.add_messages(threads[2].id, [NewMessage("user", f"m{i}") for i in range(5)])
    for content, importance in (("low", 0.1), ("high", 0.9), ("mid", 0.5)):
        services.memory.store_reflection(content, project.id, importance=importance)

    context = reader.context(project, threads=2, messages=3, reflections=2)
    assert context.latest_session == latest
    assert [t.thread.name for t in context.threads] == ["t2", "t1"]  # newest first
    assert [m.content for m in context.threads[0].messages] == ["m2", "m3", "m4"]
    assert context.threads[1].messages == []
    assert [r.content for r in context.reflections] == ["high", "mid"]
    assert context.reflections[0].importance == 0.9

    bare = reader.context(project, threads=0, messages=0, reflections=0)
    assert bare.threads == []
    assert bare.reflections == []
    assert bare.latest_session == latest


@pytest.mark.parametrize(
    ("field", "value"), [("threads", 21), ("messages", -1), ("reflections", 51)]
)
def test_limits_are_bounded(
    services: Services, reader: SessionContextReader, field: str, value: int
) -> None:
    project = services.sessions.create_project("kg")
    with pytest.raises(InputError) as refused:
        reader.context(project, **{field: value})
    assert refused.value.field == field
