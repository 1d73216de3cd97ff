"""``kgservice link-mentions``: add missing MENTIONS edges from texts to the entities they name."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from kgservice.cli.common import DataDirOption, one_line_errors, settings_from
from kgservice.services.knowledge.mentions import MentionMatchers, link_mentions
from kgservice.stores.opening import open_stores


@one_line_errors
def link_mentions_command(
    data_dir: DataDirOption = None,
    namespace: Annotated[
        str | None, typer.Option("--namespace", help="Only this namespace (default: all).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, change nothing.")] = False,
) -> None:
    """Scan messages, conversations and reflections in batches and link the entities they
    name; safe to run again (existing edges are kept)."""
    settings = settings_from(data_dir)
    with open_stores(settings) as stores, Progress(transient=True) as bar:
        task = bar.add_task("scanning texts", total=None)
        report = link_mentions(
            stores.graph,
            MentionMatchers(stores.graph),
            namespace,
            dry_run=dry_run,
            progress=lambda done: bar.update(task, completed=done),
        )
    kinds = ", ".join(f"{kind} {count}" for kind, count in report.per_kind.items() if count)
    verb = "would link" if dry_run else "linked"
    print(
        f"scanned {report.texts_scanned} texts; {verb} {report.links_created} mentions"
        f"{f' ({kinds})' if kinds else ''}"
    )
