"""``kgservice index-code``: a repository's code graph at a commit, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from kgservice.cli.common import DataDirOption, fail, one_line_errors, settings_from
from kgservice.services.codegraph.service import JOB_KIND, index_parameters
from kgservice.services.jobs import JobService
from kgservice.services.registry import Services
from kgservice.stores.opening import load_embedder, open_stores


@one_line_errors
def index_code(
    path: Annotated[Path, typer.Argument(help="A directory: a git checkout or any folder.")],
    commit: Annotated[
        str | None, typer.Option(help="A commit of the checkout (default HEAD).")
    ] = None,
    namespace: Annotated[str, typer.Option(help="Namespace of the code graph.")] = "default",
    project: Annotated[
        str | None, typer.Option(help="Put the repository in this project (a Project id).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Index a Python repository: files, symbols, imports, calls (unchanged files reused)."""
    parameters = index_parameters(str(path), commit, namespace, project)
    settings = settings_from(data_dir)
    with open_stores(settings) as stores:
        services = Services.create(stores, load_embedder(settings))
        services.codegraph.warm_after_index = False  # this process ends after indexing
        jobs: JobService = services.jobs
        job = jobs.create(JOB_KIND, parameters, namespace)
        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("indexing", total=1.0)
            finished = jobs.run(
                job.id, listener=lambda progress, counts: bar.update(task, completed=progress)
            )
    if finished.status != "succeeded":
        raise fail(f"index-code job {job.id} {finished.status}: {'; '.join(finished.errors)}")
    c = finished.counts
    if c.get("already_indexed"):
        print(f"commit {c['sha'][:12]} was already indexed ({c['files']} files)")
        return
    print(
        f"indexed commit {c['sha'][:12]}: {c['files']} files ({c['parsed']} parsed, "
        f"{c['reused']} reused), {c['symbols']} new symbols, {c['imports']} imports, "
        f"{c['calls']} calls, {c['inherits']} inherits in {c['seconds']} s"
    )
    if c.get("imports_from_other_repositories"):
        print(f"  {c['imports_from_other_repositories']} imports from other repositories' files")
    for entry in [*c.get("errors", []), *c.get("skipped", [])]:
        print(f"  {entry['path']}: {entry['reason']}")
