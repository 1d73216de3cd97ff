"""Pages of a thread's messages kept in memory, within a byte budget.

Messages are never edited: a thread only grows, with its ``message_count``, or is deleted.
A page bounded by the count a reader saw (only messages with ``idx < count``) is therefore
fixed for good, and the key ``(thread, count, bounds, limit, direction)`` names it exactly:
an append changes the count and so the key, and no entry ever needs invalidating. Entries
of deleted threads are never asked for again and age out of the LRU. A page is kept as an
immutable tuple of frozen records; every reader gets a list of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from cachetools import LRUCache

from kgservice.services.sessions.records import MessageRecord

#: (thread id, message count, after idx, before idx, limit, backward)
PageKey = tuple[str, int, int | None, int, int, bool]

#: What a record costs besides its text: ids, times and the objects around them.
RECORD_OVERHEAD_BYTES = 400


def page_bytes(records: Sequence[MessageRecord]) -> int:
    """About how many bytes of memory a page of records takes."""
    return sum(RECORD_OVERHEAD_BYTES + len(r.content) + len(r.metadata or "") for r in records)


class MessagePageCache:
    """A thread-safe LRU of message pages, bounded by their size in bytes (0: off)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._pages: LRUCache[PageKey, tuple[MessageRecord, ...]] = LRUCache(
            maxsize=max(budget_bytes, 1), getsizeof=page_bytes
        )
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> list[MessageRecord] | None:
        """The page stored under ``key`` (a fresh list), or None."""
        if not self.budget_bytes:
            return None
        with self._lock:
            page = self._pages.get(key)
        return None if page is None else list(page)

    def put(self, key: PageKey, records: Sequence[MessageRecord]) -> None:
        """Keep ``records`` under ``key``; a page larger than the whole budget is not kept."""
        page = tuple(records)
        if not self.budget_bytes or page_bytes(page) > self.budget_bytes:
            return
        with self._lock:
            self._pages[key] = page

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)
