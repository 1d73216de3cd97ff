"""Per-request DataLoaders: each batches one kind of lookup into a single store query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import cached_property
from typing import TypeVar

from anyio import to_thread
from strawberry.dataloader import DataLoader

from kgservice.services.sessions.reads import SessionReads
from kgservice.services.sessions.records import ProjectRecord, SessionRecord, ThreadRecord

V = TypeVar("V")


def _batched(
    fetch: Callable[[Sequence[str]], Mapping[str, V]],
) -> Callable[[list[str]], Awaitable[list[V | None]]]:
    async def load(keys: list[str]) -> list[V | None]:
        found = await to_thread.run_sync(fetch, keys)
        return [found.get(key) for key in keys]

    return load


class Loaders:
    """The loaders of one request, each made on first use (most requests use none)."""

    def __init__(self, reads: SessionReads) -> None:
        self._reads = reads

    @cached_property
    def project(self) -> DataLoader[str, ProjectRecord | None]:
        return DataLoader(_batched(self._reads.projects))

    @cached_property
    def session(self) -> DataLoader[str, SessionRecord | None]:
        return DataLoader(_batched(self._reads.sessions))

    @cached_property
    def thread(self) -> DataLoader[str, ThreadRecord | None]:
        return DataLoader(_batched(self._reads.threads))

    @cached_property
    def latest_session(self) -> DataLoader[str, SessionRecord | None]:
        return DataLoader(_batched(self._reads.latest_sessions))

    @cached_property
    def session_project(self) -> DataLoader[str, str | None]:
        return DataLoader(_batched(self._reads.session_projects))
