"""``kgservice import``: bring another tool's data in as a job, or undo such an import."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from kgservice.cli.common import DataDirOption, fail, one_line_errors, settings_from
from kgservice.services.imports.job import JOB_KIND, ImportParameters
from kgservice.services.registry import Services
from kgservice.stores.opening import load_embedder, open_stores

app = typer.Typer(
    help="Import a session-buddy installation, or roll an import back.", no_args_is_help=True
)


def table_lines(counts: Mapping[str, Any]) -> list[str]:
    """One line per legacy table: found, imported, already there, skipped (with reasons)."""
    lines = []
    for name, table in (counts.get("tables") or {}).items():
        reasons = ", ".join(f"{reason} {n}" for reason, n in table["skipped"].items())
        line = (
            f"  {name}: {table['source']} found, {table['imported']} imported, "
            f"{table['already']} already there, {sum(table['skipped'].values())} skipped"
        )
        lines.append(line + (f" ({reasons})" if reasons else ""))
        for problem, n in table["problems"].items():
            if problem not in table["skipped"]:
                lines.append(f"    problem: {problem}: {n}")
    for name, vectors in (counts.get("vectors") or {}).items():
        check = vectors.get("check") or {}
        if check.get("sampled"):
            verdict = "reused" if check["reuse"] else "re-embedded"
            lines.append(
                f"  {name} vectors: {verdict} (median cosine {check['median_cosine']} "
                f"over {check['sampled']} re-embedded)"
            )
    return lines


class TableBars:
    """A progress bar per legacy table, fed by the job's progress reports."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def update(self, progress: float, counts: Mapping[str, Any]) -> None:
        current = counts.get("current") or {}
        table = current.get("table")
        if table is None:
            return
        if table not in self.tasks:
            self.tasks[table] = self.bar.add_task(table, total=current["total"])
        self.bar.update(self.tasks[table], completed=current["done"])


@app.command("session-buddy")
@one_line_errors
def session_buddy(
    data_dir: DataDirOption = None,
    reflection_db: Annotated[
        Path | None, typer.Option("--reflection-db", help="reflection.duckdb", dir_okay=False)
    ] = None,
    kg_db: Annotated[
        Path | None, typer.Option("--kg-db", help="knowledge_graph.duckdb", dir_okay=False)
    ] = None,
    skills_db: Annotated[
        Path | None, typer.Option("--skills-db", help="skills.db", dir_okay=False)
    ] = None,
    namespace: Annotated[str, typer.Option(help="Namespace to import into.")] = "default",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count per table and report problems; write nothing.")
    ] = False,
    resume: Annotated[
        str | None, typer.Option(help="Continue a stopped import job from its checkpoint.")
    ] = None,
) -> None:
    """Import conversations, reflections, entities, relations and code graphs (skills once
    their model exists) from session-buddy's files; any subset of them."""
    parameters = None
    if resume is None:
        parameters = ImportParameters.checked(
            reflection_db=reflection_db,
            kg_db=kg_db,
            skills_db=skills_db,
            namespace=namespace,
            dry_run=dry_run,
        )
    settings = settings_from(data_dir)
    embedder = load_embedder(settings)
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        imports, jobs = services.imports, services.jobs
        if parameters is not None and parameters.dry_run:
            counts = imports.dry_run(parameters)
            print("dry run: nothing was written")
            print("\n".join(table_lines(counts)))
            return
        if resume is not None:
            job = jobs.require(resume)
            if job.kind != JOB_KIND or job.finished:
                raise fail(f"job {resume} is not an unfinished import job")
        else:
            assert parameters is not None
            imports.check(parameters)
            job = imports.create(parameters)
        try:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                bars = TableBars(bar)
                finished = jobs.run(job.id, listener=bars.update)
        except KeyboardInterrupt:
            raise fail(
                f"stopped; continue with: kgservice import session-buddy --resume {job.id}"
            ) from None
    if finished.status != "succeeded":
        raise fail(f"import job {job.id} {finished.status}: {'; '.join(finished.errors)}")
    counts = finished.counts
    verified = counts.get("verification", {})
    print(
        f"imported {counts.get('imported', 0)} records ({counts.get('already', 0)} already "
        f"there, {counts.get('skipped', 0)} skipped) in job {job.id}"
    )
    print("\n".join(table_lines(counts)))
    for family, reason in (counts.get("skipped_families") or {}).items():
        print(f"  {family}: skipped ({reason})")
    mentions = sum((counts.get("mentions") or {}).values())
    print(f"  mentions linked: {mentions}")
    print(f"  verification: {'ok' if verified.get('ok') else 'FAILED'}")
    print(f"undo with: kgservice import rollback {job.id}")


@app.command("rollback")
@one_line_errors
def rollback(
    job_id: Annotated[str, typer.Argument(metavar="JOB", help="The import job to undo.")],
    data_dir: DataDirOption = None,
) -> None:
    """Remove exactly what an import added: its nodes, edges, vectors and legacy keys."""
    settings = settings_from(data_dir)
    embedder = load_embedder(settings)
    with open_stores(settings) as stores:
        job = Services.create(stores, embedder).imports.rollback(job_id, stopped_ok=True)
    removed = job.counts.get("rolled_back", {})
    nodes = removed.get("nodes", {})
    listed = ", ".join(f"{label} {n}" for label, n in nodes.items()) or "none"
    print(f"rolled back import {job_id}: removed nodes {listed}; texts {removed.get('vectors', 0)}")
