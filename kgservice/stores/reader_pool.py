"""The graph store's pooled reader sessions, and the drain a checkpoint needs.

Kuzu's CHECKPOINT waits for every active transaction to leave while blocking new ones, and
fails after about 5 s, so a checkpoint (or a COPY's commit, which checkpoints) first takes
every pooled reader out (:meth:`ReaderPool.drained`). New reads wait at a gate meanwhile, so
busy readers cannot starve the drain by taking the sessions back as soon as they are returned.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kgservice.errors import StoreError
from kgservice.stores.graph_session import EngineSession

#: How long a checkpoint (or a COPY commit) waits, in all, for the pooled readers to come
#: back. New reads wait at the gate meanwhile, so it is short: a long read postpones the
#: checkpoint instead of holding every request up.
READER_DRAIN_S = 1.0


class ReaderPool:
    """Reader sessions handed out one caller at a time, and taken back all at once."""

    def __init__(self) -> None:
        self._idle: queue.Queue[EngineSession] = queue.Queue()
        self._gate = threading.Lock()  # held while a drain takes the readers
        self._size = 0

    def fill(self, sessions: Sequence[EngineSession]) -> None:
        """Pool ``sessions`` (on opening the database)."""
        for session in sessions:
            self._idle.put(session)
        self._size = len(sessions)

    def clear(self) -> None:
        """Forget the pooled sessions (on closing the database; the caller closes them)."""
        while not self._idle.empty():
            self._idle.get_nowait()
        self._size = 0

    @contextmanager
    def reader(self) -> Iterator[EngineSession]:
        """Hold one pooled reader, waiting while a drain is under way."""
        with self._gate:  # wait while a checkpoint drains the pool
            pass
        session = self._idle.get()
        try:
            yield session
        finally:
            self._idle.put(session)

    @contextmanager
    def drained(self) -> Iterator[None]:
        """Hold every pooled reader for the enclosed block.

        Raises:
            StoreError: A reader stayed busy for ``READER_DRAIN_S``; nothing is held.
        """
        taken: list[EngineSession] = []
        deadline = time.monotonic() + READER_DRAIN_S
        try:
            with self._gate:
                for _ in range(self._size):
                    left = max(deadline - time.monotonic(), 0.0)
                    taken.append(self._idle.get(timeout=left))
        except queue.Empty:
            for session in taken:
                self._idle.put(session)
            raise StoreError("a reader stayed busy; checkpoint postponed") from None
        try:
            yield
        finally:
            for session in taken:
                self._idle.put(session)
