"""The discovery pipeline and job on real stores: skipping, limits, reruns, resume, dry run."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from kgservice.errors import InputError
from kgservice.ids import new_id
from kgservice.services.discovery.job import DiscoveryParameters, find_proposals
from kgservice.services.discovery.writing import write_batches
from kgservice.services.registry import Services
from tests.knowledge_seed import seed_world


@pytest.fixture
def world(services: Services) -> dict[str, str]:
    return seed_world(services.stores.graph, services.index)


def proposals_of(services: Services, **parameters: Any) -> list[tuple[str, str]]:
    found, _ = find_proposals(
        services.stores.graph, services.stores.vectors, DiscoveryParameters.checked(**parameters)
    )
    return [(p.from_id, p.to_id) for p in found]


def job_relations(services: Services, job_id: str) -> list[tuple[str, str]]:
    records = services.relations.candidates(job_id, after=None, limit=1000)
    return [(r.from_id, r.to_id) for r in records]


def run_discovery(services: Services, **parameters: Any) -> str:
    job = services.jobs.create(
        "discovery", DiscoveryParameters.checked(**parameters).as_json(), "default"
    )
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded", finished.errors
    return job.id


def test_proposals_are_scored_typed_and_explained(
    services: Services, world: dict[str, str]
) -> None:
    found, counts = find_proposals(
        services.stores.graph, services.stores.vectors, DiscoveryParameters.checked()
    )
    assert counts["proposed"] == len(found) > 0
    by_pair = {(p.from_id, p.to_id): p for p in found}
    uses = by_pair[(world["webapp"], world["fastapi"])]
    assert uses.type == "uses"
    assert uses.score >= 0.3
    assert "co_mention" in uses.method
    assert any(e.get("typing") == "text" for e in uses.evidence)
    assert by_pair[(world["webapp-tests"], world["webapp"])].type == "tests"
    assert by_pair[(world["fastapi"], world["pydantic"])].type == "depends_on"
    assert all(p.score >= 0.3 for p in found)
    assert world["gardening"] not in {end for pair in by_pair for end in pair}


def test_max_per_entity_and_limit(services: Services, world: dict[str, str]) -> None:
    unlimited = proposals_of(services)
    busiest = max(Counter(end for pair in unlimited for end in pair).values())
    assert busiest > 1  # the world gives the cap something to cut
    capped = proposals_of(services, max_per_entity=1)
    ends = [end for pair in capped for end in pair]
    assert len(ends) == len(set(ends))
    assert 0 < len(capped) < len(unlimited)
    assert set(capped) <= set(unlimited)
    assert proposals_of(services, limit=2) == unlimited[:2]


def test_known_pairs_are_skipped_before_any_limit(
    services: Services, world: dict[str, str]
) -> None:
    (best,) = proposals_of(services, limit=1)
    made = services.relations.create(best[1], best[0], "related_to")  # either direction
    services.relations.retire(made.id)  # retired edges still count as known
    (after,) = proposals_of(services, limit=1)
    assert set(after) != set(best)
    for pair in proposals_of(services, max_per_entity=1):
        assert set(pair) != set(best)


def test_rerun_is_idempotent_and_rejected_pairs_stay_rejected(
    services: Services, world: dict[str, str]
) -> None:
    everything = proposals_of(services)
    first = run_discovery(services, limit=2)
    proposed = job_relations(services, first)
    assert len(proposed) == 2
    rejected = services.relations.candidates(first, after=None, limit=1)[0]
    services.relations.review(rejected.id, "reject")
    second = run_discovery(services)
    again = job_relations(services, second)
    assert len(again) == len(everything) - 2  # the rest, and nothing of the first run again
    assert not {frozenset(p) for p in again} & {frozenset(p) for p in proposed}
    kept = services.relations.get(rejected.id)
    assert kept is not None
    assert kept.status == "rejected"
    assert job_relations(services, run_discovery(services)) == []  # a third run finds nothing new


def test_dry_run_writes_no_relation(services: Services, world: dict[str, str]) -> None:
    job_id = run_discovery(services, dry_run=True)
    job = services.jobs.require(job_id)
    assert job.counts["proposed"] > 0
    assert job.counts["written"] == 0
    assert all(services.relations.of_entity(i) == [] for i in world.values())


def test_stopped_job_resumes_from_its_checkpoint(services: Services, world: dict[str, str]) -> None:
    expected = set(proposals_of(services))
    services.discovery.batch_size = 2
    job = services.jobs.create("discovery", DiscoveryParameters.checked().as_json(), "default")
    stop = threading.Event()
    batches_seen: list[int] = []

    def stop_after_two_batches(progress: float, counts: Mapping[str, Any]) -> None:
        if counts.get("phase") == "writing":
            batches_seen.append(1)
            if len(batches_seen) == 2:
                stop.set()

    stopped = services.jobs.run(job.id, stop, stop_after_two_batches)
    assert stopped.status == "running"
    assert stopped.checkpoint == {"written": 4}
    assert len(job_relations(services, job.id)) == 4
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded"
    written = job_relations(services, job.id)
    assert len(written) == len(set(written)) == finished.counts["written"]
    assert set(written) == expected


def test_a_resume_after_the_graph_changed_loses_and_repeats_nothing(
    services: Services, world: dict[str, str]
) -> None:
    """Regression: a resume by position repeated a written pair once a new one ranked first."""
    services.discovery.batch_size = 2
    job = services.jobs.create("discovery", DiscoveryParameters.checked().as_json(), "default")
    stop = threading.Event()

    def stop_after_the_first_batch(progress: float, counts: Mapping[str, Any]) -> None:
        if counts.get("phase") == "writing":
            stop.set()

    services.jobs.run(job.id, stop, stop_after_the_first_batch)
    assert len(job_relations(services, job.id)) == 2
    # While the job is stopped, an entity arrives whose pair with fastapi ranks first.
    twin = services.entities.create(
        "fastapi-fork", "library", observations=["Web framework for building HTTP APIs with Python"]
    )
    expected = set(proposals_of(services))
    assert (twin.id, world["fastapi"]) in expected or (world["fastapi"], twin.id) in expected
    finished = services.jobs.run(job.id)
    assert finished.status == "succeeded"
    written = job_relations(services, job.id)
    assert len(written) == len(set(written))  # nothing written twice
    assert expected <= set(written) | {pair[::-1] for pair in written}  # nothing skipped


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": -0.1}, "threshold"),
        ({"methods": ["telepathy"]}, "methods"),
        ({"methods": []}, "methods"),
        ({"kinds": ["Not A Kind"]}, "kinds"),
        ({"max_per_entity": 0}, "maxPerEntity"),
    ],
)
def test_bad_parameters_are_refused(parameters: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        DiscoveryParameters.checked(**parameters)
    assert caught.value.field == field


def test_methods_and_kinds_narrow_the_search(services: Services, world: dict[str, str]) -> None:
    vector_only, _ = find_proposals(
        services.stores.graph,
        services.stores.vectors,
        DiscoveryParameters.checked(methods=["vector"], threshold=0.05),
    )
    assert all(p.method == "vector" for p in vector_only)
    libraries = {world[n] for n in ("fastapi", "pydantic", "starlette", "sqlalchemy")}
    for pair in proposals_of(services, kinds=["library"]):
        assert set(pair) <= libraries


def test_a_batch_naming_a_vanished_entity_still_writes_the_others(
    services: Services, world: dict[str, str]
) -> None:
    """The bulk load refuses a missing endpoint; that batch is written edge by edge instead."""
    found, _ = find_proposals(
        services.stores.graph, services.stores.vectors, DiscoveryParameters.checked()
    )
    vanished = replace(found[0], to_id=new_id("Entity"))
    job = services.jobs.create("discovery", DiscoveryParameters.checked().as_json(), "default")
    written = write_batches(services.stores.graph, [*found[1:4], vanished], job.id)
    assert written == 4
    assert sorted(job_relations(services, job.id)) == sorted(
        (p.from_id, p.to_id) for p in found[1:4]
    )


def test_a_batch_is_written_edge_by_edge_while_a_reader_stays_busy(
    services: Services, world: dict[str, str]
) -> None:
    """Regression: a COPY commit needs every reader; a long read must not fail the job."""
    found, _ = find_proposals(
        services.stores.graph, services.stores.vectors, DiscoveryParameters.checked()
    )
    job = services.jobs.create("discovery", DiscoveryParameters.checked().as_json(), "default")
    with services.stores.graph.reader():  # e.g. a graph algorithm's projection
        written = write_batches(services.stores.graph, found[:5], job.id)
    assert written == 5
    assert sorted(job_relations(services, job.id)) == sorted(
        (p.from_id, p.to_id) for p in found[:5]
    )
