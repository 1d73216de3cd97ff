"""The engine internals graph_session reads: fail by name when an engine upgrade changes them."""

from __future__ import annotations

from pathlib import Path

from kgservice.stores.graph import load_engine
from kgservice.stores.graph_session import _all_values


def test_kuzu_results_expose_the_native_reader(tmp_path: Path) -> None:
    """kuzu 0.11's QueryResult keeps its native result in ``_query_result`` (the fast path).

    Ladybug is not loaded here: the two engines' native modules cannot share a process.
    """
    name = "kuzu"
    engine = load_engine(name)
    database = engine.Database(str(tmp_path / "g"))
    connection = engine.Connection(database)
    result = connection.execute("UNWIND [1, 2, 3] AS x RETURN x, x * 2 AS y")
    native = getattr(result, "_query_result", None)
    assert native is not None, f"{name} no longer keeps its native result in _query_result"
    assert callable(native.hasNext)
    assert callable(native.getNext)
    assert _all_values(result) == [[1, 2], [2, 4], [3, 6]]
    connection.close()
    database.close()
