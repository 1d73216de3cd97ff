"""search(rerank:) through GraphQL: the reranker's order, its score and features in why."""

from __future__ import annotations

from typing import Any

from kgservice.services.search_rerank import FEATURES, RERANK_DEFAULT, WEIGHTS
from tests.api.conftest import GraphQLClient
from tests.api.test_search_context import TURNS, store_turns

SEARCH = """query($text: String!, $mode: SearchMode!, $rerank: Boolean) {
  search(text: $text, kinds: ["Message"], k: 5, mode: $mode, rerank: $rerank) {
    score why { vector text rerank features { name value weight } }
    node { id ... on Message { content } } } }"""
DEFAULT = """query($text: String!) {
  search(text: $text, kinds: ["Message"], k: 5) { score why { rerank } } }"""


def search(gql: GraphQLClient, text: str, **variables: Any) -> list[dict[str, Any]]:
    body = gql(SEARCH, text=text, **{"mode": "HYBRID", **variables})
    assert "errors" not in body, body
    hits: list[dict[str, Any]] = body["data"]["search"]
    return hits


def test_reranked_hits_carry_the_score_and_the_features_that_made_it(
    gql: GraphQLClient,
) -> None:
    store_turns(gql)
    hits = search(gql, "when did Caroline adopt the puppy", rerank=True)
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    for hit in hits:
        why = hit["why"]
        assert why["rerank"] == hit["score"]
        assert [f["name"] for f in why["features"]] == list(FEATURES)
        assert all(0 <= f["value"] <= 1 for f in why["features"])
        assert {f["name"]: f["weight"] for f in why["features"]} == WEIGHTS
        weighted = sum(f["value"] * f["weight"] for f in why["features"])
        assert abs(weighted - why["rerank"]) < 1e-4
    features = {
        hit["node"]["content"]: {f["name"]: f["value"] for f in hit["why"]["features"]}
        for hit in hits
    }
    puppy = features[TURNS[1]]
    assert puppy["speaker"] == 1.0  # the query names Caroline, whose turn it is
    assert puppy["fused"] == 1.0  # and it led the fused ranking
    assert puppy["time"] == 0.0  # no date in it
    weekend = features[TURNS[0]]  # "How was your weekend?": a time word, next to the puppy
    assert weekend["time"] == 1.0
    assert weekend["speaker"] == 0.0
    assert weekend["window_vector"] > weekend["vector"]
    assert {hits[0]["node"]["content"], hits[1]["node"]["content"]} == {TURNS[0], TURNS[1]}


def test_without_rerank_why_rerank_is_null(gql: GraphQLClient) -> None:
    store_turns(gql)
    hits = search(gql, "adopting puppies", rerank=False)
    assert hits[0]["node"]["content"] == TURNS[1]
    assert hits[0]["score"] < 1  # the fused score, not the reranker's
    assert all(h["why"]["rerank"] is None and h["why"]["features"] is None for h in hits)
    text_hits = search(gql, "adopting puppies", mode="TEXT")
    assert all(h["why"]["rerank"] is None for h in text_hits)
    default = gql(DEFAULT, text="adopting puppies")["data"]["search"]
    assert all((h["why"]["rerank"] is not None) is RERANK_DEFAULT for h in default)
    assert all((h["why"]["rerank"] == h["score"]) is RERANK_DEFAULT for h in default)


def test_rerank_outside_hybrid_mode_is_refused(gql: GraphQLClient) -> None:
    store_turns(gql)
    for mode in ("TEXT", "VECTOR"):
        body = gql(SEARCH, text="puppy", mode=mode, rerank=True)
        assert body["errors"][0]["message"].startswith("rerank: applies to HYBRID mode only")
        assert body["data"] is None


MIXED = """query($text: String!) {
  search(text: $text, kinds: ["Entity", "Message"], k: 6) {
    why { rerank features { name value } } node { __typename id ... on Message { content } } } }"""
CREATE_ENTITY = """mutation($input: CreateEntityInput!) { createEntity(input: $input) {
  __typename ... on EntityPayload { entity { id } } } }"""


def test_an_entity_is_not_pushed_below_the_neighbours_of_a_matching_turn(
    gql: GraphQLClient,
) -> None:
    store_turns(gql)
    body = gql(
        CREATE_ENTITY,
        input={"name": "Puppy adoption", "kind": "concept", "observations": ["adopting a puppy"]},
    )
    assert body["data"]["createEntity"]["__typename"] == "EntityPayload", body
    body = gql(MIXED, text="adopting a puppy")
    assert "errors" not in body, body
    hits = body["data"]["search"]
    order = [hit["node"].get("content") or hit["node"]["__typename"] for hit in hits]
    entity = next(hit for hit in hits if hit["node"]["__typename"] == "Entity")
    features = {f["name"]: f["value"] for f in entity["why"]["features"]}
    assert features["window_vector"] == features["vector"] > 0  # its own window
    # the turns beside the puppy turn match only through it: the entity ranks above them
    assert order.index("Entity") < order.index(TURNS[0])
    assert order.index("Entity") < order.index(TURNS[2])
