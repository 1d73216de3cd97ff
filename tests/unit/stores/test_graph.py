"""The graph store on each engine: named queries, transactions, bulk loads, guards."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import datetime

import pyarrow as pa
import pytest

from kgservice.errors import QueryError, QueryTimeoutError, StoreError
from kgservice.ids import new_id
from kgservice.stores.graph import GraphStore, Transaction, query_deadline
from kgservice.stores.opening import Stores
from kgservice.stores.query_catalog import parse_query

NOW = datetime(2026, 1, 1, 12, 0)


def add_query(graph: GraphStore, name: str, text: str) -> None:
    graph.catalog._queries[name] = parse_query(name, text)


def create_entity(graph: GraphStore, name: str) -> str:
    node_id = new_id("Entity")
    graph.run(
        "bench/create_entity",
        {
            "id": node_id,
            "namespace": "t",
            "created_at": NOW,
            "name": name,
            "name_key": name,
            "kind": "concept",
        },
    )
    return node_id


def count_entities(graph: GraphStore) -> int:
    add_query(graph, "test/count_entities", "MATCH (e:Entity) RETURN count(e) AS n")
    return int(graph.run("test/count_entities")[0]["n"])


def test_write_then_read_by_label(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    node_id = create_entity(graph, "kuzu")
    rows = graph.run("core/node_by_id", {"id": node_id}, label="Entity")
    assert rows[0]["node"]["name"] == "kuzu"


def test_rows_as_values_keep_the_return_order(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    for name in ["b", "a", "c"]:
        create_entity(graph, name)
    add_query(
        graph,
        "test/entity_names",
        "MATCH (e:Entity) RETURN e.name AS name, e.created_at AS at ORDER BY e.name",
    )
    columns, rows = graph.run_values("test/entity_names")
    assert columns == ["name", "at"]
    assert rows == [["a", NOW], ["b", NOW], ["c", NOW]]
    assert graph.run("test/entity_names")[0] == {"name": "a", "at": NOW}
    with pytest.raises(QueryError, match="writes"):
        graph.run_values("bench/create_entity", {})


def test_transaction_commits_and_rolls_back(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    with graph.transaction() as tx:
        for name in ["a", "b"]:
            create_entity_in(tx, name)
    assert count_entities(graph) == 2

    def failing_write() -> None:
        with graph.transaction() as tx:
            tx.run(
                "bench/create_entity",
                {
                    "id": new_id("Entity"),
                    "namespace": "t",
                    "created_at": NOW,
                    "name": "c",
                    "name_key": "c",
                    "kind": "concept",
                },
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_write()
    assert count_entities(graph) == 2


def test_unbound_parameter_is_refused_before_the_engine(engine_stores: Stores) -> None:
    with pytest.raises(QueryError, match="missing id"):
        engine_stores.graph.run("core/node_by_id", {}, label="Entity")
    with pytest.raises(QueryError, match="needs a table label"):
        engine_stores.graph.run("core/node_by_id", {"id": "x"})


def test_label_injection_is_refused(engine_stores: Stores) -> None:
    with pytest.raises(QueryError, match="unknown table"):
        engine_stores.graph.run(
            "core/node_by_id", {"id": "x"}, label="Entity {id: 'x'}) DETACH DELETE n //"
        )


def test_values_are_bound_literally(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    payload = "x'}) MATCH (n) DETACH DELETE n //"
    node_id = create_entity(graph, payload)
    assert count_entities(graph) == 1
    assert (
        graph.run("core/node_by_id", {"id": node_id}, label="Entity")[0]["node"]["name"] == payload
    )


def test_engine_errors_become_query_errors(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    node_id = create_entity(graph, "dup")
    with pytest.raises(QueryError, match="bench/create_entity failed"):
        graph.run(
            "bench/create_entity",
            {
                "id": node_id,
                "namespace": "t",
                "created_at": NOW,
                "name": "x",
                "name_key": "x",
                "kind": "concept",
            },
        )


def test_copy_from_arrow_takes_awkward_column_types(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    count = 100
    ids = [new_id("Entity") for _ in range(count)]
    table = pa.table(
        {
            "id": pa.array(ids, pa.large_string()),
            "namespace": pa.array(["t"] * count, pa.string()).dictionary_encode(),
            "created_at": pa.array([NOW] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "name": [f"n{i}" for i in range(count)],
            "name_key": [f"n{i}" for i in range(count)],
            "kind": ["concept"] * count,
            "observations": pa.array([["seen"]] * count, pa.list_(pa.string(), 1)),
            "aliases": pa.array([[]] * count, pa.large_list(pa.string())),
            "properties": pa.nulls(count, pa.string()),
            "updated_at": pa.array([NOW] * count, pa.timestamp("us")),
        }
    )
    assert graph.copy_from_arrow("Entity", table) == count
    assert count_entities(graph) == count
    reflections = pa.table(
        {
            "id": [new_id("Reflection")],
            "namespace": ["t"],
            "created_at": pa.array([NOW], pa.timestamp("us")),
            "legacy_id": pa.nulls(1, pa.string()),
            "content": ["about n1"],
            "tags": pa.array([[]], pa.list_(pa.string())),
            "importance": [1.0],
        }
    )
    graph.copy_from_arrow("Reflection", reflections)
    edges = pa.table({"from": reflections.column("id"), "to": [ids[1]]})
    assert graph.copy_from_arrow("MENTIONS", edges, pair=("Reflection", "Entity")) == 1
    texts = graph.run(
        "knowledge/mention_texts_of_entity", {"id": ids[1], "after_id": "", "limit": 10}
    )
    assert [(t["node"]["id"], t["label"]) for t in texts] == [
        (reflections.column("id")[0].as_py(), "Reflection")
    ]
    with pytest.raises(QueryError, match="unknown table"):
        graph.copy_from_arrow("Nope", table)


def related_table(pairs: list[tuple[str, str]]) -> pa.Table:
    count = len(pairs)
    return pa.table(
        {
            "from": [a for a, _ in pairs],
            "to": [b for _, b in pairs],
            "type": ["uses"] * count,
            "confidence": [0.5] * count,
            "score": [0.5] * count,
            "method": ["vector"] * count,
            "evidence": ["[]"] * count,
            "status": ["proposed"] * count,
            "valid_from": pa.array([NOW] * count, pa.timestamp("us")),
            "valid_to": pa.nulls(count, pa.timestamp("us")),
            "job_id": ["Job_1"] * count,
            "id": [new_id() for _ in range(count)],
        }
    )


def count_related(graph: GraphStore) -> int:
    add_query(graph, "test/count_related", "MATCH ()-[r:RELATED]->() RETURN count(r) AS n")
    return int(graph.run("test/count_related")[0]["n"])


def test_a_copy_in_a_transaction_commits_while_readers_run(engine_stores: Stores) -> None:
    """The COPY commit checkpoints the database; busy readers neither stall nor break it."""
    graph = engine_stores.graph
    ids = [create_entity(graph, f"e{i}") for i in range(4)]
    stop = threading.Event()
    reads: list[int] = []

    def read_until_stopped() -> None:
        while not stop.is_set():
            reads.append(count_entities(graph))

    readers = [threading.Thread(target=read_until_stopped) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for first, second in [(0, 1), (2, 3)]:
            with graph.transaction() as tx:
                tx.copy_from_arrow("RELATED", related_table([(ids[first], ids[second])]))
                create_entity_in(tx, "inside")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert count_related(graph) == 2
    assert count_entities(graph) == 6
    assert reads
    assert set(reads) <= {4, 5, 6}


def create_entity_in(tx: Transaction, name: str) -> None:
    tx.run(
        "bench/create_entity",
        {
            "id": new_id("Entity"),
            "namespace": "t",
            "created_at": NOW,
            "name": name,
            "name_key": name,
            "kind": "concept",
        },
    )


def test_a_failed_copy_in_a_transaction_raises_its_own_error(engine_stores: Stores) -> None:
    """Regression: the engine rolls a failed COPY back itself; our ROLLBACK masked the error."""
    graph = engine_stores.graph
    known = create_entity(graph, "known")

    def copy_to_a_missing_entity() -> None:
        with graph.transaction() as tx:
            create_entity_in(tx, "rolled back")
            tx.copy_from_arrow("RELATED", related_table([(known, new_id("Entity"))]))

    with pytest.raises(QueryError, match="copy RELATED failed") as caught:
        copy_to_a_missing_entity()
    assert "ROLLBACK" not in str(caught.value)
    assert count_related(graph) == 0
    assert count_entities(graph) == 1
    with graph.transaction() as tx:  # the writer is usable again
        create_entity_in(tx, "after")
    assert count_entities(graph) == 2


def test_readers_do_not_wait_for_an_open_write_transaction(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    create_entity(graph, "before")
    inside = threading.Event()
    release = threading.Event()

    def long_write() -> None:
        with graph.transaction() as tx:
            tx.run(
                "bench/create_entity",
                {
                    "id": new_id("Entity"),
                    "namespace": "t",
                    "created_at": NOW,
                    "name": "during",
                    "name_key": "d",
                    "kind": "concept",
                },
            )
            inside.set()
            release.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert inside.wait(10)
        assert count_entities(graph) == 1  # the uncommitted write is not visible
        assert writer.is_alive()  # the read was answered while the write stayed open
        assert not release.is_set()
    finally:
        release.set()
        writer.join()
    assert count_entities(graph) == 2


def test_writers_are_serialised(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    errors: list[BaseException] = []

    def write_many() -> None:
        try:
            for _ in range(20):
                with graph.transaction() as tx:
                    tx.run(
                        "bench/create_entity",
                        {
                            "id": new_id("Entity"),
                            "namespace": "t",
                            "created_at": NOW,
                            "name": "w",
                            "name_key": "w",
                            "kind": "concept",
                        },
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count_entities(graph) == 80


def _graph_with_slow_query(stores: Stores, name: str, timeout_ms: int) -> GraphStore:
    """A store whose ``test/slow`` query runs for minutes (a 2000-row triple join)."""
    graph = GraphStore(
        stores.graph.path.with_name(name),
        engine=stores.graph.engine_name,
        query_timeout_ms=timeout_ms,
        buffer_pool_mb=64,
        read_connections=1,
    ).open()
    graph.run("migrations/create_tracking_table")
    graph.copy_from_arrow(
        "SchemaMigration",
        pa.table(
            {
                "version": list(range(2000)),
                "name": ["x"] * 2000,
                "checksum": ["c"] * 2000,
                "applied_at": pa.array([NOW] * 2000, pa.timestamp("us")),
            }
        ),
    )
    add_query(
        graph,
        "test/slow",
        "MATCH (a:SchemaMigration), (b:SchemaMigration), (c:SchemaMigration) "
        "WHERE a.version + b.version + c.version = -1 RETURN count(*) AS n",
    )
    return graph


def test_query_timeout(engine_stores: Stores) -> None:
    graph = _graph_with_slow_query(engine_stores, "timeout.db", timeout_ms=50)
    try:
        with pytest.raises(QueryTimeoutError, match="time budget"):
            graph.run("test/slow")
        assert graph.run("core/ping") == [{"ok": 1}]
    finally:
        graph.close()


def test_query_deadline_interrupts_the_query_itself(engine_stores: Stores) -> None:
    """A caller's deadline cuts the engine timeout of each query to the time left."""
    graph = _graph_with_slow_query(engine_stores, "deadline.db", timeout_ms=600_000)
    try:
        with query_deadline(time.monotonic() - 1), pytest.raises(QueryTimeoutError):
            graph.run("core/ping")  # already past: refused before the engine runs it
        with query_deadline(time.monotonic() + 0.2), pytest.raises(QueryTimeoutError):
            graph.run("test/slow")
        assert graph.run("core/ping") == [{"ok": 1}]  # the engine timeout is back to normal
    finally:
        graph.close()


def test_a_deadline_passing_inside_a_transaction_rolls_it_back(engine_stores: Stores) -> None:
    """The deadline bounds named queries, never ROLLBACK: the writer stays usable."""
    graph = engine_stores.graph
    params = {"namespace": "t", "created_at": NOW, "name": "x", "name_key": "x", "kind": "c"}

    def two_writes_across_the_deadline() -> None:
        with query_deadline(time.monotonic() + 0.2), graph.transaction() as tx:
            tx.run("bench/create_entity", {**params, "id": new_id("Entity")})
            time.sleep(0.3)
            tx.run("bench/create_entity", {**params, "id": new_id("Entity")})

    with pytest.raises(QueryTimeoutError):
        two_writes_across_the_deadline()
    assert count_entities(graph) == 0
    create_entity(graph, "after")
    assert count_entities(graph) == 1


def test_second_process_is_told_who_holds_the_store(engine_stores: Stores) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kgservice.errors import StoreLockedError\n"
        "from kgservice.stores.graph import GraphStore\n"
        "try:\n"
        f"    GraphStore(Path({str(engine_stores.graph.path)!r}), "
        f"engine={engine_stores.graph.engine_name!r}, buffer_pool_mb=64).open()\n"
        "except StoreLockedError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3, done.stderr
    assert "another kgservice holds" in done.stdout


def test_closed_store_says_so(engine_stores: Stores) -> None:
    graph = engine_stores.graph
    graph.close()
    with pytest.raises(StoreError, match="closed"):
        graph.run("core/ping")
    graph.open()
    assert graph.run("core/ping") == [{"ok": 1}]


def test_backup_and_restore(
    engine_stores: Stores, tmp_path_factory: pytest.TempPathFactory
) -> None:
    graph = engine_stores.graph
    create_entity(graph, "kept")
    image = tmp_path_factory.mktemp("backup") / "graph.img"
    graph.backup_to(image)
    create_entity(graph, "dropped")
    graph.restore_from(image)
    assert count_entities(graph) == 1


def test_unknown_engine_is_a_clear_error() -> None:
    from pathlib import Path

    with pytest.raises(StoreError, match="unknown graph engine"):
        GraphStore(Path("x"), engine="neo4j")


def test_timestamps_round_trip(engine_stores: Stores) -> None:
    node_id = create_entity(engine_stores.graph, "t")
    node = engine_stores.graph.run("core/node_by_id", {"id": node_id}, label="Entity")[0]["node"]
    assert node["created_at"] == NOW
    moment = datetime(2026, 3, 4, 5, 6, 7, 890123)  # microseconds survive, naive UTC both ways
    other_id = new_id("Entity")
    fields = {"namespace": "t", "name": "u", "name_key": "u", "kind": "concept"}
    engine_stores.graph.run("bench/create_entity", {**fields, "id": other_id, "created_at": moment})
    other = engine_stores.graph.run("core/node_by_id", {"id": other_id}, label="Entity")[0]
    assert other["node"]["created_at"] == moment


def test_a_checkpoint_gives_up_soon_when_a_reader_stays_busy(engine_stores: Stores) -> None:
    """Regression: new reads wait while the readers are drained, so the drain must be short."""
    graph = engine_stores.graph
    with graph.reader(), pytest.raises(StoreError, match="reader stayed busy"):
        graph.checkpoint()
    assert count_entities(graph) == 0  # the pool is whole again
    graph.checkpoint()
