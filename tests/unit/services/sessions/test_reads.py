"""Message pages read as idx ranges: the same pages as an ordered read, gaps or not."""

from __future__ import annotations

import itertools

from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.services.sessions.reads import SessionReads
from kgservice.stores.opening import Stores
from tests.unit.services.sessions.test_message_pages import CountingGraph

BOUNDS = (None, -3, 0, 1, 4, 8, 9, 10, 14)


def thread_of(services: Services, messages: int) -> str:
    sessions = services.sessions
    project = sessions.create_project("p")
    thread = sessions.create_thread(sessions.create_session(project.id, "e").id, "t")
    sessions.add_messages(thread.id, [NewMessage("user", f"m{i}") for i in range(messages)])
    return thread.id


def expected(
    present: list[int], after: int | None, before: int | None, limit: int, backward: bool
) -> list[int]:
    """The page an ordered read gives: the first ``limit`` idx between the bounds."""
    between = [
        i for i in present if (after is None or i > after) and (before is None or i < before)
    ]
    return (between[::-1] if backward else between)[:limit]


def assert_every_page(reads: SessionReads, thread_id: str, present: list[int]) -> None:
    for after, before, limit, backward in itertools.product(
        BOUNDS, BOUNDS, (1, 2, 4, 11), (False, True)
    ):
        page = reads.message_page(thread_id, after, before, limit, backward)
        want = expected(present, after, before, limit, backward)
        assert [m.idx for m in page] == want, (after, before, limit, backward)
        counted = reads.message_page(thread_id, after, before, limit, backward, count=10)
        bound = 10 if before is None else min(before, 10)
        assert [m.idx for m in counted] == expected(present, after, bound, limit, backward)


def test_pages_without_gaps_match_an_ordered_read(services: Services) -> None:
    thread_id = thread_of(services, 10)
    assert_every_page(services.reads, thread_id, list(range(10)))


def test_pages_with_gaps_match_an_ordered_read(services: Services, stores: Stores) -> None:
    thread_id = thread_of(services, 10)
    messages = services.reads.message_page(thread_id, None, None, 10, False)
    with stores.graph.transaction() as tx:
        for gone in (messages[0], messages[5], messages[6]):
            tx.execute_trusted(f"MATCH (m:Message {{id: '{gone.id}'}}) DETACH DELETE m")
    assert_every_page(services.reads, thread_id, [1, 2, 3, 4, 7, 8, 9])


def test_usual_pages_take_one_query(services: Services) -> None:
    thread_id = thread_of(services, 10)
    reads = services.reads
    counting = CountingGraph(reads.graph)
    reads.graph = counting  # type: ignore[assignment]
    pages = [
        (None, None, 4, False, None),  # a full page, count unknown
        (7, None, 4, False, 10),  # the last page: the range reaches the count
        (None, None, 4, True, 10),  # the tail
        (None, 3, 4, True, None),  # before the start
    ]
    for after, before, limit, backward, count in pages:
        reads.message_page(thread_id, after, before, limit, backward, count)
    assert counting.page_queries == len(pages)
    assert reads.message_page(thread_id, 5, 6, 4, False) == []  # nothing between: no query
    assert counting.page_queries == len(pages)
