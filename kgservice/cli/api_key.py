"""``kgservice api-key new``: make an API key; print the secret once and its settings entry."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from kgservice.api.auth import hash_secret, new_secret

app = typer.Typer(help="API keys (required when serving beyond loopback).", no_args_is_help=True)


class Scope(StrEnum):
    """What a key may do."""

    read = "read"
    write = "write"


@app.command("new")
def new(
    name: Annotated[str, typer.Option("--name", help="Who the key is for (one per client).")],
    scope: Annotated[Scope, typer.Option("--scope", help="read, or write (read too).")] = (
        Scope.read
    ),
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", help="A namespace the key may use (repeat; default all)."),
    ] = None,
) -> None:
    """Print a fresh key (shown once, never stored) and the entry to add to the settings."""
    secret = new_secret()
    entry: dict[str, object] = {"name": name, "sha256": hash_secret(secret), "scope": scope.value}
    if namespace:
        entry["namespaces"] = list(namespace)
    toml_lines = [
        "[[api_keys]]  # in the KG_CONFIG_FILE TOML (or [[kgservice.api_keys]])",
        *(f"{key} = {json.dumps(value)}" for key, value in entry.items()),
    ]
    print(f"API key (shown once; give it to the client): {secret}")
    print()
    print("\n".join(toml_lines))
    print()
    print(f"or in the environment: KG_API_KEYS='{json.dumps([entry])}'")
