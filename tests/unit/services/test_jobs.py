"""JobService and JobRunner on a real graph: lifecycle, failures, stop and resume."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from kgservice.errors import NotFoundError
from kgservice.ids import new_id
from kgservice.services.jobs import JobControl, JobRunner, JobService
from kgservice.stores.opening import Stores


@pytest.fixture
def jobs(stores: Stores) -> JobService:
    service = JobService(stores.graph)

    def count_to_three(control: JobControl) -> Mapping[str, Any]:
        done = int((control.job.checkpoint or {}).get("done", 0))
        for step in range(done + 1, 4):
            control.report(step / 3, {"done": step}, {"done": step})
        return {"done": 3}

    def broken(control: JobControl) -> Mapping[str, Any]:
        raise ValueError("no luck")

    service.handlers["count"] = count_to_three
    service.handlers["broken"] = broken
    return service


def test_a_job_runs_to_success(jobs: JobService) -> None:
    job = jobs.create("count", {"to": 3}, "default")
    assert (job.status, job.progress, job.parameters) == ("queued", 0.0, {"to": 3})
    finished = jobs.run(job.id)
    assert finished.status == "succeeded"
    assert finished.progress == 1.0
    assert finished.counts == {"done": 3}
    assert finished.started_at is not None
    assert finished.finished_at is not None


def test_failures_are_recorded(jobs: JobService) -> None:
    failed = jobs.run(jobs.create("broken", {}, "default").id)
    assert failed.status == "failed"
    assert failed.errors == ["ValueError: no luck"]
    unknown = jobs.run(jobs.create("mystery", {}, "default").id)
    assert unknown.status == "failed"
    assert "no handler" in unknown.errors[0]
    with pytest.raises(NotFoundError):
        jobs.require(new_id("Job"))


def test_a_stopped_job_stays_running_and_resumes(jobs: JobService) -> None:
    job = jobs.create("count", {}, "default")
    stop = threading.Event()
    stopped = jobs.run(job.id, stop, lambda progress, counts: stop.set())
    assert stopped.status == "running"
    assert stopped.checkpoint == {"done": 1}
    assert jobs.unfinished() == [job.id]
    assert jobs.run(job.id).status == "succeeded"
    assert jobs.unfinished() == []


def test_runner_resumes_unfinished_jobs_on_start(jobs: JobService) -> None:
    waiting = jobs.create("count", {}, "default")
    runner = JobRunner(jobs)
    runner.start()
    try:
        submitted = jobs.create("count", {}, "default")
        runner.submit(submitted.id)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and jobs.unfinished():
            time.sleep(0.02)
    finally:
        runner.stop()
    assert jobs.require(waiting.id).status == "succeeded"
    assert jobs.require(submitted.id).status == "succeeded"
