"""Per-request DataLoaders: each batches one kind of lookup into a single store query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from anyio import to_thread
from strawberry.dataloader import DataLoader

from kgservice.services.records import ProjectRecord, SessionRecord, ThreadRecord
from kgservice.services.session_reads import SessionReads

V = TypeVar("V")


def _batched(
    fetch: Callable[[Sequence[str]], Mapping[str, V]],
) -> Callable[[list[str]], Awaitable[list[V | None]]]:
    async def load(keys: list[str]) -> list[V | None]:
        found = await to_thread.run_sync(fetch, keys)
        return [found.get(key) for key in keys]

    return load


@dataclass
class Loaders:
    """The loaders of one request."""

    project: DataLoader[str, ProjectRecord | None]
    session: DataLoader[str, SessionRecord | None]
    thread: DataLoader[str, ThreadRecord | None]
    latest_session: DataLoader[str, SessionRecord | None]
    session_project: DataLoader[str, str | None]

    @classmethod
    def create(cls, reads: SessionReads) -> Loaders:
        """Fresh loaders (and caches) for one request."""
        return cls(
            project=DataLoader(_batched(reads.projects)),
            session=DataLoader(_batched(reads.sessions)),
            thread=DataLoader(_batched(reads.threads)),
            latest_session=DataLoader(_batched(reads.latest_sessions)),
            session_project=DataLoader(_batched(reads.session_projects)),
        )
