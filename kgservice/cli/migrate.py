"""``kgservice migrate up|down|status|schema``: schema migrations of both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgservice.cli.common import DataDirOption, fail, one_line_errors, settings_from
from kgservice.resources import resource_dir
from kgservice.stores.migrations import Migration
from kgservice.stores.opening import Stores, open_stores
from kgservice.stores.schema_dump import render_graph_schema, render_vector_schema

app = typer.Typer(
    help="Schema migrations of both stores, with an automatic backup before each step.",
    invoke_without_command=True,
)

ToOption = Annotated[int | None, typer.Option("--to", help="Target version.", min=0)]
StepsOption = Annotated[int | None, typer.Option("--steps", help="Number of steps.", min=1)]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the plan, change nothing.")]


@app.callback()
def default(ctx: typer.Context) -> None:
    """Without a subcommand, apply every pending migration (same as ``migrate up``)."""
    if ctx.invoked_subcommand is None:
        up(data_dir=None, to=None, steps=None, dry_run=False)


def _open(data_dir: Path | None) -> Stores:
    return open_stores(settings_from(data_dir), check_schema=False)


def _report(plan: list[Migration], direction: str, dry_run: bool) -> None:
    verb = "would apply" if dry_run else "applied"
    if not plan:
        print("nothing to do")
    for migration in plan:
        print(f"{verb} {migration.label} ({direction})")


@app.command()
@one_line_errors
def up(
    data_dir: DataDirOption = None,
    to: ToOption = None,
    steps: StepsOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Apply pending migrations (all, up to --to, or --steps of them)."""
    with _open(data_dir) as stores:
        plan = stores.migrator().up(to=to, steps=steps, dry_run=dry_run)
        _report(plan, "up", dry_run)
        print(f"schema version {stores.migrator().status().current}")


@app.command()
@one_line_errors
def down(
    data_dir: DataDirOption = None,
    to: ToOption = None,
    steps: StepsOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Roll back one migration (or down to --to, or --steps of them)."""
    with _open(data_dir) as stores:
        plan = stores.migrator().down(to=to, steps=steps, dry_run=dry_run)
        _report(plan, "down", dry_run)
        print(f"schema version {stores.migrator().status().current}")


@app.command("status")
@one_line_errors
def show_status(data_dir: DataDirOption = None) -> None:
    """List applied and pending migrations."""
    with _open(data_dir) as stores:
        state = stores.migrator().status()
    for applied in state.applied:
        edited = (
            "  EDITED since applied"
            if f"{applied.version:04d}_{applied.name}" in state.edited
            else ""
        )
        when = f"{applied.applied_at:%Y-%m-%d %H:%M:%S}"
        print(f"applied  {applied.version:04d}_{applied.name}  {when}{edited}")
    for pending in state.pending:
        print(f"pending  {pending.label}")
    print(f"schema version {state.current} of {state.latest}")


@app.command("schema")
@one_line_errors
def write_schema(
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the files are out of date.")
    ] = False,
    output: Annotated[Path | None, typer.Option(help="Folder to write (default: schema/).")] = None,
) -> None:
    """Write schema/graph.cypher and schema/vectors.sql from a freshly migrated store."""
    import tempfile

    target = output or resource_dir("schema")
    with tempfile.TemporaryDirectory() as scratch, _open(Path(scratch)) as stores:
        stores.migrator().up()
        files = {
            "graph.cypher": render_graph_schema(stores.graph),
            "vectors.sql": render_vector_schema(stores.vectors),
        }
    stale = [name for name, text in files.items() if _read(target / name) != text]
    if check:
        if stale:
            raise fail(f"{', '.join(stale)} out of date; run: kgservice migrate schema")
        print("schema files are up to date")
        return
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote {target / name}")


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None
