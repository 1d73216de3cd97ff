"""RelationService: uniqueness, self-relations, retiring with history, review, reads."""

from __future__ import annotations

import time

import pytest

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.knowledge.relations import RelationService
from kgservice.stores.opening import Stores
from tests.knowledge_seed import SeedEntity, seed_entities


@pytest.fixture
def relations(stores: Stores) -> RelationService:
    return RelationService(stores.graph)


@pytest.fixture
def ids(stores: Stores) -> list[str]:
    entities = [SeedEntity("app", "project"), SeedEntity("numpy", "library")]
    entities.append(SeedEntity("pytest", "tool"))
    return seed_entities(stores.graph, None, entities)


def test_create_returns_an_accepted_manual_relation(
    relations: RelationService, ids: list[str]
) -> None:
    made = relations.create(ids[0], ids[1], "uses", confidence=0.7, evidence=["readme says so"])
    assert (made.from_id, made.to_id, made.type, made.status) == (
        ids[0],
        ids[1],
        "uses",
        "accepted",
    )
    assert made.method == "manual"
    assert made.confidence == 0.7
    assert made.valid_to is None
    assert relations.get(made.id) == made


def test_unique_per_from_to_type_among_current_edges(
    relations: RelationService, ids: list[str]
) -> None:
    first = relations.create(ids[0], ids[1], "uses")
    with pytest.raises(ConflictError) as caught:
        relations.create(ids[0], ids[1], "uses")
    assert caught.value.current == first.id
    relations.create(ids[0], ids[1], "depends_on")  # another type is another relation
    relations.create(ids[1], ids[0], "uses")  # and so is the other direction
    relations.retire(first.id)
    assert relations.create(ids[0], ids[1], "uses").id != first.id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"relation_type": "likes"}, "type"),
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.1}, "confidence"),
    ],
)
def test_bad_input_is_refused(
    relations: RelationService, ids: list[str], change: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {"relation_type": "uses", **change}
    with pytest.raises(InputError) as caught:
        relations.create(ids[0], ids[1], **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert relations.of_entity(ids[0]) == []


def test_self_relation_and_unknown_ids(relations: RelationService, ids: list[str]) -> None:
    with pytest.raises(InputError):
        relations.create(ids[0], ids[0], "uses")
    missing = new_id("Entity")
    with pytest.raises(NotFoundError) as caught:
        relations.create(ids[0], missing, "uses")
    assert caught.value.node_id == missing
    with pytest.raises(InputError):
        relations.create(ids[0], new_id("Project"), "uses")
    assert relations.of_entity(ids[0]) == []


def test_retire_keeps_history_for_as_of(relations: RelationService, ids: list[str]) -> None:
    made = relations.create(ids[0], ids[1], "uses")
    time.sleep(0.01)
    between = utc_now()
    time.sleep(0.01)
    retired = relations.retire(made.id)
    assert retired.valid_to is not None
    assert relations.of_entity(ids[0]) == []
    assert [r.id for r in relations.of_entity(ids[0], as_of=between)] == [made.id]
    assert relations.of_entity(ids[0], as_of=made.valid_from.replace(year=2000)) == []
    with pytest.raises(ConflictError):
        relations.retire(made.id)
    with pytest.raises(NotFoundError):
        relations.retire(new_id())


def test_review_moves_only_proposed_relations(relations: RelationService, ids: list[str]) -> None:
    manual = relations.create(ids[0], ids[1], "uses")
    with pytest.raises(ConflictError):
        relations.review(manual.id, "accept")
    with pytest.raises(InputError):
        relations.review(manual.id, "maybe")
    with pytest.raises(NotFoundError):
        relations.review(new_id(), "reject")


def test_of_entity_filters_and_sees_both_directions(
    relations: RelationService, ids: list[str]
) -> None:
    out = relations.create(ids[0], ids[1], "uses")
    into = relations.create(ids[2], ids[0], "tests")
    assert [r.id for r in relations.of_entity(ids[0])] == sorted([out.id, into.id])
    assert [r.id for r in relations.of_entity(ids[0], types=["tests"])] == [into.id]
    assert relations.of_entity(ids[0], status="proposed") == []
    with pytest.raises(InputError):
        relations.of_entity(ids[0], types=["likes"])
    with pytest.raises(NotFoundError):
        relations.of_entity(new_id("Entity"))


def test_entities_of_other_namespaces_do_not_relate(
    relations: RelationService, stores: Stores, ids: list[str]
) -> None:
    (other,) = seed_entities(stores.graph, None, [SeedEntity("x", "library")], namespace="team")
    with pytest.raises(InputError):
        relations.create(ids[0], other, "uses")
