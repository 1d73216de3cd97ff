"""Message pages bounded by the thread's count are kept, and never served stale."""

from __future__ import annotations

from typing import Any

from kgservice.clock import utc_now
from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.services.sessions.message_pages import MessagePageCache, page_bytes
from kgservice.services.sessions.records import MessageRecord
from kgservice.stores.opening import Stores


def _record(idx: int, content: str = "x") -> MessageRecord:
    return MessageRecord(f"m{idx}", "", "user", content, idx, utc_now(), None)


def test_the_cache_keeps_pages_within_its_byte_budget() -> None:
    one = [_record(0, "a" * 1000)]
    cache = MessagePageCache(budget_bytes=3 * page_bytes(one))
    for i in range(5):
        cache.put(("t", i, None, i, 10, False), one)
    assert len(cache) == 3  # the two oldest were evicted
    assert cache.get(("t", 0, None, 0, 10, False)) is None
    assert cache.get(("t", 4, None, 4, 10, False)) == one


def test_a_page_larger_than_the_budget_or_a_zero_budget_keeps_nothing() -> None:
    big = [_record(i, "b" * 1000) for i in range(10)]
    small = MessagePageCache(budget_bytes=page_bytes(big) - 1)
    small.put(("t", 10, None, 10, 11, False), big)
    assert len(small) == 0
    off = MessagePageCache(budget_bytes=0)
    off.put(("t", 1, None, 1, 11, False), big[:1])
    assert off.get(("t", 1, None, 1, 11, False)) is None


def test_callers_get_their_own_list() -> None:
    cache = MessagePageCache(budget_bytes=1 << 20)
    cache.put(("t", 2, None, 2, 3, False), [_record(0), _record(1)])
    first = cache.get(("t", 2, None, 2, 3, False))
    assert first is not None
    first.reverse()
    assert [r.idx for r in cache.get(("t", 2, None, 2, 3, False)) or []] == [0, 1]


def test_a_kept_page_is_read_without_the_store(services: Services) -> None:
    sessions = services.sessions
    project = sessions.create_project("p")
    thread = sessions.create_thread(sessions.create_session(project.id, "e").id, "t")
    sessions.add_messages(thread.id, [NewMessage("user", f"m{i}") for i in range(3)])
    reads = services.reads
    assert reads.kept_message_page(thread.id, None, None, 11, False, 3) is None
    read = reads.message_page(thread.id, None, None, 11, False, count=3)
    kept = reads.kept_message_page(thread.id, None, None, 11, False, 3)
    assert kept == read
    assert kept is not read  # a list of its own


class CountingGraph:
    """The real graph store, counting the page queries that reach it."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.page_queries = 0

    def run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("sessions/thread_messages"):
            self.page_queries += 1
        return self.graph.run(name, *args, **kwargs)


def test_pages_bounded_by_the_count_are_served_from_memory(services: Services) -> None:
    sessions = services.sessions
    project = sessions.create_project("p")
    thread = sessions.create_thread(sessions.create_session(project.id, "e").id, "t")
    sessions.add_messages(thread.id, [NewMessage("user", f"m{i}") for i in range(5)])
    reads = services.reads
    counting = CountingGraph(reads.graph)
    reads.graph = counting  # type: ignore[assignment]

    first = reads.message_page(thread.id, None, None, 11, False, count=5)
    again = reads.message_page(thread.id, None, None, 11, False, count=5)
    assert [m.idx for m in first] == [m.idx for m in again] == [0, 1, 2, 3, 4]
    assert counting.page_queries == 1

    sessions.add_messages(thread.id, [NewMessage("user", "m5"), NewMessage("user", "m6")])
    grown = reads.message_page(thread.id, None, None, 11, False, count=7)
    assert [m.idx for m in grown] == list(range(7))
    assert counting.page_queries == 2

    # a reader that saw the old count gets the old page, never messages beyond its count
    assert [m.idx for m in reads.message_page(thread.id, None, None, 11, False, 5)] == [
        0,
        1,
        2,
        3,
        4,
    ]
    back = reads.message_page(thread.id, None, None, 3, True, count=7)
    assert [m.idx for m in back] == [6, 5, 4]
    # without a count nothing is kept
    reads.message_page(thread.id, None, None, 3, False)
    reads.message_page(thread.id, None, None, 3, False)
    assert counting.page_queries == 5


def test_the_setting_sizes_the_cache(stores: Stores, embedder: Embedder) -> None:
    assert Services.create(stores, embedder).reads.message_pages.budget_bytes == (
        stores.settings.message_page_cache_mb * 2**20
    )
