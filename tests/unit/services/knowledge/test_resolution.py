"""Duplicate candidates by name, MinHash and embedding; same_as proposals."""

from __future__ import annotations

import json

import pytest

from kgservice.errors import InputError
from kgservice.services.knowledge.resolution import shingles
from kgservice.services.registry import Services


def pairs(services: Services, threshold: float = 0.8) -> dict[frozenset[str], str]:
    found = services.resolution.duplicate_candidates("default", threshold)
    return {frozenset((c.a_id, c.b_id)): c.stage for c in found}


def test_each_stage_finds_its_duplicates(services: Services) -> None:
    create = services.entities.create
    postgres = create("PostgreSQL", "service", aliases=["pg"])
    pg = create("PG", "tool")  # alias of one equals the name of the other
    kg = create("knowledge-graph-service", "project")
    kg2 = create("knowledge graph services", "project")  # near-identical 3-grams
    car = create("automobile", "concept", observations=["a car: a road vehicle with an engine"])
    auto = create("motorcar", "concept", observations=["a car: a road vehicle with an engine"])
    create("pyarrow", "library", observations=["columnar in-memory data"])
    found = services.resolution.duplicate_candidates("default", 0.8)
    by_pair = {frozenset((c.a_id, c.b_id)): c for c in found}
    assert by_pair[frozenset((postgres.id, pg.id))].stage == "name"
    assert by_pair[frozenset((postgres.id, pg.id))].score == 1.0
    minhash = by_pair[frozenset((kg.id, kg2.id))]
    assert minhash.stage == "minhash"
    assert 0.8 <= minhash.score <= 1.0
    assert "Jaccard" in minhash.explanation
    embedded = by_pair[frozenset((car.id, auto.id))]
    assert embedded.stage == "embedding"
    assert "cosine" in embedded.explanation
    assert len(found) == 3
    assert [c.stage for c in found] == ["name", "minhash", "embedding"]


def test_threshold_is_checked_and_applied(services: Services) -> None:
    with pytest.raises(InputError):
        services.resolution.duplicate_candidates("default", 1.5)
    services.entities.create("graph-metrics", "concept")
    services.entities.create("graph metric", "concept")
    assert pairs(services, 0.99) == {}
    assert list(pairs(services, 0.5).values()) == ["minhash"]


def test_propose_same_as_skips_related_pairs_and_is_idempotent(services: Services) -> None:
    create = services.entities.create
    a = create("typer", "library", aliases=["typer-cli"])
    b = create("Typer CLI", "tool")
    c = create("rich", "library", aliases=["rich-text"])
    d = create("Rich Text", "tool")
    relation = services.relations.create(d.id, c.id, "uses")
    services.relations.retire(relation.id)  # even a retired edge means "already looked at"

    proposed = services.resolution.propose_same_as("default", 0.8)
    assert len(proposed) == 1
    edge = services.relations.get(proposed[0])
    assert edge is not None
    assert (edge.from_id, edge.to_id) == tuple(sorted((a.id, b.id)))
    assert (edge.type, edge.status, edge.method) == ("same_as", "proposed", "name")
    assert edge.score == 1.0
    assert json.loads(edge.evidence or "[]")
    assert services.resolution.propose_same_as("default", 0.8) == []


def test_shingles() -> None:
    assert shingles("ab") == {b" ab", b"ab "}
    assert shingles("") == {b"  "}
