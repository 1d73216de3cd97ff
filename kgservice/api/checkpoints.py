"""Periodic graph checkpoints while the server runs (``checkpoint_interval_s``).

Kuzu keeps the versions of updated rows in memory until a checkpoint folds the write-ahead
log into the database file; every ``addMessage`` updates its thread's counter, so a busy
server's memory grows by tens of kilobytes per write until then (measured by
``bench/load.py``). A checkpoint every few seconds, when the log is not empty, bounds that
memory (and the replay work after a crash); it holds the writer for tens of milliseconds.
"""

from __future__ import annotations

import logging
import threading
import time

from kgservice.errors import StoreError
from kgservice.stores.graph import GraphStore

log = logging.getLogger("kgservice")
SLOW_S = 0.5


class PeriodicCheckpoint:
    """A daemon thread that checkpoints ``graph`` every ``interval_s`` seconds."""

    def __init__(self, graph: GraphStore, interval_s: float) -> None:
        self.graph = graph
        self.interval_s = interval_s
        self.checkpoints = 0
        self.longest_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kg-checkpoint", daemon=True)

    def start(self) -> None:
        """Start checkpointing (nothing happens when the interval is 0)."""
        if self.interval_s > 0:
            self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _wal_pending(self) -> bool:
        wal = self.graph.path.with_name(self.graph.path.name + ".wal")
        return wal.exists() and wal.stat().st_size > 0

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            if not self.graph.is_open or not self._wal_pending():
                continue
            started = time.monotonic()
            try:
                self.graph.checkpoint()  # drains the readers first
                self.checkpoints += 1
            except StoreError as exc:  # e.g. a long read still open: try again next time
                log.info("periodic checkpoint skipped: %s", exc)
            took = time.monotonic() - started
            self.longest_s = max(self.longest_s, took)
            if took > SLOW_S:
                log.info("slow checkpoint: %.2f s", took)
