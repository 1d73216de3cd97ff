"""An exclusive lock file beside a database, holding the id of the process that opened it.

Not every graph engine locks its database file, so the graph store takes this lock first: a
second kgservice on the same data directory is refused at once, and the file names who holds
it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


def lock_file(path: Path) -> IO[str] | None:
    """Open (or create) ``path``, lock it exclusively and write this process's id in it;
    None if another process holds it."""
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def unlock_file(handle: IO[str]) -> None:
    """Release and close a lock taken by :func:`lock_file`."""
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()
