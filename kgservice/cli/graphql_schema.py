"""``kgservice graphql-schema [--check]``: export the GraphQL SDL to schema/schema.graphql."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kgservice.api.schema import build_schema
from kgservice.cli.common import fail, one_line_errors
from kgservice.resources import resource_dir


def sdl() -> str:
    """The schema's SDL, as exported."""
    return build_schema().as_str() + "\n"


@one_line_errors
def graphql_schema(
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the file is out of date.")
    ] = False,
    output: Annotated[Path | None, typer.Option(help="File to write.")] = None,
) -> None:
    """Write the GraphQL SDL (default: schema/schema.graphql)."""
    target = output or resource_dir("schema") / "schema.graphql"
    text = sdl()
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise fail(f"{target} is out of date; run: kgservice graphql-schema")
        print("schema.graphql is up to date")
        return
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
