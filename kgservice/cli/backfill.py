"""``kgservice backfill``: embed nodes that lack vectors and delete orphan vectors."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from kgservice.cli.common import DataDirOption, one_line_errors, settings_from
from kgservice.services.consistency import backfill as run_backfill
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import load_embedder, open_stores


@one_line_errors
def backfill(
    data_dir: DataDirOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, change nothing.")] = False,
) -> None:
    """Make the vector store agree with the graph (the graph is the source of truth)."""
    settings = settings_from(data_dir)
    with open_stores(settings) as stores:
        index = TextIndex(stores.vectors, load_embedder(settings))
        with Progress(transient=True) as bar:
            task = bar.add_task("embedding", total=None)
            report = run_backfill(
                stores.graph,
                index,
                dry_run=dry_run,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    verb = "would embed" if dry_run else "embedded"
    kinds = ", ".join(f"{kind} {count}" for kind, count in report.per_kind.items() if count)
    print(
        f"{verb} {report.embedded} nodes{f' ({kinds})' if kinds else ''}; "
        f"{'would remove' if dry_run else 'removed'} {report.orphans_removed} orphan vectors"
        + (f"; placed {report.placed} messages in their threads" if report.placed else "")
    )
