"""The connection kept for the algo extension's projected graphs, held by one caller at a time.

In the engine, ``CALL project_graph`` and ``CALL drop_projected_graph`` are write
transactions (the algorithms over a projection only read). Two projections made at once, or
one made while a write transaction is open, fail with "Cannot start a new write
transaction", and concurrent runs have crashed the process. So every algorithm run uses one
dedicated connection, held by one caller at a time (:class:`AlgorithmSlot`), and its two
writing statements take the store's write lock: they wait for a write in progress instead of
failing. The pooled readers are not used, so ordinary reads never wait for an algorithm.

Lock order: the slot, then the write lock. A checkpoint, which already holds the write lock,
only tries the slot for its short drain time (:meth:`AlgorithmSlot.acquire`), so the opposite
order cannot deadlock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from kgservice.errors import QueryTimeoutError
from kgservice.stores.fair_lock import FairRLock
from kgservice.stores.graph_session import EngineSession, Row, time_left


class AlgorithmSession:
    """The dedicated connection while one caller holds it."""

    def __init__(self, session: EngineSession, write_lock: FairRLock) -> None:
        self._session = session
        self._write_lock = write_lock

    def execute(self, label: str, text: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a reading statement (an algorithm over a projection) on this connection."""
        return self._session.execute(label, text, params)

    def execute_write(self, label: str, text: str) -> list[Row]:
        """Run a statement the engine makes a write transaction, under the store's write lock."""
        with self._write_lock:
            return self._session.execute(label, text)


class AlgorithmSlot:
    """Owns the dedicated connection; :meth:`hold` gives it to one caller at a time."""

    def __init__(self, session: EngineSession, write_lock: FairRLock) -> None:
        self.session = session
        self._write_lock = write_lock
        self._lock = threading.Lock()

    def acquire(self, timeout: float) -> bool:
        """Take the slot within ``timeout`` seconds (for a checkpoint's drain); True if taken."""
        return self._lock.acquire(timeout=max(timeout, 0.0))

    def release(self) -> None:
        """Give back a slot taken with :meth:`acquire`."""
        self._lock.release()

    @contextmanager
    def hold(self) -> Iterator[AlgorithmSession]:
        """Wait for the slot (within the caller's query deadline, if any) and hold it.

        Raises:
            QueryTimeoutError: the deadline passed while another algorithm was running.
        """
        left = time_left()
        taken = self._lock.acquire() if left is None else self.acquire(left)
        if not taken:
            raise QueryTimeoutError("the graph algorithm waited past its time budget for another")
        try:
            yield AlgorithmSession(self.session, self._write_lock)
        finally:
            self._lock.release()
