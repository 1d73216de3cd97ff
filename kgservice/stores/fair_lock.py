"""A reentrant lock that is granted in arrival order.

``threading.RLock`` is not fair: a thread that releases it and asks again at once (a job
writing batch after batch) usually gets it back before a waiting thread even wakes, so an
interactive write can wait behind many batches instead of one. Measured with a discovery
job writing 500-edge batches: worst ``addMessage`` wait 2.1 s with ``RLock``
(``bench/write_wait.py``). With tickets the wait is bounded by the batch in progress.
"""

from __future__ import annotations

import threading
from types import TracebackType


class FairRLock:
    """Reentrant, first come first served; use as a context manager."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._next_ticket = 0
        self._serving = 0  # the ticket whose turn is next
        self._abandoned: set[int] = set()  # tickets whose waiter gave up (interrupted)

    def acquire(self) -> None:
        """Wait for this thread's turn (at once when it already holds the lock)."""
        me = threading.get_ident()
        with self._condition:
            if self._owner == me:
                self._depth += 1
                return
            ticket = self._next_ticket
            self._next_ticket += 1
            try:
                while self._owner is not None or self._serving != ticket:
                    self._condition.wait()
            except BaseException:
                self._abandoned.add(ticket)
                self._skip_abandoned()
                self._condition.notify_all()
                raise
            self._serving += 1
            self._skip_abandoned()
            self._owner = me
            self._depth = 1

    @property
    def waiting(self) -> int:
        """How many threads are waiting for their turn."""
        with self._condition:
            return self._next_ticket - self._serving - len(self._abandoned)

    def _skip_abandoned(self) -> None:
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1

    def release(self) -> None:
        """Release one level; the next ticket holder goes when the last level is released."""
        with self._condition:
            if self._owner != threading.get_ident():
                raise RuntimeError("cannot release a lock held by another thread")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._condition.notify_all()

    def __enter__(self) -> FairRLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
