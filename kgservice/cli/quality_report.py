"""``kgservice quality-report``: trends, alerts and command statistics as Markdown or JSON."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kgservice.cli.common import DataDirOption, one_line_errors, settings_from
from kgservice.services.quality.report import alerts_at_least, build_report, render_markdown
from kgservice.services.quality.service import QualityService
from kgservice.stores.opening import open_stores


class ReportFormat(StrEnum):
    md = "md"
    json = "json"


class FailOn(StrEnum):
    critical = "critical"
    warning = "warning"
    info = "info"


@one_line_errors
def quality_report(
    project: Annotated[
        str | None,
        typer.Option("--project", help="Project name or id (default: every project with runs)."),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Window in days.")] = 30,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Lowest alert band in percent (default 5)."),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="md for people, json for CI.")
    ] = ReportFormat.md,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file instead of stdout.")
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Exit 1 when an alert is at this severity or worse."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Report quality trends, alerts and command statistics; exit 0 whatever the alerts
    unless --fail-on says otherwise."""
    with open_stores(settings_from(data_dir)) as stores:
        report = build_report(QualityService(stores.graph), project, days, threshold)
    if output_format is ReportFormat.json:
        text = json.dumps(report, indent=2) + "\n"
    else:
        text = render_markdown(report)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    if fail_on is not None:
        count = alerts_at_least(report, fail_on.value)
        if count:
            print(f"kgservice: {count} alert(s) at {fail_on.value} or worse", file=sys.stderr)
            raise typer.Exit(code=1)
