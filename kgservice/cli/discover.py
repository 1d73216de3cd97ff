"""``kgservice discover``: relationship discovery in this process, with a progress bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress

from kgservice.cli.common import DataDirOption, fail, one_line_errors, settings_from
from kgservice.services.discovery.candidates import METHODS
from kgservice.services.discovery.job import (
    JOB_KIND,
    DiscoveryParameters,
    DiscoveryService,
    with_calibration,
)
from kgservice.services.discovery.job import find_proposals as compute_proposals
from kgservice.services.jobs import JobRunner, JobService
from kgservice.stores.opening import open_stores


def _by_type(counts: Mapping[str, Any]) -> str:
    kinds = counts.get("by_type") or {}
    return ", ".join(f"{kind} {count}" for kind, count in kinds.items())


@one_line_errors
def discover(
    data_dir: DataDirOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be proposed; write nothing.")
    ] = False,
    threshold: Annotated[
        float | None, typer.Option(help="Lowest score proposed, 0..1 (default 0.3).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Most proposals in all.")] = None,
    max_per_entity: Annotated[
        int | None, typer.Option(help="Most proposals per entity (default 5).")
    ] = None,
    namespace: Annotated[str, typer.Option(help="Namespace of the entities.")] = "default",
    methods: Annotated[
        str | None, typer.Option(help=f"Comma-separated, of {', '.join(METHODS)} (default all).")
    ] = None,
    kinds: Annotated[
        str | None, typer.Option(help="Comma-separated entity kinds (default all).")
    ] = None,
    calibrate: Annotated[
        bool,
        typer.Option(
            help="Use the weights and threshold learned from the namespace's reviews "
            "(from 20 reviews on; an explicit --threshold turns it off too)."
        ),
    ] = True,
    resume: Annotated[
        str | None, typer.Option(help="Continue a stopped discovery job from its checkpoint.")
    ] = None,
) -> None:
    """Propose typed relations between entities (status proposed, for review)."""
    parameters = DiscoveryParameters.checked(
        namespace=namespace,
        kinds=[k.strip() for k in kinds.split(",") if k.strip()] if kinds else None,
        methods=[m.strip() for m in methods.split(",") if m.strip()] if methods else None,
        threshold=threshold,
        max_per_entity=max_per_entity,
        limit=limit,
        dry_run=dry_run,
        calibrate=calibrate,
    )
    settings = settings_from(data_dir)
    with open_stores(settings) as stores:
        if resume is None:  # a resumed job keeps the calibration stored with it
            parameters = with_calibration(stores.graph, parameters)
        if dry_run and resume is None:
            _, counts = compute_proposals(stores.graph, stores.vectors, parameters)
            print(
                f"would propose {counts['proposed']} relations among {counts['entities']} "
                f"entities ({_by_type(counts) or 'none'}); {counts['known_pairs']} known pairs "
                "skipped"
            )
            return
        jobs = JobService(stores.graph)
        DiscoveryService(stores.graph, stores.vectors, jobs, JobRunner(jobs))
        if resume is not None:
            job = jobs.require(resume)
            if job.kind != JOB_KIND or job.finished:
                raise fail(f"job {resume} is not an unfinished discovery job")
        else:
            job = jobs.create(JOB_KIND, parameters.as_json(), parameters.namespace)
        try:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("discovering", total=1.0)
                finished = jobs.run(
                    job.id,
                    listener=lambda progress, counts: bar.update(task, completed=progress),
                )
        except KeyboardInterrupt:
            raise fail(f"stopped; continue with: kgservice discover --resume {job.id}") from None
    if finished.status != "succeeded":
        raise fail(f"discovery job {job.id} {finished.status}: {'; '.join(finished.errors)}")
    counts = finished.counts
    print(
        f"proposed {counts.get('written', 0)} relations among {counts.get('entities', 0)} "
        f"entities ({_by_type(counts) or 'none'}) in job {job.id}"
    )
