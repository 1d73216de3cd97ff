"""Graph and vector store agreement: gaps are found and the backfill closes them."""

from __future__ import annotations

from kgservice.embedding import Embedder
from kgservice.services.consistency import backfill, find_gaps, text_of
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.services.status import collect_status
from kgservice.stores.opening import Stores


def test_text_of_entities_and_texts() -> None:
    assert text_of("Message", {"content": "hi"}) == "hi"
    assert text_of(
        "Entity", {"name": "kuzu", "kind": "library", "observations": ["a graph db"]}
    ) == ("kuzu (library): a graph db")
    assert text_of("Entity", {"name": "x", "kind": None, "observations": None}) == "x (entity)"


def test_missing_vectors_and_orphans_are_found_and_fixed(
    stores: Stores, embedder: Embedder
) -> None:
    services = Services.create(stores, embedder)
    project = services.sessions.create_project("p")
    thread = services.sessions.create_thread(
        services.sessions.create_session(project.id, "e").id, "t"
    )
    messages = services.sessions.add_messages(
        thread.id, [NewMessage("user", f"note {i}") for i in range(5)]
    )
    assert find_gaps(stores.graph, stores.vectors).missing["Message"] == []

    # a crash after the graph commit: two vectors never written; a deleted node's vector stays
    stores.vectors.delete([messages[0].id, messages[1].id])
    with stores.graph.transaction() as tx:
        tx.execute_trusted(f"MATCH (m:Message {{id: '{messages[4].id}'}}) DETACH DELETE m")
    gaps = find_gaps(stores.graph, stores.vectors)
    assert sorted(gaps.missing["Message"]) == sorted([messages[0].id, messages[1].id])
    assert gaps.orphans == [messages[4].id]
    assert collect_status(stores)["vectors"]["orphans"] == 1
    assert collect_status(stores)["vectors"]["missing_vectors"]["Message"] == 2

    dry = backfill(stores.graph, services.index, dry_run=True)
    assert (dry.embedded, dry.orphans_removed) == (2, 1)
    assert len(find_gaps(stores.graph, stores.vectors).missing["Message"]) == 2

    report = backfill(stores.graph, services.index)
    assert (report.embedded, report.orphans_removed) == (2, 1)
    after = find_gaps(stores.graph, stores.vectors)
    assert after.missing["Message"] == []
    assert after.orphans == []
    assert collect_status(stores)["vectors"]["coverage"]["Message"] == 1.0


def test_another_model_is_refused(stores: Stores, embedder: Embedder) -> None:
    import pytest

    from kgservice.errors import VectorValidationError
    from kgservice.services.text_index import TextIndex

    TextIndex(stores.vectors, embedder)

    class OtherModel:
        model_name = "other-model"
        dimension = 384

    with pytest.raises(VectorValidationError, match="built with all-MiniLM-L6-v2"):
        TextIndex(stores.vectors, OtherModel())  # type: ignore[arg-type]


def test_backfill_gives_stored_messages_their_place(services: Services, thread_id: str) -> None:
    added = services.sessions.add_messages(
        thread_id, [NewMessage("user", text) for text in ("alpha", "beta", "gamma")]
    )
    vectors = services.index.vectors
    assert vectors.unplaced("Message", 10) == []
    with vectors.transaction() as connection:  # as texts stored before migration 0007 are
        connection.execute("UPDATE node_text SET thread_id = NULL, position = NULL, context = ''")
    assert vectors.unplaced("Message", 10) == [m.id for m in added]
    assert vectors.text_search("beta", 5) == vectors.text_search("beta", 5, context_weight=0)
    report = backfill(services.stores.graph, services.index)
    assert report.placed == 3
    assert vectors.unplaced("Message", 10) == []
    assert [n for n, _ in vectors.text_search("beta", 5)] == [added[1].id, added[0].id, added[2].id]
    assert vectors.neighbours([added[1].id], 1) == {added[1].id: ([added[0].id], [added[2].id])}
