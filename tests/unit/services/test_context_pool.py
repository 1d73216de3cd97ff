"""Work handed to the services' thread pools keeps the caller's context (query deadlines)."""

from __future__ import annotations

import contextvars
import time

import pytest

from kgservice.embedding import Embedder
from kgservice.errors import QueryTimeoutError
from kgservice.services import nodes
from kgservice.services.context_pool import ContextThreadPool
from kgservice.services.registry import Services
from kgservice.stores.graph import query_deadline
from kgservice.stores.opening import Stores

WHO: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def test_tasks_see_the_submitters_context_variables() -> None:
    pool = ContextThreadPool(max_workers=2)
    token = WHO.set("caller")
    try:
        assert list(pool.map(lambda _: WHO.get(), range(4))) == ["caller"] * 4
        assert pool.submit(WHO.get).result() == "caller"
    finally:
        WHO.reset(token)
    assert pool.submit(WHO.get).result() == "nobody"
    pool.shutdown()


def test_parallel_node_lookups_keep_the_request_deadline(
    stores: Stores, embedder: Embedder
) -> None:
    sessions = Services.create(stores, embedder).sessions
    ids = [sessions.create_project(f"p{i}").id for i in range(3)]
    assert len(nodes.nodes_of_table(stores.graph, "Project", ids)) == 3
    with query_deadline(time.monotonic() - 1), pytest.raises(QueryTimeoutError):
        nodes.nodes_of_table(stores.graph, "Project", ids)
