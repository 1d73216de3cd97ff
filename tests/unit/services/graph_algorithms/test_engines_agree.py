"""Kuzu's algo extension and networkx give the same answers on a small graph."""

from __future__ import annotations

import networkx as nx
import pytest

from kgservice.errors import StoreError
from kgservice.services.graph_algorithms import kuzu_engine, networkx_engine
from kgservice.services.graph_algorithms.engines import choose_engine
from kgservice.services.graph_algorithms.results import ordered_communities
from kgservice.stores.graph_projection import is_literal_safe
from kgservice.stores.opening import Stores
from tests.graph_seed import SeededGraph, seed_graph


@pytest.fixture
def seeded(stores: Stores) -> SeededGraph:
    return seed_graph(stores.graph)


def _need_algo(stores: Stores) -> None:
    if "algo" not in stores.graph.extensions:
        pytest.skip(f"{stores.graph.engine_name} has no algo extension")


def _projections(stores: Stores) -> list[str]:
    """Projections alive on the connection the algorithms use."""
    with stores.graph.algorithm_session() as session:
        rows = session.execute("projections", "CALL show_projected_graphs() RETURN name")
    return [row["name"] for row in rows]


def test_components_agree_exactly(stores: Stores, seeded: SeededGraph) -> None:
    _need_algo(stores)
    by_kuzu = kuzu_engine.components(stores.graph, "default")
    by_networkx = networkx_engine.components(stores.graph, "default")
    assert by_kuzu == by_networkx
    # cliques+hub in one; isolated, rejected, retired alone (their edges are not current)
    assert (by_kuzu.count, by_kuzu.largest) == (4, 16)
    assert networkx_engine.components(stores.graph, "other").count == 1


def test_page_rank_agrees_within_tolerance(stores: Stores, seeded: SeededGraph) -> None:
    _need_algo(stores)
    by_kuzu = kuzu_engine.page_rank(stores.graph, "default", 19)
    by_networkx = networkx_engine.page_rank(stores.graph, "default", 19)
    assert [e.id for e in by_kuzu[:3]] == [e.id for e in by_networkx[:3]]
    kuzu_scores = {e.id: e.score for e in by_kuzu}
    for entry in by_networkx:
        assert kuzu_scores[entry.id] == pytest.approx(entry.score, abs=1e-4)
    assert sum(kuzu_scores.values()) == pytest.approx(1.0, abs=1e-6)


def test_louvain_finds_the_same_partition(stores: Stores, seeded: SeededGraph) -> None:
    _need_algo(stores)
    by_kuzu = ordered_communities(kuzu_engine.louvain(stores.graph, "default"))
    by_networkx = ordered_communities(networkx_engine.louvain(stores.graph, "default", 1.0, 7))
    assert {c.member_ids for c in by_kuzu} == {c.member_ids for c in by_networkx}
    relations = nx.MultiGraph(networkx_engine.relation_graph(stores.graph, "default"))
    modularity = [
        nx.community.modularity(relations, [set(c.member_ids) for c in found])
        for found in (by_kuzu, by_networkx)
    ]
    assert modularity[0] == pytest.approx(modularity[1], abs=1e-9)
    sizes = [c.size for c in by_kuzu]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes.count(1) == 3  # isolated, rejected, retired


def test_projections_are_always_dropped(stores: Stores, seeded: SeededGraph) -> None:
    _need_algo(stores)
    kuzu_engine.components(stores.graph, "default")
    kuzu_engine.page_rank(stores.graph, "default", 3)
    assert _projections(stores) == []


def test_engine_choice(stores: Stores) -> None:
    has_algo = "algo" in stores.graph.extensions
    assert choose_engine("networkx", stores.graph, "default") == "networkx"
    assert choose_engine("auto", stores.graph, "default") == ("kuzu" if has_algo else "networkx")
    assert choose_engine("auto", stores.graph, 'evil" OR true') == "networkx"
    with pytest.raises(StoreError, match="graph_algorithms = kuzu"):
        choose_engine("kuzu", stores.graph, "bad'name")


def test_literal_safety() -> None:
    assert is_literal_safe("default")
    assert is_literal_safe("team/project-1.x")
    for bad in ['a"b', "a'b", "a\\b", "", "x" * 200, "a\nb"]:
        assert not is_literal_safe(bad)
