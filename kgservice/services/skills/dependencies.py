"""Co-use of skills within sessions: support, confidence and lift, stored as CO_USED edges.

Over the distinct sessions of a namespace in a window (an invocation without a session is
a session of its own), with N sessions, S_A the sessions using A and S_AB those using both:

    support(A, B) = |S_AB| / N        confidence(A -> B) = |S_AB| / |S_A|
    lift(A, B) = support(A, B) / (P(A) P(B)) = |S_AB| N / (|S_A| |S_B|)

Every ordered pair with at least one shared session is kept (confidence is directional).
A background job (kind ``skill_dependencies``) recomputes them and replaces the stored edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.services.jobs import JobControl, JobRecord, JobRunner, JobService
from kgservice.services.skills.history import NamespaceInvocations, read_namespace_invocations
from kgservice.services.skills.metrics import resolve_window
from kgservice.services.validation import MAX_NAME, require_text
from kgservice.stores.graph import GraphStore

DEFAULT_DAYS = 90
CHUNK = 20_000  # sessions per block of the co-occurrence product


@dataclass(frozen=True)
class CoUse:
    """How two skills go together (``source`` then ``target``)."""

    source: str
    target: str
    support: float
    confidence: float
    lift: float
    sessions: int


def co_use(data: NamespaceInvocations) -> list[CoUse]:
    """Every ordered pair of skills sharing a session, from invocations (pure)."""
    if data.size == 0:
        return []
    sessions, session_index = np.unique(data.sessions().astype(str), return_inverse=True)
    skills, skill_index = np.unique(data.skill.astype(str), return_inverse=True)
    pairs = np.unique(np.stack([session_index, skill_index], axis=1), axis=0)
    total = len(sessions)
    per_skill = np.bincount(pairs[:, 1], minlength=len(skills)).astype(np.float64)
    shared = np.zeros((len(skills), len(skills)), dtype=np.float64)
    for start in range(0, total, CHUNK):
        part = pairs[(pairs[:, 0] >= start) & (pairs[:, 0] < start + CHUNK)]
        block = np.zeros((min(CHUNK, total - start), len(skills)), dtype=np.float32)
        block[part[:, 0] - start, part[:, 1]] = 1.0
        shared += (block.T @ block).astype(np.float64)
    found = []
    rows, cols = np.nonzero(shared)
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        if a == b:
            continue
        both = shared[a, b]
        found.append(
            CoUse(
                source=str(skills[a]),
                target=str(skills[b]),
                support=both / total,
                confidence=both / per_skill[a],
                lift=both * total / (per_skill[a] * per_skill[b]),
                sessions=int(both),
            )
        )
    found.sort(key=lambda c: (-c.lift, -c.support, c.source, c.target))
    return found


def compute_dependencies(
    graph: GraphStore,
    namespace: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[CoUse]:
    """Co-use of the namespace's skills in [since, until) (default: the last 90 days)."""
    require_text("namespace", namespace, max_length=MAX_NAME)
    window = resolve_window(since, until, default_days=DEFAULT_DAYS)
    return co_use(read_namespace_invocations(graph, namespace, window))


def refresh_dependencies(
    graph: GraphStore,
    namespace: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Recompute co-use and replace the namespace's CO_USED edges; return how many."""
    found = compute_dependencies(graph, namespace, since=since, until=until)
    names = {
        row["name"]: row["id"]
        for row in graph.run("skills/skills_of_namespace", {"namespace": namespace})
    }
    now = utc_now()
    rows = [
        {
            "source": names[c.source],
            "target": names[c.target],
            "sessions": c.sessions,
            "support": c.support,
            "confidence": c.confidence,
            "lift": c.lift,
        }
        for c in found
    ]
    with graph.transaction() as tx:
        tx.run("skills/co_used_clear", {"namespace": namespace})
        for start in range(0, len(rows), 5_000):
            part = rows[start : start + 5_000]
            tx.run("skills/co_used_create", {"rows": part, "now": now})
    return len(rows)


def stored_dependencies(
    graph: GraphStore, namespace: str, min_support: float = 0.0, min_lift: float = 0.0
) -> list[CoUse]:
    """The stored CO_USED edges of a namespace at or above both bounds, by lift.

    Raises:
        InputError: ``min_support`` outside [0, 1] or ``min_lift`` negative.
    """
    require_text("namespace", namespace, max_length=MAX_NAME)
    if not 0.0 <= min_support <= 1.0:
        raise InputError("minSupport", "must be between 0 and 1")
    if not min_lift >= 0.0:
        raise InputError("minLift", "must be at least 0")
    rows = graph.run(
        "skills/co_used_of_namespace",
        {"namespace": namespace, "min_support": min_support, "min_lift": min_lift},
    )
    return [
        CoUse(r["source"], r["target"], r["support"], r["confidence"], r["lift"], r["sessions"])
        for r in rows
    ]


JOB_KIND = "skill_dependencies"


class DependencyRefreshJobs:
    """Starts jobs that refresh a namespace's CO_USED edges (job kind ``skill_dependencies``)."""

    def __init__(self, graph: GraphStore, jobs: JobService, runner: JobRunner) -> None:
        self.graph = graph
        self.jobs = jobs
        self.runner = runner
        jobs.handlers[JOB_KIND] = self.run_job

    def start(
        self, namespace: str, since: datetime | None = None, until: datetime | None = None
    ) -> JobRecord:
        """Check the window, create the job and queue it; return it at once.

        Raises:
            InputError: an empty namespace or ``since`` not before ``until``.
        """
        require_text("namespace", namespace, max_length=MAX_NAME)
        window = resolve_window(since, until, default_days=DEFAULT_DAYS)
        parameters = {"since": window.since.isoformat(), "until": window.until.isoformat()}
        job = self.jobs.create(JOB_KIND, parameters, namespace)
        self.runner.submit(job.id)
        return job

    def run_job(self, control: JobControl) -> dict[str, Any]:
        """Recompute and store the co-use of the job's namespace and window."""
        job = control.job
        since = datetime.fromisoformat(job.parameters["since"])
        until = datetime.fromisoformat(job.parameters["until"])
        control.report(0.1, {"phase": "computing"})
        edges = refresh_dependencies(self.graph, job.namespace, since=since, until=until)
        return {"edges": edges}
