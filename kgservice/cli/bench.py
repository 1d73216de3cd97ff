"""``kgservice bench [NAME...]``: run the benchmarks in ``bench/`` and print JSON."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Annotated, Any

import typer

from kgservice.cli.common import fail, one_line_errors
from kgservice.resources import resource_dir


def available() -> list[str]:
    """Names of the benchmark modules (each has ``run(quick) -> dict``)."""
    folder = resource_dir("bench")
    return sorted(
        path.stem for path in folder.glob("*.py") if path.stem not in {"__init__", "common"}
    )


@one_line_errors
def bench(
    names: Annotated[
        list[str] | None, typer.Argument(help="Benchmarks to run (default: all).")
    ] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Smaller sizes, for a smoke run.")] = False,
) -> None:
    """Run benchmarks; print one JSON document with each one's figures, ratios and targets."""
    known = available()
    chosen = names or known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise fail(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(known)}")
    root = str(resource_dir("bench").parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    results: dict[str, Any] = {}
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name}...", file=sys.stderr)
        results[name] = module.run(quick=quick)
    print(json.dumps(results, indent=2, default=str))
