"""``kgservice skills report``: top skills, degrading ones, anomalies and dependencies."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from kgservice.cli.common import DataDirOption, one_line_errors, settings_from
from kgservice.services.skills.report import build_report, report_markdown
from kgservice.stores.opening import open_stores

app = typer.Typer(help="Skills analytics.", no_args_is_help=True)


class ReportFormat(StrEnum):
    """Output formats of the report."""

    MD = "md"
    JSON = "json"


@app.command("report")
@one_line_errors
def report(
    data_dir: DataDirOption = None,
    namespace: Annotated[str, typer.Option("--namespace", help="Namespace.")] = "default",
    days: Annotated[int, typer.Option("--days", help="Window in days (1..365).")] = 30,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="md for people, json for scripts.")
    ] = ReportFormat.MD,
) -> None:
    """Print the skills report of a namespace over the last N days."""
    with open_stores(settings_from(data_dir)) as stores:
        found = build_report(stores.graph, namespace, days)
    if output_format is ReportFormat.JSON:
        print(json.dumps(found, indent=2, default=str))
    else:
        print(report_markdown(found), end="")
