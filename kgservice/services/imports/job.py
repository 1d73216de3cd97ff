"""The session-buddy import: parameters, the checked files, the job and its report.

A run opens every given file and checks its tables before writing anything; then each
mapper (see :mod:`registry`) maps its tables and :class:`TableWriter` writes them in
checkpointed batches; then mentions are linked and the result verified. A dry run maps
and checks everything and writes nothing. Records are found by their legacy keys, so a
resumed job continues where its last batch committed and a repeated import adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError
from kgservice.ids import NODE_LABELS
from kgservice.services import nodes as node_lookup
from kgservice.services.imports.mapping import MapContext, MappedTable, Mapper
from kgservice.services.imports.mention_links import link_import_mentions
from kgservice.services.imports.records import TableReport
from kgservice.services.imports.registry import mappers as default_mappers
from kgservice.services.imports.rollback import roll_back
from kgservice.services.imports.sources import FILES, LegacyFile, check_tables, open_files
from kgservice.services.imports.vector_reuse import decide_reuse
from kgservice.services.imports.writing import BATCH_SIZE, TableWriter, wholes
from kgservice.services.jobs import JobControl, JobRecord, JobRunner, JobService
from kgservice.services.knowledge.mentions import MentionMatchers
from kgservice.services.text_index import TextIndex
from kgservice.services.validation import MAX_NAME, require_id, require_text
from kgservice.stores.graph import GraphStore, Transaction

JOB_KIND = "import"
SAMPLES_PER_TABLE = 3
#: Share of the progress bar the table writes take; mention linking and checks the rest.
WRITE_SHARE = 0.9


@dataclass(frozen=True)
class ImportParameters:
    """Which session-buddy files to import, into which namespace, and whether to write."""

    files: dict[str, str] = field(default_factory=dict)
    namespace: str = "default"
    dry_run: bool = False

    @classmethod
    def checked(
        cls,
        *,
        reflection_db: str | Path | None = None,
        kg_db: str | Path | None = None,
        skills_db: str | Path | None = None,
        namespace: str = "default",
        dry_run: bool = False,
    ) -> ImportParameters:
        """Validate (InputError naming the field); paths become absolute."""
        given = {"reflection_db": reflection_db, "kg_db": kg_db, "skills_db": skills_db}
        files = {k: str(Path(v).expanduser().absolute()) for k, v in given.items() if v}
        if not files:
            raise InputError("files", "give at least one of reflectionDb, kgDb and skillsDb")
        require_text("namespace", namespace, max_length=MAX_NAME)
        return cls(files=files, namespace=namespace, dry_run=dry_run)

    @property
    def paths(self) -> dict[str, Path]:
        """The files by option name."""
        return {option: Path(path) for option, path in self.files.items()}

    def as_json(self) -> dict[str, Any]:
        """The parameters as stored on the job."""
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ImportParameters:
        """Rebuild stored parameters."""
        files = dict(value.get("files") or {})
        return cls.checked(
            namespace=value.get("namespace", "default"),
            dry_run=bool(value.get("dry_run", False)),
            **{k: v for k, v in files.items() if k in FILES},
        )


def check_files(files: Mapping[str, LegacyFile], mappers: Sequence[Mapper]) -> None:
    """Raise one InputError naming every file and what it lacks (nothing is written)."""
    problems = {}
    for option, legacy in files.items():
        families = [(m.family, m.tables, m.required) for m in mappers if m.option == option]
        missing = check_tables(legacy, families)
        if missing:
            problems[option] = f"{legacy.label} is not a session-buddy database: " + "; ".join(
                missing
            )
    if problems:
        field_name = next(iter(problems)).replace("_db", "Db") if len(problems) == 1 else "files"
        raise InputError(field_name, " | ".join(problems.values()))


@dataclass
class ImportRun:
    """The reports of one run, in the order the tables were mapped."""

    tables: dict[str, TableReport] = field(default_factory=dict)
    vectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped_families: dict[str, str] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)
    verification: dict[str, Any] = field(default_factory=dict)
    #: A few legacy keys of each table, looked up by the verification.
    samples: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self, dry_run: bool) -> dict[str, Any]:
        """The report as the job's counts."""
        return {
            "dry_run": dry_run,
            "tables": {name: report.as_json() for name, report in self.tables.items()},
            "imported": sum(r.imported for r in self.tables.values()),
            "already": sum(r.already for r in self.tables.values()),
            "skipped": sum(sum(r.skipped.values()) for r in self.tables.values()),
            "vectors": self.vectors,
            "skipped_families": self.skipped_families,
            "mentions": self.mentions,
            "verification": self.verification,
        }


def sample_keys(mapped: MappedTable) -> list[str]:
    """A few legacy keys of a mapped table (of new records, else of any)."""
    keys = [k for n in mapped.nodes for k in n.keys] + [
        e.legacy_id for e in mapped.edges if e.legacy_id
    ]
    return keys[:SAMPLES_PER_TABLE]


class ImportService:
    """Starts, runs, dry-runs and rolls back session-buddy imports (job kind ``import``)."""

    def __init__(
        self,
        graph: GraphStore,
        index: TextIndex,
        jobs: JobService,
        runner: JobRunner,
        matchers: MentionMatchers | None = None,
        mappers: Sequence[Mapper] | None = None,
    ) -> None:
        self.graph = graph
        self.index = index
        self.jobs = jobs
        self.runner = runner
        self.matchers = matchers
        self.mappers = list(mappers) if mappers is not None else default_mappers()
        self.batch_size = BATCH_SIZE
        jobs.handlers[JOB_KIND] = self.run_job

    def check(self, parameters: ImportParameters) -> None:
        """Open and check every file (InputError naming the file and what is missing)."""
        with open_files(parameters.paths) as files:
            check_files(files, self.mappers)

    def start(self, parameters: ImportParameters) -> JobRecord:
        """Check the files, create an import job and queue it; return it at once."""
        self.check(parameters)
        job = self.create(parameters)
        self.runner.submit(job.id)
        return job

    def create(self, parameters: ImportParameters) -> JobRecord:
        """Create the job of an import (after :meth:`check`), not yet queued."""
        return self.jobs.create(JOB_KIND, parameters.as_json(), parameters.namespace)

    def dry_run(self, parameters: ImportParameters) -> dict[str, Any]:
        """Map and check everything; write nothing; return the report."""
        run = self._run(parameters, None, utc_now(), None)
        return run.as_json(dry_run=True)

    def run_job(self, control: JobControl) -> dict[str, Any]:
        """Run (or resume) the import job of ``control``."""
        job = control.job
        parameters = ImportParameters.from_json(job.parameters)
        if parameters.dry_run:
            return self._run(parameters, None, job.created_at, None).as_json(dry_run=True)
        return self._run(parameters, job.id, job.created_at, control).as_json(dry_run=False)

    def rollback(self, job_id: str, *, stopped_ok: bool = False) -> JobRecord:
        """Remove what import ``job_id`` added; return the job, its counts now saying so.

        An unfinished job is refused (ConflictError) unless ``stopped_ok`` says no process
        runs it (the command line holds the data directory); it is then cancelled.
        """
        require_id("jobId", job_id, "Job")
        job = self.jobs.require(job_id)
        if job.kind != JOB_KIND:
            raise InputError("jobId", f"job {job_id} is a {job.kind} job, not an import")
        if not job.finished and not stopped_ok:
            raise ConflictError(f"import {job_id} is {job.status}; wait for it to end", job_id)
        report = roll_back(self.graph, self.index.vectors, job_id)
        if self.matchers is not None:
            self.matchers.invalidate(job.namespace)
        counts = {**job.counts, "rolled_back": {**report.as_json(), "at": utc_now().isoformat()}}
        if job.finished:
            self.jobs.update(job_id, job.progress, counts, None)
            return self.jobs.require(job_id)
        return self.jobs.finish(job_id, "cancelled", counts, ["rolled back"], progress=job.progress)

    # -- the run -----------------------------------------------------------------------
    def _run(
        self,
        parameters: ImportParameters,
        job_id: str | None,
        started: datetime,
        control: JobControl | None,
    ) -> ImportRun:
        run = ImportRun()
        embed = self.index.embed
        with open_files(parameters.paths) as files:
            check_files(files, self.mappers)
            total = max(
                sum(
                    f.count(t.name)
                    for m in self.mappers
                    if (f := files.get(m.option)) is not None
                    for t in m.tables
                ),
                1,
            )
            context = MapContext(
                self.graph,
                parameters.namespace,
                job_id,
                started.replace(tzinfo=None),
                self.index.embedder.dimension,
            )
            writer = (
                None
                if job_id is None
                else TableWriter(self.graph, self.index.vectors, embed, job_id, self.batch_size)
            )
            done = 0
            for mapper in self.mappers:
                legacy = files.get(mapper.option)
                if legacy is None:
                    continue
                reason = mapper.unavailable()
                if reason is not None:
                    run.skipped_families[mapper.family] = reason
                for mapped in mapper.map(legacy, context):
                    name = mapped.report.table
                    run.tables[name] = mapped.report
                    run.samples[name] = sample_keys(mapped)
                    texts = [n for n in wholes(mapped.nodes) if n.text is not None]
                    if writer is None or control is None:
                        if texts:
                            run.vectors[name] = {"check": decide_reuse(texts, embed).as_json()}
                    else:
                        save = self._saver(control, run, name, done, total)
                        counts = writer.write(mapped, context, save, control.check)
                        if texts:
                            run.vectors[name] = counts.as_json()
                    done += mapped.report.source
            if writer is not None and control is not None:
                self._finish(parameters, job_id or "", control, run)
        return run

    def _saver(
        self, control: JobControl, run: ImportRun, table: str, before: int, total: int
    ) -> Callable[[Transaction, int, int], None]:
        source = run.tables[table].source

        def save(tx: Transaction, written: int, items: int) -> None:
            done = min(max(source - items + written, 0), source)
            control.report(
                WRITE_SHARE * min((before + done) / total, 1.0),
                {
                    **run.as_json(dry_run=False),
                    "phase": "writing",
                    "current": {"table": table, "done": done, "total": source},
                },
                {"phase": "writing", "table": table, "written": written},
                transaction=tx,
            )

        return save

    def _finish(
        self, parameters: ImportParameters, job_id: str, control: JobControl, run: ImportRun
    ) -> None:
        def save(tx: Transaction) -> None:
            control.report(
                0.95,
                {**run.as_json(dry_run=False), "phase": "mentions"},
                {"phase": "verifying"},
                transaction=tx,
            )

        run.mentions = link_import_mentions(self.graph, parameters.namespace, job_id, save)
        if self.matchers is not None:
            self.matchers.invalidate(parameters.namespace)
        run.verification = self.verify(job_id, run)

    def verify(self, job_id: str, run: ImportRun) -> dict[str, Any]:
        """Look up a few records of each table by legacy id, and count the nodes the job
        created per table."""
        samples = []
        for table, keys in run.samples.items():
            known = {
                row["key"]: row for row in self.graph.run("imports/legacy_keys", {"keys": keys})
            }
            for key in keys:
                row = known.get(key)
                found = False
                if row is not None and row["label"] in NODE_LABELS:
                    node = node_lookup.find_node_by_legacy_id(self.graph, key)
                    found = node is not None and node.id == row["node_id"]
                elif row is not None:  # a relation: its edge carries the recorded id
                    found = bool(self.graph.run("imports/relation_by_id", {"id": row["node_id"]}))
                samples.append(
                    {
                        "table": table,
                        "legacy_id": key,
                        "node_id": None if row is None else row["node_id"],
                        "label": None if row is None else row["label"],
                        "found": found,
                    }
                )
        created: dict[str, int] = {}
        for row in self.graph.run("imports/imported_nodes", {"job_id": job_id}):
            created[row["label"]] = created.get(row["label"], 0) + 1
        return {
            "samples": samples,
            "ok": all(s["found"] for s in samples),
            "created_nodes": dict(sorted(created.items())),
        }
