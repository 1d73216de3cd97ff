"""search and similar through GraphQL, on real embeddings."""

from __future__ import annotations

from starlette.testclient import TestClient

from kgservice.ids import new_id
from kgservice.stores.vector_lookups import vector_of
from tests.api.conftest import GraphQLClient
from tests.api.test_memory import STORE_REFLECTION
from tests.api.test_sessions import make_project

SEARCH = """query($text: String, $vector: [Float!], $kinds: [String!], $k: Int!, $mode: SearchMode!) {
  search(text: $text, vector: $vector, kinds: $kinds, k: $k, mode: $mode) {
    score node { id __typename ... on Reflection { content } } } }"""
SIMILAR = """query($id: ID!) { similar(id: $id, k: 3) {
  score why { vector text } node { id ... on Reflection { content } } } }"""
NOTES = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "Kuzu stores the graph; sqlite-vec keeps the embeddings.",
]


def store_notes(gql: GraphQLClient) -> dict[str, str]:
    project = make_project(gql)
    ids = {}
    for note in NOTES:
        body = gql(STORE_REFLECTION, content=note, projectId=project, tags=[], importance=0.5)
        ids[note] = body["data"]["storeReflection"]["reflection"]["id"]
    return ids


def test_vector_text_and_hybrid_search(gql: GraphQLClient) -> None:
    ids = store_notes(gql)
    vector = gql(SEARCH, text="sunshine and warm weather", k=2, mode="VECTOR")["data"]["search"]
    assert {hit["node"]["content"] for hit in vector} == set(NOTES[:2])
    assert 0 < vector[1]["score"] <= vector[0]["score"] <= 1
    text = gql(SEARCH, text="stadium", k=5, mode="TEXT")["data"]["search"]
    assert [hit["node"]["id"] for hit in text] == [ids[NOTES[2]]]
    hybrid = gql(SEARCH, text="where are embeddings kept", k=4, mode="HYBRID")["data"]["search"]
    assert hybrid[0]["node"]["id"] == ids[NOTES[3]]
    assert all(hit["node"]["__typename"] == "Reflection" for hit in hybrid)


def test_search_by_vector_and_similar(http: TestClient, gql: GraphQLClient) -> None:
    ids = store_notes(gql)
    services = http.app.state.services  # type: ignore[attr-defined]
    query = services.index.embed(["a bright sunny day"])[0].tolist()
    hits = gql(SEARCH, vector=query, k=1, mode="VECTOR")["data"]["search"]
    assert hits[0]["node"]["content"] in NOTES[:2]
    similar = gql(SIMILAR, id=ids[NOTES[0]])["data"]["similar"]
    assert ids[NOTES[0]] not in [hit["node"]["id"] for hit in similar]
    assert similar[0]["node"]["content"] == NOTES[1]
    assert similar[0]["why"] == {"vector": similar[0]["score"], "text": None}


def test_orphan_vectors_are_never_returned_and_are_cleaned(
    http: TestClient, gql: GraphQLClient
) -> None:
    ids = store_notes(gql)
    stores = http.app.state.stores  # type: ignore[attr-defined]
    doomed = ids[NOTES[2]]
    with stores.graph.transaction() as tx:  # the node goes, its vector stays behind
        tx.execute_trusted(f"MATCH (r:Reflection {{id: '{doomed}'}}) DETACH DELETE r")
    hits = gql(SEARCH, text="stadium drive", k=4, mode="HYBRID")["data"]["search"]
    assert doomed not in [hit["node"]["id"] for hit in hits]
    assert vector_of(stores.vectors, doomed) is None


def test_bad_search_input_is_named(gql: GraphQLClient) -> None:
    cases = [
        ({"text": "x", "k": 0, "mode": "HYBRID"}, "k: must be between 1 and 100"),
        ({"text": "x", "k": 101, "mode": "HYBRID"}, "k: must be between 1 and 100"),
        ({"text": "x", "kinds": ["Planet"], "k": 3, "mode": "TEXT"}, "kinds: unknown kind Planet"),
        ({"vector": [0.1, 0.2], "k": 3, "mode": "VECTOR"}, "vector: "),
        ({"k": 3, "mode": "TEXT"}, "text: is required in TEXT mode"),
        ({"text": "   ", "k": 3, "mode": "VECTOR"}, "text: must not be empty"),
    ]
    for variables, message in cases:
        body = gql(SEARCH, **variables)
        assert body["errors"], variables
        assert body["errors"][0]["message"].startswith(message), body["errors"][0]["message"]
    missing = new_id("Reflection")
    assert gql(SIMILAR, id=missing)["errors"][0]["message"] == f"node {missing} not found"
