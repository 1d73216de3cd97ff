"""Recording quality runs: statements for a few, COPY for many, all or nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kgservice.clock import utc_now
from kgservice.errors import InputError, NotFoundError
from kgservice.services.quality.runs import QualityRunInput
from kgservice.services.quality.service import COPY_MIN, MAX_BATCH
from kgservice.services.registry import Services


def count(services: Services, statement: str) -> int:
    with services.stores.graph.transaction() as tx:
        return int(tx.execute_trusted(statement)[0]["n"])


@pytest.mark.parametrize("size", [3, COPY_MIN])
def test_runs_are_linked_to_project_and_session(services: Services, size: int) -> None:
    project = services.sessions.create_project("kg", namespace="team")
    session = services.sessions.create_session(project.id, "agent")
    start = utc_now() - timedelta(days=1)
    runs = [
        QualityRunInput(
            project.id,
            "ruff",
            at=start + timedelta(minutes=i),
            lint_score=50.0,
            session_id=session.id if i % 2 else None,
            tests_passed=i,
        )
        for i in range(size)
    ]
    records = services.quality.record_many(runs)
    assert [r.tests_passed for r in records] == list(range(size))
    assert (
        count(services, "MATCH (r:QualityRun)-[:IN_PROJECT]->(:Project) RETURN count(r) AS n")
        == size
    )
    assert (
        count(services, "MATCH (r:QualityRun)-[:RAN_IN]->(:Session) RETURN count(r) AS n")
        == size // 2
    )
    assert (
        count(services, "MATCH (r:QualityRun) WHERE r.namespace = 'team' RETURN count(r) AS n")
        == size
    )
    stored = services.quality.runs(project.id, 30)
    assert [r.id for r in stored] == [r.id for r in records]
    assert stored[1].at == records[1].at
    assert isinstance(stored[0].at, datetime)


def test_aware_times_are_stored_as_utc(services: Services) -> None:
    project = services.sessions.create_project("kg")
    local = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    (record,) = services.quality.record_many([QualityRunInput(project.id, "x", at=local)])
    stored = services.quality.runs(project.id, 3650)
    assert stored[0].at == local.astimezone(UTC).replace(tzinfo=None)
    assert record.id == stored[0].id


def test_a_failed_check_stores_nothing(services: Services) -> None:
    project = services.sessions.create_project("kg")
    good = QualityRunInput(project.id, "ruff", coverage=0.5)
    with pytest.raises(InputError) as caught:
        services.quality.record_many(
            [good] * (COPY_MIN + 1) + [QualityRunInput(project.id, "x", lint_score=float("nan"))]
        )
    assert caught.value.field == f"runs[{COPY_MIN + 1}].lintScore"
    with pytest.raises(InputError):
        services.quality.record_many([good] * (MAX_BATCH + 1))
    other = services.sessions.create_project("other")
    foreign = services.sessions.create_session(other.id, "a")
    with pytest.raises(NotFoundError):
        services.quality.record_many(
            [good] * COPY_MIN + [QualityRunInput(project.id, "x", session_id=foreign.id)]
        )
    assert services.quality.runs(project.id, 30) == []


def test_writes_publish_the_projects_they_touched(services: Services) -> None:
    project = services.sessions.create_project("kg")

    async def scenario() -> list[int]:
        with services.quality.changes.subscribe(project.id) as changes:
            await asyncio.to_thread(
                services.quality.record_many, [QualityRunInput(project.id, "x")] * 3
            )
            await asyncio.to_thread(services.quality.record, QualityRunInput(project.id, "y"))
            got: list[int] = []
            while sum(got) < 4:
                got += await asyncio.wait_for(changes.drain(), 5)
            return got

    assert asyncio.run(scenario()) == [3, 1]  # one message per batch, with its size
