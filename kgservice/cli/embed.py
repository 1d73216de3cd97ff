"""``kgservice embed``: JSON lines of texts in, JSON lines of embeddings out, same order.

Each input line is a JSON string or an object with a ``text`` string. The whole input is
checked first (UTF-8, JSON, shape), so a bad line stops the command with its line number
before anything is written; then texts are embedded and written batch by batch.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Literal

import typer

from kgservice.cli.common import DataDirOption, fail, one_line_errors, settings_from
from kgservice.stores.opening import load_embedder

BATCH = 256


def read_text(line: bytes, number: int) -> str:
    """The text of one input line, or a one-line reason naming the line."""
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"line {number}: not valid UTF-8 (byte {exc.start})") from None
    if not decoded.strip():
        raise ValueError(f'line {number}: empty line (give "" for an empty text)')
    try:
        value = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    if isinstance(value, dict):
        value = value.get("text")
    if not isinstance(value, str):
        raise ValueError(f'line {number}: expected a JSON string or {{"text": "..."}}')
    return value


def _lines(source: IO[bytes]) -> Iterator[bytes]:
    for line in source:
        yield line.rstrip(b"\r\n")


def _batches(source: IO[bytes]) -> Iterator[list[str]]:
    batch: list[str] = []
    for number, line in enumerate(_lines(source), start=1):
        batch.append(read_text(line, number))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@one_line_errors
def embed(
    input: Annotated[
        Path | None, typer.Option("--input", help="JSON-lines file (default: stdin).")
    ] = None,
    precision: Annotated[
        str, typer.Option(help="fp32 (faithful, default) or int8 (faster).")
    ] = "fp32",
    data_dir: DataDirOption = None,
) -> None:
    """Embed texts with all-MiniLM-L6-v2: one {"embedding": [...]} line per input line."""
    if precision not in ("fp32", "int8"):
        raise typer.BadParameter("must be fp32 or int8", param_hint="--precision")
    chosen: Literal["fp32", "int8"] = "int8" if precision == "int8" else "fp32"
    with tempfile.TemporaryFile() as spool:
        source: IO[bytes]
        if input is None:
            for chunk in iter(lambda: sys.stdin.buffer.read(1 << 20), b""):
                spool.write(chunk)
            spool.seek(0)
            source = spool
        else:
            try:
                source = input.open("rb")
            except OSError as exc:
                raise fail(f"cannot read {input}: {exc.strerror}") from None
        with source:
            try:
                for _ in _batches(source):
                    pass
            except ValueError as exc:
                raise fail(str(exc)) from None
            source.seek(0)
            embedder = load_embedder(settings_from(data_dir, embed_precision=chosen))
            out = sys.stdout
            for batch in _batches(source):
                for vector in embedder.embed(batch):
                    out.write(json.dumps({"embedding": [float(f"{x:.8g}") for x in vector]}))
                    out.write("\n")
                out.flush()
