"""Projected graphs: one at a time, waiting for writes, never holding up ordinary reads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from kgservice.errors import QueryTimeoutError, StoreError
from kgservice.ids import new_id
from kgservice.services.graph_algorithms import kuzu_engine
from kgservice.stores.graph import GraphStore, query_deadline
from kgservice.stores.graph_projection import projected_graph
from kgservice.stores.opening import Stores
from tests.graph_seed import SeededGraph, seed_graph

PROJECTION = kuzu_engine.PROJECTION


@pytest.fixture
def graph(engine_stores: Stores) -> GraphStore:
    if "algo" not in engine_stores.graph.extensions:
        pytest.skip(f"{engine_stores.graph.engine_name} has no algo extension")
    return engine_stores.graph


@pytest.fixture
def seeded(graph: GraphStore) -> SeededGraph:
    return seed_graph(graph)


def _entity(name: str) -> dict[str, object]:
    return {
        "id": new_id("Entity"),
        "namespace": "scratch",
        "created_at": datetime(2026, 1, 1),
        "name": name,
        "name_key": name,
        "kind": "concept",
    }


def test_a_projection_waits_for_an_open_write_transaction(
    graph: GraphStore, seeded: SeededGraph
) -> None:
    """The engine refuses a second write transaction; projecting is one, so it waits."""
    done: list[int] = []
    errors: list[BaseException] = []

    def rank() -> None:
        try:
            done.append(len(kuzu_engine.page_rank(graph, "default", 3)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    with graph.transaction() as tx:
        tx.run("bench/create_entity", _entity("open while projecting"))
        ranking = threading.Thread(target=rank)
        ranking.start()
        ranking.join(0.3)
        assert ranking.is_alive()  # waiting for the write lock, not failing
    ranking.join(30)
    assert errors == []
    assert done == [3]


def test_projections_take_turns(graph: GraphStore, seeded: SeededGraph) -> None:
    inside = threading.Event()
    second_inside = threading.Event()

    def second() -> None:
        with projected_graph(graph, PROJECTION, "default"):
            second_inside.set()

    with projected_graph(graph, PROJECTION, "default"):
        inside.set()
        other = threading.Thread(target=second)
        other.start()
        assert not second_inside.wait(0.3)
    other.join(30)
    assert second_inside.is_set()


def test_many_runs_at_once_all_succeed(graph: GraphStore, seeded: SeededGraph) -> None:
    runs = [
        lambda: len(kuzu_engine.page_rank(graph, "default", 5)),
        lambda: len(kuzu_engine.louvain(graph, "default")),
        lambda: kuzu_engine.components(graph, "default").count,
    ] * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(run) for run in runs]
        graph.run("bench/create_entity", _entity("written meanwhile"))
        results = [future.result() for future in futures]
    assert results == [5, 6, 4] * 4


def test_reads_do_not_wait_for_an_algorithm(graph: GraphStore, seeded: SeededGraph) -> None:
    """The algorithm has its own connection: with every pooled reader taken it still runs,
    and while it holds its connection the pooled readers answer."""
    with graph.reader(), graph.reader(), ThreadPoolExecutor(max_workers=1) as pool:
        ranked = pool.submit(kuzu_engine.page_rank, graph, "t", 1)  # two readers in tests
        assert ranked.result(timeout=30) == []
    with projected_graph(graph, PROJECTION, "default"):
        rows = graph.execute_catalog("CALL show_tables() RETURN name")
        assert "Entity" in {row["name"] for row in rows}


def test_waiting_for_a_turn_keeps_to_the_deadline(graph: GraphStore, seeded: SeededGraph) -> None:
    errors: list[BaseException] = []

    def late() -> None:
        with query_deadline(time.monotonic() + 0.2):
            try:
                kuzu_engine.page_rank(graph, "default", 3)
            except BaseException as exc:  # checked below
                errors.append(exc)

    with projected_graph(graph, PROJECTION, "default"):
        waiting = threading.Thread(target=late)
        waiting.start()
        waiting.join(30)
    assert len(errors) == 1
    assert isinstance(errors[0], QueryTimeoutError)
    assert "waited past its time budget" in str(errors[0])


def test_a_checkpoint_does_not_wait_long_for_an_algorithm(graph: GraphStore) -> None:
    with projected_graph(graph, PROJECTION, "default"), ThreadPoolExecutor(max_workers=1) as pool:
        failing = pool.submit(graph.checkpoint)
        with pytest.raises(StoreError, match="graph algorithm stayed busy"):
            failing.result(timeout=30)
    graph.checkpoint()
