"""The chain's numbered CHAIN_LINK copies agree with its CONTINUED_AS edges."""

from __future__ import annotations

import itertools

from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores
from kgservice.stores.query_catalog import parse_query

EDGES = """
MATCH (p:Project {id: $project_id})-[:HAS_SESSION]->(a:Session)-[c:CONTINUED_AS]->(b:Session)
RETURN a.id AS previous_id, b.id AS next_id, c.source AS source, c.at AS at ORDER BY c.at, b.id
"""
SEQS = "MATCH (:Project {id: $project_id})-[l:CHAIN_LINK]->(:Session) RETURN l.seq AS seq"


def run(stores: Stores, name: str, text: str, project_id: str) -> list[dict]:
    stores.graph.catalog._queries[name] = parse_query(name, text)
    return stores.graph.run(name, {"project_id": project_id})


def test_links_follow_the_transitions_and_revisits(stores: Stores, embedder: Embedder) -> None:
    services = Services.create(stores, embedder)
    chain = services.chain
    project = services.sessions.create_project("p")
    steps = [("s1", "BUILD"), ("s2", "COMPACT"), ("s1", "RESUME"), ("s3", "COMPACT")]
    ids = {}
    for external_id, source in steps:
        ids[external_id] = chain.record_transition(project.id, external_id, source).session.id
    chain.record_transition(project.id, "s3", "COMPACT")  # already latest: no link
    links = chain.chain(project.id)
    assert [(t.previous_id, t.next_id, t.source) for t in links] == [
        (ids["s1"], ids["s2"], "COMPACT"),
        (ids["s2"], ids["s1"], "RESUME"),
        (ids["s1"], ids["s3"], "COMPACT"),
    ]
    assert all(a.at <= b.at for a, b in itertools.pairwise(links))
    edges = run(stores, "test/chain_edges", EDGES, project.id)
    assert [(e["previous_id"], e["next_id"], e["source"], e["at"]) for e in edges] == [
        (t.previous_id, t.next_id, t.source, t.at) for t in links
    ]
    seqs = run(stores, "test/chain_seqs", SEQS, project.id)
    assert sorted(row["seq"] for row in seqs) == [0, 1, 2]
