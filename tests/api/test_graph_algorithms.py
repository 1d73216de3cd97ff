"""graphMetrics, pageRank, communities, shortestPath and neighborhood through the ASGI app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.embedding import Embedder
from kgservice.services.graph_algorithms import networkx_engine
from kgservice.services.registry import Services
from kgservice.settings import Settings
from tests.api.conftest import GraphQLClient
from tests.conftest import TEST_ENGINE
from tests.graph_seed import SeededGraph, seed_graph

METRICS = """query($ns: String!) { graphMetrics(namespace: $ns) {
  namespace engine entities relations retiredRelations relationsByStatus { status count }
  connectivityRatio isolated degree { max mean buckets { low high entities } }
  embeddedEntities embeddingCoverage components largestComponent } }"""
PAGE_RANK = """query($k: Int!) { pageRank(k: $k) { engine
  entities { rank id score node { __typename id ... on Entity { name } } } } }"""
COMMUNITIES = """query($resolution: Float!, $seed: Int, $first: Int!, $members: Int!) {
  communities(resolution: $resolution, seed: $seed, first: $first, membersFirst: $members) {
    engine totalCount communities { index size memberIds membersTruncated } } }"""
PATH = """query($from: ID!, $to: ID!, $depth: Int!) {
  shortestPath(from: $from, to: $to, maxDepth: $depth) {
    length nodes { id } edges { id from to label type properties } } }"""
ALL_THREE = "{ graphMetrics { entities } pageRank { engine } communities { totalCount } }"
CREATE_ENTITY = """mutation($name: String!) {
  createEntity(input: {name: $name, kind: "concept", namespace: "scratch"}) {
    __typename } }"""
NEIGHBORHOOD = """query($id: ID!, $depth: Int!, $types: [String!], $limit: Int! = 500) {
  neighborhood(id: $id, depth: $depth, relTypes: $types, limit: $limit) {
    truncated nodes { __typename id } edges { id from to label type properties } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No backfill thread on start: its reads would stall the seeding COPY's checkpoint."""
    return settings.model_copy(update={"backfill_on_start": False})


@pytest.fixture
def seeded(http: TestClient) -> SeededGraph:
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    return seed_graph(services.stores.graph)


def data(result: dict[str, Any]) -> Any:
    assert "errors" not in result, result["errors"]
    return result["data"]


def error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("data") is None or not any(result["data"].values()), result
    first: dict[str, Any] = result["errors"][0]
    return first


def test_metrics_of_a_known_graph(gql: GraphQLClient, seeded: SeededGraph) -> None:
    metrics = data(gql(METRICS, ns="default"))["graphMetrics"]
    assert metrics["entities"] == 19
    assert metrics["relations"] == 37  # 3 x 10 clique edges, 2 bridges, 5 to the hub
    by_status = {row["status"]: row["count"] for row in metrics["relationsByStatus"]}
    assert by_status == {"accepted": 36, "proposed": 1, "rejected": 1}
    assert metrics["retiredRelations"] == 1
    assert metrics["isolated"] == 3
    assert metrics["connectivityRatio"] == pytest.approx(16 / 19)
    assert (metrics["components"], metrics["largestComponent"]) == (4, 16)
    assert metrics["degree"]["max"] == 6  # a4: 4 in its clique, the hub, the bridge
    assert metrics["degree"]["mean"] == pytest.approx(2 * 37 / 19)
    buckets = metrics["degree"]["buckets"]
    assert buckets[0] == {"low": 0, "high": 0, "entities": 3}
    assert sum(b["entities"] for b in buckets) == 19
    assert (metrics["embeddedEntities"], metrics["embeddingCoverage"]) == (0, 0.0)
    other = data(gql(METRICS, ns="other"))["graphMetrics"]
    assert (other["entities"], other["relations"], other["components"]) == (2, 1, 1)


def test_page_rank_order(gql: GraphQLClient, http: TestClient, seeded: SeededGraph) -> None:
    ranked = data(gql(PAGE_RANK, k=5))["pageRank"]["entities"]
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    expected = networkx_engine.page_rank(services.stores.graph, "default", 5)
    assert [e["id"] for e in ranked] == [e.id for e in expected]
    assert [e["rank"] for e in ranked] == [1, 2, 3, 4, 5]
    scores = [e["score"] for e in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked[0]["node"]["__typename"] == "Entity"
    for k in (0, 101):
        assert error(gql(PAGE_RANK, k=k))["extensions"] == {"code": "VALIDATION", "field": "k"}


def test_communities(gql: GraphQLClient, seeded: SeededGraph) -> None:
    found = data(gql(COMMUNITIES, resolution=1.0, seed=3, first=10, members=100))["communities"]
    assert found["totalCount"] == 6  # three cliques (the hub joins a) and three singletons
    sizes = [c["size"] for c in found["communities"]]
    assert sizes == [6, 5, 5, 1, 1, 1]
    first = found["communities"][0]
    assert set(first["memberIds"]) == {*seeded.cliques[0], seeded.hub}
    assert first["memberIds"] == sorted(first["memberIds"])
    capped = data(gql(COMMUNITIES, resolution=1.0, seed=3, first=2, members=2))["communities"]
    assert [c["index"] for c in capped["communities"]] == [0, 1]
    assert capped["communities"][0]["membersTruncated"] is True
    assert len(capped["communities"][0]["memberIds"]) == 2
    tuned = data(gql(COMMUNITIES, resolution=0.5, seed=3, first=10, members=10))["communities"]
    assert tuned["engine"] == "networkx"
    bad = error(gql(COMMUNITIES, resolution=0.0, seed=None, first=10, members=10))
    assert bad["extensions"]["field"] == "resolution"
    assert error(gql(COMMUNITIES, resolution=1.0, seed=None, first=101, members=10))


def test_shortest_path(gql: GraphQLClient, seeded: SeededGraph) -> None:
    a, b, c = seeded.cliques
    path = data(gql(PATH, **{"from": a[0], "to": c[4], "depth": 8}))["shortestPath"]
    assert path["length"] == 5
    assert [n["id"] for n in path["nodes"]] == [a[0], a[4], b[0], b[4], c[0], c[4]]
    assert [e["type"] for e in path["edges"]] == [
        "related_to",
        "uses",
        "related_to",
        "depends_on",
        "related_to",
    ]
    assert path["edges"][1]["from"] == a[4]
    assert path["edges"][1]["to"] == b[0]
    assert path["edges"][0]["properties"]["status"] == "accepted"
    assert data(gql(PATH, **{"from": a[0], "to": c[4], "depth": 4}))["shortestPath"] is None
    # a rejected or retired relation is no path
    assert (
        data(gql(PATH, **{"from": seeded.rejected, "to": c[1], "depth": 8}))["shortestPath"] is None
    )
    same = data(gql(PATH, **{"from": a[0], "to": a[0], "depth": 1}))["shortestPath"]
    assert same["length"] == 0
    missing = "01M80WDGEZKX1X8S8TBTRZAY07"
    assert error(gql(PATH, **{"from": a[0], "to": missing, "depth": 3}))["extensions"] == {
        "code": "NOT_FOUND",
        "id": missing,
    }
    assert (
        error(gql(PATH, **{"from": a[0], "to": c[0], "depth": 9}))["extensions"]["field"]
        == "maxDepth"
    )


def test_neighborhood_depth_one(gql: GraphQLClient, seeded: SeededGraph) -> None:
    a = seeded.cliques[0]
    around = data(gql(NEIGHBORHOOD, id=a[0], depth=1, types=None))["neighborhood"]
    ids = [n["id"] for n in around["nodes"]]
    assert ids[0] == a[0]
    assert set(ids) == {*a, seeded.hub, seeded.reflection}
    assert {e["label"] for e in around["edges"]} == {"RELATED", "MENTIONS"}
    assert len(around["edges"]) == 6
    assert around["truncated"] is False
    mention = next(e for e in around["edges"] if e["label"] == "MENTIONS")
    assert (mention["from"], mention["to"], mention["type"]) == (seeded.reflection, a[0], None)
    part_of = data(gql(NEIGHBORHOOD, id=a[0], depth=1, types=["PART_OF"]))["neighborhood"]
    assert [n["id"] for n in part_of["nodes"]] == [a[0], seeded.hub]
    assert part_of["edges"][0]["type"] == "part_of"
    mentions = data(gql(NEIGHBORHOOD, id=a[0], depth=1, types=["MENTIONS"]))["neighborhood"]
    assert {n["__typename"] for n in mentions["nodes"]} == {"Entity", "Reflection"}


def test_neighborhood_depth_two_with_filter(gql: GraphQLClient, seeded: SeededGraph) -> None:
    a, b, _ = seeded.cliques
    around = data(gql(NEIGHBORHOOD, id=a[0], depth=2, types=["USES", "related_to"]))
    ids = {n["id"] for n in around["neighborhood"]["nodes"]}
    assert ids == {*a, b[0]}
    edges = around["neighborhood"]["edges"]
    assert {e["type"] for e in edges} == {"related_to", "uses"}
    capped = data(gql(NEIGHBORHOOD, id=a[0], depth=2, types=None, limit=3))["neighborhood"]
    assert capped["truncated"] is True
    assert len(capped["nodes"]) <= 3
    assert len(capped["edges"]) <= 3
    # every edge joins returned nodes
    returned = {n["id"] for n in capped["nodes"]}
    assert all(e["from"] in returned and e["to"] in returned for e in capped["edges"])
    # retired and rejected relations are not followed
    lonely = data(gql(NEIGHBORHOOD, id=seeded.retired, depth=2, types=None))["neighborhood"]
    assert [n["id"] for n in lonely["nodes"]] == [seeded.retired]


def test_neighborhood_errors(gql: GraphQLClient, seeded: SeededGraph) -> None:
    a = seeded.cliques[0]
    too_deep = error(gql(NEIGHBORHOOD, id=a[0], depth=4, types=None))
    assert too_deep["extensions"] == {"code": "VALIDATION", "field": "depth"}
    assert "between 1 and 3" in too_deep["message"]
    unknown = error(gql(NEIGHBORHOOD, id=a[0], depth=1, types=["LIKES"]))
    assert unknown["extensions"]["field"] == "relTypes"
    assert "LIKES" in unknown["message"]
    missing = error(gql(NEIGHBORHOOD, id="01M80WDGEZKX1X8S8TBTRZAY07", depth=1, types=None))
    assert missing["extensions"]["code"] == "NOT_FOUND"
    assert error(gql(NEIGHBORHOOD, id=a[0], depth=1, types=None, limit=501))


def test_without_the_algo_extension_algorithms_fall_back_or_say_why(
    settings: Settings, embedder: Embedder
) -> None:
    """Ladybug cannot load the algo extension offline: auto falls back to networkx, and
    asking for the extension gets an error naming the reason (on Kuzu both use it)."""
    for setting in ("auto", "kuzu"):
        chosen = settings.model_copy(update={"graph_algorithms": setting})
        with TestClient(create_app(chosen, embedder=embedder)) as http:
            services: Services = http.app.state.services  # type: ignore[attr-defined]
            seed_graph(services.stores.graph)
            has_algo = "algo" in services.stores.graph.extensions
            assert has_algo is (TEST_ENGINE == "kuzu")
            result = GraphQLClient(http)(PAGE_RANK, k=3)
            if has_algo or setting == "auto":
                engine = data(result)["pageRank"]["engine"]
                assert engine == ("kuzu" if has_algo else "networkx")
            else:
                message = error(result)["message"]
                assert "the ladybug engine has no algo extension loaded" in message


def test_algorithms_run_side_by_side_with_each_other_and_with_writes(
    gql: GraphQLClient, http: TestClient, seeded: SeededGraph
) -> None:
    """The three fields of one request resolve concurrently, requests arrive together and
    entities are written meanwhile: every projection waits its turn, none fails."""
    services: Services = http.app.state.services  # type: ignore[attr-defined]
    engine = services.graph_algorithms.engine_for("default")
    expected = {
        "graphMetrics": {"entities": 19},
        "pageRank": {"engine": engine},
        "communities": {"totalCount": 6},
    }
    assert data(gql(ALL_THREE)) == expected

    def algorithms(_: int) -> dict[str, Any]:
        return gql(ALL_THREE)

    def write(index: int) -> dict[str, Any]:
        return gql(CREATE_ENTITY, name=f"written while ranking {index}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        ranked = [pool.submit(algorithms, index) for index in range(6)]
        written = [pool.submit(write, index) for index in range(6)]
        results = [future.result() for future in ranked]
        writes = [future.result() for future in written]
    assert [data(result) for result in results] == [expected] * 6
    assert [data(w)["createEntity"]["__typename"] for w in writes] == ["EntityPayload"] * 6
