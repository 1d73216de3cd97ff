"""The ``kgservice`` command line: one Typer app, one module per command."""

from __future__ import annotations

import typer

from kgservice.cli import (
    api_key,
    backfill,
    bench,
    discover,
    embed,
    graphql_schema,
    imports,
    index_code,
    mcp,
    migrate,
    quality_report,
    serve,
    skills,
    status,
)
from kgservice.cli.link_mentions import link_mentions_command

app = typer.Typer(
    name="kgservice",
    help="Local-first knowledge service for AI coding sessions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.command("status")(status.status)
app.command("bench")(bench.bench)
app.command("embed")(embed.embed)
app.command("backfill")(backfill.backfill)
app.command("discover")(discover.discover)
app.command("link-mentions")(link_mentions_command)
app.command("index-code")(index_code.index_code)
app.command("graphql-schema")(graphql_schema.graphql_schema)
app.command("mcp")(mcp.mcp)
app.command("quality-report")(quality_report.quality_report)
app.add_typer(migrate.app, name="migrate")
app.add_typer(api_key.app, name="api-key")
app.add_typer(imports.app, name="import")
app.add_typer(skills.app, name="skills")


def main() -> None:
    """Entry point of the ``kgservice`` console script."""
    app()
