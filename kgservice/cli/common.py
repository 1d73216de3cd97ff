"""Options and error handling shared by every command."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer

from kgservice.errors import KgError
from kgservice.settings import Settings, load_settings

P = ParamSpec("P")
T = TypeVar("T")

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory (env KG_DATA_DIR; default: a per-user data directory).",
        show_default=False,
    ),
]


def settings_from(data_dir: Path | None, **overrides: Any) -> Settings:
    """Load settings with the command's flags on top."""
    return load_settings(data_dir=data_dir, **overrides)


def fail(message: str) -> typer.Exit:
    """Print a one-line reason on stderr and return the exit for code 1."""
    print(f"kgservice: {message}", file=sys.stderr)
    return typer.Exit(code=1)


def one_line_errors(command: Callable[P, T]) -> Callable[P, T]:
    """Turn kgservice's own errors into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except KgError as exc:
            raise fail(str(exc)) from None

    return wrapper
