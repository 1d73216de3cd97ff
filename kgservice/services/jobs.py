"""Long-running jobs: Job nodes with progress, counts and a checkpoint, and their runner.

A job is created ``queued`` and returned at once; the :class:`JobRunner` thread runs it
(``running``) through the handler registered for its kind, which reports progress and saves
a checkpoint as it goes, and finishes it ``succeeded`` or ``failed``. A job found ``queued``
or ``running`` when the runner starts (the process stopped mid-way) is run again; its
handler resumes from the checkpoint.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, Self

from kgservice.clock import utc_now
from kgservice.errors import NotFoundError
from kgservice.ids import new_id
from kgservice.services.node_records import record_from_node
from kgservice.services.validation import require_id
from kgservice.stores.graph import GraphStore, Transaction

log = logging.getLogger("kgservice.jobs")

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class JobRecord:
    """A job as stored."""

    id: str
    namespace: str
    kind: str
    status: str
    parameters: dict[str, Any]
    progress: float
    counts: dict[str, Any]
    errors: list[str]
    checkpoint: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored Job node."""
        return record_from_node(
            cls,
            node,
            parameters=json.loads(node["parameters"] or "{}"),
            progress=node["progress"] or 0.0,
            counts=json.loads(node["counts"] or "{}"),
            errors=list(node["errors"] or []),
            checkpoint=json.loads(node["checkpoint"]) if node.get("checkpoint") else None,
        )

    @property
    def finished(self) -> bool:
        """Whether the job has ended (it will not change again)."""
        return self.status in FINISHED


ProgressListener = Callable[[float, Mapping[str, Any]], None]


class JobStopped(Exception):
    """Raised inside a handler when the runner is stopping; the job stays resumable."""


@dataclass
class JobControl:
    """What a running handler may use: its job, progress reporting and the stop signal."""

    jobs: JobService
    job: JobRecord
    stop: threading.Event = field(default_factory=threading.Event)
    listener: ProgressListener | None = None

    def report(
        self,
        progress: float,
        counts: Mapping[str, Any],
        checkpoint: Mapping[str, Any] | None = None,
        *,
        transaction: Transaction | None = None,
    ) -> None:
        """Save progress, counts and the checkpoint (None clears it).

        Inside ``transaction`` the update commits with the caller's writes; outside one,
        JobStopped is raised afterwards if the runner is stopping.
        """
        self.jobs.update(self.job.id, progress, counts, checkpoint, transaction=transaction)
        if self.listener is not None:
            self.listener(progress, counts)
        if transaction is None:
            self.check()

    def check(self) -> None:
        """Raise JobStopped if the runner is stopping."""
        if self.stop.is_set():
            raise JobStopped


class JobHandler(Protocol):
    """Runs one kind of job; returns the final counts."""

    def __call__(self, control: JobControl) -> Mapping[str, Any]: ...


def dumps(value: Mapping[str, Any] | None) -> str | None:
    """JSON text of a parameters, counts or checkpoint object."""
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


class JobService:
    """Creates, updates and reads Job nodes."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph
        self.handlers: dict[str, JobHandler] = {}

    def create(self, kind: str, parameters: Mapping[str, Any], namespace: str) -> JobRecord:
        """Create a queued job."""
        rows = self.graph.run(
            "jobs/create_job",
            {
                "id": new_id("Job"),
                "namespace": namespace,
                "now": utc_now(),
                "kind": kind,
                "parameters": dumps(parameters),
            },
        )
        return JobRecord.from_node(rows[0]["node"])

    def get(self, job_id: str) -> JobRecord | None:
        """The job with this id, or None."""
        require_id("id", job_id, "Job")
        rows = self.graph.run("jobs/job_by_id", {"id": job_id})
        return JobRecord.from_node(rows[0]["node"]) if rows else None

    def require(self, job_id: str) -> JobRecord:
        """The job with this id, or NotFoundError."""
        job = self.get(job_id)
        if job is None:
            raise NotFoundError(job_id, "job")
        return job

    def start(self, job_id: str) -> JobRecord:
        """Mark a job running."""
        rows = self.graph.run("jobs/start_job", {"id": job_id, "now": utc_now()})
        return JobRecord.from_node(rows[0]["node"])

    def update(
        self,
        job_id: str,
        progress: float,
        counts: Mapping[str, Any],
        checkpoint: Mapping[str, Any] | None = None,
        *,
        transaction: Transaction | None = None,
    ) -> None:
        """Save a running job's progress, counts and checkpoint (None clears the checkpoint).

        ``transaction`` makes the update part of a larger write, so a batch and the
        checkpoint after it commit together.
        """
        params = {
            "id": job_id,
            "progress": min(max(progress, 0.0), 1.0),
            "counts": dumps(counts),
            "checkpoint": dumps(checkpoint),
            "now": utc_now(),
        }
        if transaction is not None:
            transaction.run("jobs/update_job", params)
        else:
            self.graph.run("jobs/update_job", params)

    def finish(
        self,
        job_id: str,
        status: str,
        counts: Mapping[str, Any],
        errors: list[str] | None = None,
        *,
        progress: float = 1.0,
    ) -> JobRecord:
        """End a job as succeeded, failed or cancelled."""
        rows = self.graph.run(
            "jobs/finish_job",
            {
                "id": job_id,
                "status": status,
                "progress": progress,
                "counts": dumps(counts),
                "errors": errors or [],
                "now": utc_now(),
            },
        )
        return JobRecord.from_node(rows[0]["node"])

    def unfinished(self) -> list[str]:
        """Ids of jobs left queued or running, oldest first."""
        return [row["id"] for row in self.graph.run("jobs/unfinished_jobs", {})]

    def run(
        self,
        job_id: str,
        stop: threading.Event | None = None,
        listener: ProgressListener | None = None,
    ) -> JobRecord:
        """Run a job to its end in this thread, through the handler of its kind.

        A handler that raises JobStopped leaves the job running (resumable); any other
        exception fails it with the reason.
        """
        job = self.start(job_id)
        handler = self.handlers.get(job.kind)
        if handler is None:
            reason = f"no handler for job kind {job.kind!r}"
            return self.finish(job_id, "failed", job.counts, [reason], progress=job.progress)
        control = JobControl(self, job, stop or threading.Event(), listener)
        try:
            counts = handler(control)
        except JobStopped:
            return self.require(job_id)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            latest = self.require(job_id)
            reason = f"{type(exc).__name__}: {exc}"
            return self.finish(job_id, "failed", latest.counts, [reason], progress=latest.progress)
        return self.finish(job_id, "succeeded", counts)


class JobRunner:
    """One background thread that runs submitted jobs in order."""

    def __init__(self, jobs: JobService) -> None:
        self.jobs = jobs
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, resume: bool = True) -> None:
        """Start the thread; with ``resume``, first requeue jobs a stopped process left."""
        if self._thread is not None:
            return
        self._stop.clear()
        if resume:
            for job_id in self.jobs.unfinished():
                self._queue.put(job_id)
        self._thread = threading.Thread(target=self._loop, name="kg-jobs", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        """Queue a created job."""
        self._queue.put(job_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the running job to stop at its next checkpoint, and wait for the thread."""
        if self._thread is None:
            return
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout=timeout)
        self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = self._queue.get()
            if job_id is None or self._stop.is_set():
                return
            try:
                self.jobs.run(job_id, self._stop)
            except Exception:  # the runner outlives any one job
                log.exception("job %s could not run", job_id)
