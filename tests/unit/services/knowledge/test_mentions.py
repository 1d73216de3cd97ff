"""MENTIONS edges: on write, on entity creation, and by the backfill job."""

from __future__ import annotations

import pytest

from kgservice.services.knowledge import mentions
from kgservice.services.knowledge.mentions import link_mentions
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage


def mentioned(services: Services, entity_id: str) -> list[str]:
    rows = services.entities.mentioned_by(entity_id, None, 100)
    return [node["id"] for _, node in rows]


def test_messages_link_on_write_with_word_boundaries(services: Services, thread_id: str) -> None:
    go = services.entities.create("Go", "library")
    kuzu = services.entities.create("Kuzu", "library", aliases=["KuzuDB"])
    messages = services.sessions.add_messages(
        thread_id,
        [
            NewMessage("user", "This is good, going well."),
            NewMessage("user", "Rewrite it in Go, with kuzudb."),
            NewMessage("assistant", "KUZU and go and Go again"),
        ],
    )
    assert mentioned(services, go.id) == [messages[1].id, messages[2].id]
    assert mentioned(services, kuzu.id) == [messages[1].id, messages[2].id]


def test_reflections_and_conversations_link_on_write(services: Services) -> None:
    project = services.sessions.create_project("p")
    entity = services.entities.create("sqlite-vec", "library")
    reflection = services.memory.store_reflection("Use SQLite Vec for vectors.", project.id)
    conversation = services.memory.store_conversation(
        "We talked at length about sqlite-vec and why it suits a local-first service.",
        project.id,
    )
    assert mentioned(services, entity.id) == sorted([reflection.id, conversation.id])


def test_new_entity_links_existing_texts(services: Services, thread_id: str) -> None:
    messages = services.sessions.add_messages(
        thread_id,
        [NewMessage("user", "networkx is handy"), NewMessage("user", "NetworkXs are not")],
    )
    entity = services.entities.create("NetworkX", "library")
    assert mentioned(services, entity.id) == [messages[0].id]
    # later messages are linked through the cached matcher, which learned the new name
    later = services.sessions.add_messages(thread_id, [NewMessage("user", "more networkx")])
    assert mentioned(services, entity.id) == [messages[0].id, later[0].id]


def test_backfill_is_idempotent_and_dry_run_writes_nothing(
    services: Services, thread_id: str
) -> None:
    services.sessions.add_messages(
        thread_id, [NewMessage("user", f"note {i} about pyarrow") for i in range(7)]
    )
    entity = services.entities.create("pyarrow", "library")
    # forget the links made at creation to stand for texts written before linking existed
    with services.stores.graph.transaction() as tx:
        tx.execute_trusted("MATCH (:Message)-[m:MENTIONS]->(:Entity) DELETE m")
    assert mentioned(services, entity.id) == []

    dry = link_mentions(services.stores.graph, services.mentions, dry_run=True, batch_size=3)
    assert (dry.texts_scanned, dry.links_created) == (7, 7)
    assert mentioned(services, entity.id) == []

    report = link_mentions(services.stores.graph, services.mentions, "default", batch_size=3)
    assert report.links_created == 7
    assert report.per_kind["Message"] == 7
    assert len(mentioned(services, entity.id)) == 7
    again = link_mentions(services.stores.graph, services.mentions, batch_size=3)
    assert again.links_created == 0


def test_matcher_cache_learns_names_and_rebuilds_past_the_delta_limit(
    services: Services, thread_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mentions, "DELTA_LIMIT", 2)
    services.sessions.add_messages(thread_id, [NewMessage("user", "warm the cache")])
    made = [services.entities.create(f"tool{i}", "tool") for i in range(4)]
    messages = services.sessions.add_messages(
        thread_id, [NewMessage("user", f"use tool{i}") for i in range(4)]
    )
    for entity, message in zip(made, messages, strict=True):
        assert mentioned(services, entity.id) == [message.id]
    # names loaded behind the services' back are found once the namespace is invalidated
    with services.stores.graph.transaction() as tx:
        tx.execute_trusted(f"MATCH (e:Entity {{id: '{made[0].id}'}}) SET e.aliases = ['hammer']")
    services.mentions.invalidate("default")
    assert services.mentions.lookup("default", "Hammer") == {made[0].id}
