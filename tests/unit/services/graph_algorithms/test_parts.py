"""Degree buckets, community order, relTypes parsing, bounds and the service's engine use."""

from __future__ import annotations

import numpy as np
import pytest

from kgservice.errors import InputError, NotFoundError
from kgservice.services.graph_algorithms import GraphAlgorithms
from kgservice.services.graph_algorithms.metrics import DegreeBucket, degree_buckets
from kgservice.services.graph_algorithms.neighborhood import neighborhood, rel_filter
from kgservice.services.graph_algorithms.results import ordered_communities
from kgservice.stores.opening import Stores
from kgservice.stores.vectors import VectorItem
from tests.graph_seed import seed_graph


def test_degree_buckets_are_powers_of_two() -> None:
    assert degree_buckets({}) == (DegreeBucket(0, 0, 0),)
    assert degree_buckets({0: 2, 1: 3, 3: 1, 9: 4}) == (
        DegreeBucket(0, 0, 2),
        DegreeBucket(1, 1, 3),
        DegreeBucket(2, 3, 1),
        DegreeBucket(4, 7, 0),
        DegreeBucket(8, 15, 4),
    )


def test_communities_largest_first_then_by_first_member() -> None:
    found = ordered_communities([["z"], ["d", "c"], ["b", "a", "e"], ["y"]])
    assert [c.member_ids for c in found] == [("a", "b", "e"), ("c", "d"), ("y",), ("z",)]


def test_rel_filter_takes_tables_and_relation_types(stores: Stores) -> None:
    everything = rel_filter(stores.graph, None)
    assert {"RELATED", "MENTIONS", "HAS_MESSAGE"} <= set(everything.tables)
    assert "CHAIN_LINK" not in everything.tables  # copies of CONTINUED_AS, not edges to show
    assert everything.types == ()
    chosen = rel_filter(stores.graph, ["MENTIONS", "USES", "depends_on", "USES"])
    assert (chosen.tables, chosen.types) == (("MENTIONS",), ("uses", "depends_on"))
    with pytest.raises(InputError, match="unknown relationship type 'Entity'"):
        rel_filter(stores.graph, ["Entity"])  # a node table is not a relationship


def test_bounds_are_checked_before_anything_runs(stores: Stores) -> None:
    with pytest.raises(InputError, match="depth"):
        neighborhood(stores.graph, "no-such-node", depth=4)
    with pytest.raises(InputError, match="limit"):
        neighborhood(stores.graph, "no-such-node", limit=0)
    with pytest.raises(NotFoundError):
        neighborhood(stores.graph, "01M80WDGEZKX1X8S8TBTRZAY07")
    service = GraphAlgorithms(stores.graph, stores.vectors)
    with pytest.raises(InputError, match="k"):
        service.page_rank("default", 0)
    with pytest.raises(InputError, match="resolution"):
        service.communities("default", resolution=-1.0)
    with pytest.raises(InputError, match="namespace"):
        service.metrics("")


@pytest.mark.parametrize("engine", ["auto", "networkx"])
def test_service_results_do_not_depend_on_the_engine(stores: Stores, engine: str) -> None:
    seeded = seed_graph(stores.graph)
    service = GraphAlgorithms(stores.graph, stores.vectors, engine)  # type: ignore[arg-type]
    metrics = service.metrics("default")
    assert (metrics.components.count, metrics.components.largest) == (4, 16)
    assert metrics.engine == service.engine_for("default")
    communities = service.communities("default", seed=1).communities
    assert [c.size for c in communities] == [6, 5, 5, 1, 1, 1]
    top = service.page_rank("default", 19).entities
    assert {e.id for e in top} == set(seeded.default_ids)


def test_forced_networkx_for_an_unusual_namespace(stores: Stores) -> None:
    service = GraphAlgorithms(stores.graph, stores.vectors, "auto")
    assert service.engine_for("it's") == "networkx"
    assert service.metrics("it's").entities == 0


def test_embedding_coverage_counts_entities_with_vectors(stores: Stores) -> None:
    seeded = seed_graph(stores.graph)
    if stores.vectors.model() is None:
        stores.vectors.ensure_model("test-model", 384)
    vector = np.zeros(384, dtype=np.float32)
    vector[0] = 1.0
    embedded = seeded.cliques[0][:2]
    stores.vectors.upsert(
        [VectorItem(node_id, "Entity", "default", "text", vector) for node_id in embedded]
    )
    metrics = GraphAlgorithms(stores.graph, stores.vectors).metrics("default")
    assert metrics.embedded_entities == 2
    assert metrics.embedding_coverage == pytest.approx(2 / 19)
