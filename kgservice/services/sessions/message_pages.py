"""Pages of a thread's messages kept in memory, within a byte budget.

Messages are never edited: a thread only grows, with its ``message_count``, or is deleted.
A page bounded by the count a reader saw (only messages with ``idx < count``) is therefore
fixed for good, and the key ``(thread, count, bounds, limit, direction)`` names it exactly:
an append changes the count and so the key, and no entry ever needs invalidating. Entries
of deleted threads are never asked for again and age out of the LRU.

A page can also keep *views*: values derived from it once (the API keeps the page's built
connection, so a page read again skips building 100 edges). A view is a pure function of
the page and its view key, so it is exactly as fixed as the page; it is charged to the
page's size and leaves with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from cachetools import LRUCache

from kgservice.services.sessions.records import MessageRecord

#: (thread id, message count, after idx, before idx, limit, backward)
PageKey = tuple[str, int, int | None, int, int, bool]

#: What a record costs besides its text: ids, times and the objects around them.
RECORD_OVERHEAD_BYTES = 400
#: What a view costs a record (an API object, an edge, its cursor and the completed response
#: parts kept with them; the text is shared).
VIEW_BYTES_PER_RECORD = 2000

V = TypeVar("V")


def page_bytes(records: Sequence[MessageRecord]) -> int:
    """About how many bytes of memory a page of records takes."""
    return sum(RECORD_OVERHEAD_BYTES + len(r.content) + len(r.metadata or "") for r in records)


class _Page:
    """A kept page and the views derived from it."""

    __slots__ = ("records", "size", "views")

    def __init__(self, records: tuple[MessageRecord, ...]) -> None:
        self.records = records
        self.views: dict[Hashable, Any] = {}
        self.size = page_bytes(records)

    def with_view(self, view: Hashable, value: Any) -> _Page:
        """A copy holding one more view (entries are replaced, so the LRU re-sizes them)."""
        page = _Page.__new__(_Page)
        page.records = self.records
        page.views = {**self.views, view: value}
        page.size = self.size + VIEW_BYTES_PER_RECORD * len(self.records)
        return page


class MessagePageCache:
    """A thread-safe LRU of message pages, bounded by their size in bytes (0: off)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._pages: LRUCache[PageKey, _Page] = LRUCache(
            maxsize=max(budget_bytes, 1), getsizeof=lambda page: page.size
        )
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> list[MessageRecord] | None:
        """The page stored under ``key`` (a fresh list), or None."""
        if not self.budget_bytes:
            return None
        with self._lock:
            page = self._pages.get(key)
        return None if page is None else list(page.records)

    def put(self, key: PageKey, records: Sequence[MessageRecord]) -> None:
        """Keep ``records`` under ``key``; a page larger than the whole budget is not kept."""
        page = _Page(tuple(records))
        if not self.budget_bytes or page.size > self.budget_bytes:
            return
        with self._lock:
            self._pages[key] = page

    def view(
        self, key: PageKey, view: Hashable, build: Callable[[list[MessageRecord]], V]
    ) -> V | None:
        """``build(page)`` for the page under ``key``, made once and kept with the page.

        ``view`` names what ``build`` makes: equal names must mean equal results. None when
        no page is kept under ``key`` (and none is made).
        """
        if not self.budget_bytes:
            return None
        with self._lock:
            page = self._pages.get(key)
        if page is None:
            return None
        if view in page.views:
            return page.views[view]  # type: ignore[no-any-return]
        value = build(list(page.records))
        grown = page.with_view(view, value)
        with self._lock:
            if self._pages.get(key) is page and grown.size <= self.budget_bytes:
                self._pages[key] = grown
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)
