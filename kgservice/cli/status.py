"""``kgservice status``: schema version, counts per table, store paths and sizes."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kgservice.api.playground.bundle import bundle_state
from kgservice.cli.common import DataDirOption, one_line_errors, settings_from
from kgservice.services.status import collect_status
from kgservice.stores.opening import open_stores


@one_line_errors
def status(
    data_dir: DataDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the schema version, row counts per table, and where the stores are."""
    with open_stores(settings_from(data_dir), check_schema=False) as stores:
        report = collect_status(stores)
    report["playground"] = bundle_state().summary
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    console = Console()
    schema = report["schema"]
    state = "up to date" if schema["up_to_date"] else "OUTDATED: run kgservice migrate up"
    console.print(
        f"kgservice {report['version']}, schema {schema['current']}/{schema['latest']} ({state})"
    )
    graph, vectors = report["graph"], report["vectors"]
    console.print(f"graph   {graph['path']} ({graph['engine']}, {_size(graph['size_bytes'])})")
    console.print(f"vectors {vectors['path']} ({_size(vectors['size_bytes'])})")
    table = Table("table", "kind", "rows")
    for name, count in graph["nodes"].items():
        table.add_row(name, "node", str(count))
    for name, count in graph["relationships"].items():
        table.add_row(name, "rel", str(count))
    for name, count in vectors["tables"].items():
        table.add_row(name, "vector store", str(count))
    console.print(table)
    console.print(f"playground: {report['playground']}")
    if not schema["up_to_date"]:
        return
    coverage = ", ".join(
        f"{kind} {vectors['coverage'][kind]:.1%} ({vectors['missing_vectors'][kind]} missing)"
        for kind in vectors["coverage"]
    )
    console.print(f"vector coverage: {coverage}; orphan vectors: {vectors['orphans']}")
    if any(vectors["missing_vectors"].values()) or vectors["orphans"]:
        console.print("run `kgservice backfill` to embed missing nodes and drop orphans")


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
