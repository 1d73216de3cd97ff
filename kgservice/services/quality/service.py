"""Recording quality runs and reading their trends, alerts and command statistics.

A single run is one CREATE statement. A batch is checked whole first (every figure, every
project and session), then written in one transaction: by COPY from Arrow tables when it is
large enough to pay for the checkpoint a COPY commit makes (see
:mod:`kgservice.services.discovery.writing`), else one statement per run. Either way the
batch is stored entirely or not at all. Each write publishes the projects it touched on
:attr:`QualityService.changes`, which live alert subscriptions listen to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from kgservice.clock import utc_now
from kgservice.errors import InputError, NotFoundError, StoreError
from kgservice.ids import new_id
from kgservice.services.pubsub import PubSub
from kgservice.services.quality.analysis import (
    DEFAULT_THRESHOLD_PCT,
    Alert,
    CommandStats,
    QualityRunRecord,
    Trend,
    alerts,
    command_stats,
    trends,
)
from kgservice.services.quality.runs import (
    QualityRunInput,
    link_table,
    naive_utc,
    run_params,
    run_table,
)
from kgservice.services.validation import require_id
from kgservice.stores.graph import GraphStore, Transaction

MAX_BATCH = 10_000
#: Batches at least this large are written by COPY (its commit checkpoints the database,
#: 0.1-0.5 s); smaller ones one statement per run (about 1 ms each).
COPY_MIN = 200
MAX_DAYS = 3_650


def check_days(days: int) -> int:
    """Return a window length in days if it is within 1..MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise InputError("days", f"must be in 1..{MAX_DAYS} (got {days})")
    return days


def check_threshold(threshold: float | None) -> float:
    """Return the alert threshold in percent (DEFAULT_THRESHOLD_PCT for None) if in 0..100."""
    limit = DEFAULT_THRESHOLD_PCT if threshold is None else threshold
    if not 0 <= limit <= 100:
        raise InputError("threshold", f"must be in 0..100 (got {limit:g})")
    return limit


class QualityService:
    """Quality runs of projects: writes, and the figures read from them."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph
        #: Topic: a project id; message: how many runs were just recorded for it.
        self.changes: PubSub[int] = PubSub()

    # -- writes --------------------------------------------------------------------------
    def record(self, run: QualityRunInput) -> QualityRunRecord:
        """Store one run; raises InputError or NotFoundError and then stores nothing."""
        return self.record_many([run], batch=False)[0]

    def record_many(
        self, runs: Sequence[QualityRunInput], *, batch: bool = True
    ) -> list[QualityRunRecord]:
        """Store runs all together, or none of them (the first invalid one is named)."""
        if batch and not runs:
            raise InputError("runs", "must not be empty")
        if len(runs) > MAX_BATCH:
            raise InputError("runs", f"must hold at most {MAX_BATCH} runs (got {len(runs)})")
        for index, run in enumerate(runs):
            run.check(f"runs[{index}]." if batch else "")
        namespaces = self._namespaces({r.project_id for r in runs})
        self._check_sessions(runs)
        now = utc_now()
        records = [r.record(new_id("QualityRun"), r.at or now) for r in runs]
        if len(records) >= COPY_MIN:
            try:
                with self.graph.transaction() as tx:
                    self._copy(tx, runs, records, namespaces, now)
            except StoreError:  # a reader held on past the drain; write by statements
                self._write_statements(runs, records, now)
        else:
            self._write_statements(runs, records, now)
        for project_id, count in Counter(r.project_id for r in runs).items():
            self.changes.publish(project_id, count)
        return records

    def _namespaces(self, project_ids: set[str]) -> dict[str, str]:
        rows = self.graph.run("quality/projects", {"ids": sorted(project_ids)})
        found = {row["id"]: row["namespace"] or "" for row in rows}
        for project_id in sorted(project_ids - found.keys()):
            raise NotFoundError(project_id, "project")
        return found

    def _check_sessions(self, runs: Sequence[QualityRunInput]) -> None:
        wanted = {r.session_id for r in runs if r.session_id is not None}
        if not wanted:
            return
        rows = self.graph.run("quality/session_projects", {"ids": sorted(wanted)})
        owner = {row["session_id"]: row["project_id"] for row in rows}
        for run in runs:
            if run.session_id is not None and owner.get(run.session_id) != run.project_id:
                raise NotFoundError(run.session_id, "session of this project")

    def _copy(
        self,
        tx: Transaction,
        runs: Sequence[QualityRunInput],
        records: Sequence[QualityRunRecord],
        namespaces: dict[str, str],
        now: datetime,
    ) -> None:
        tx.copy_from_arrow(
            "QualityRun", run_table(records, [namespaces[r.project_id] for r in runs], now)
        )
        ids = [r.id for r in records]
        tx.copy_from_arrow(
            "IN_PROJECT",
            link_table(ids, [r.project_id for r in runs]),
            pair=("QualityRun", "Project"),
        )
        linked = [(rec.id, run.session_id) for run, rec in zip(runs, records, strict=True)]
        sessions = [(run_id, sid) for run_id, sid in linked if sid is not None]
        if sessions:
            tx.copy_from_arrow(
                "RAN_IN", link_table([s[0] for s in sessions], [s[1] for s in sessions])
            )

    def _write_statements(
        self,
        runs: Sequence[QualityRunInput],
        records: Sequence[QualityRunRecord],
        now: datetime,
    ) -> None:
        with self.graph.transaction() as tx:
            for run, record in zip(runs, records, strict=True):
                params = {"project_id": run.project_id, "id": record.id, "now": now}
                if not tx.run("quality/create_run", {**params, **run_params(record)}):
                    raise NotFoundError(run.project_id, "project")
                if run.session_id is not None:
                    tx.run("quality/link_session", {"id": record.id, "session_id": run.session_id})

    # -- reads ---------------------------------------------------------------------------
    def runs(self, project_id: str, days: int) -> list[QualityRunRecord]:
        """The project's runs of the last ``days`` days, oldest first."""
        require_id("projectId", project_id, "Project")
        check_days(days)
        since = naive_utc(utc_now() - timedelta(days=days))
        _, rows = self.graph.run_values(
            "quality/project_runs", {"project_id": project_id, "since": since}
        )
        if not rows and not self.graph.run("quality/projects", {"ids": [project_id]}):
            raise NotFoundError(project_id, "project")
        return [QualityRunRecord(*row) for row in rows]

    def trends(self, project_id: str, days: int = 30) -> list[Trend]:
        """Each metric's least-squares trend over the window."""
        return trends(self.runs(project_id, days))

    def alerts(
        self, project_id: str, days: int = 30, threshold: float | None = None
    ) -> list[Alert]:
        """Metrics that degraded past ``threshold`` percent (default 5), worst first."""
        return alerts(self.trends(project_id, days), days, check_threshold(threshold))

    def commands(self, project_id: str, days: int = 30) -> list[CommandStats]:
        """Per-command runs, success rate and durations, slowest first."""
        return command_stats(self.runs(project_id, days))
