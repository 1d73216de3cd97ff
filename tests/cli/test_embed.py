"""kgservice embed: JSON lines in, JSON lines out, bad input named by line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kgservice.embedding import Embedder


def run_embed(
    tmp_path: Path, data: bytes, *args: str, cache: Path
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KG_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "kgservice", "embed", "--data-dir", str(tmp_path / "d"), *args],
        input=data,
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embed-cache")


def test_lines_in_order(tmp_path: Path, cache: Path, embedder: Embedder) -> None:
    texts = ["The weather is lovely today.", "", "Ünïcödé 🚀", "def f(x): return x"]
    lines = [
        json.dumps(texts[0]),
        json.dumps({"text": texts[1]}),
        json.dumps(texts[2]),
        json.dumps({"text": texts[3], "id": 7}),
    ]
    done = run_embed(tmp_path, ("\n".join(lines) + "\n").encode(), cache=cache)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line)["embedding"] for line in done.stdout.decode().splitlines()]
    assert len(out) == 4
    assert all(len(v) == 384 for v in out)
    expected = embedder.embed(texts)
    for got, want in zip(out, expected, strict=True):
        assert float(np.dot(np.asarray(got), want)) > 0.99999


def test_input_file_and_int8(tmp_path: Path, cache: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('"hello"\n"world"\n')
    done = run_embed(tmp_path, b"", "--input", str(source), "--precision", "int8", cache=cache)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.decode().splitlines()) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'"ok"\n\xff\xfe\n', "line 2: not valid UTF-8"),
        (b'"ok"\n{"txt": 1}\n', 'line 2: expected a JSON string or {"text": "..."}'),
        (b'"ok"\nnot json\n', "line 2: not JSON"),
        (b'"ok"\n\n"x"\n', "line 2: empty line"),
    ],
)
def test_bad_lines_stop_before_any_output(
    tmp_path: Path, cache: Path, data: bytes, message: str
) -> None:
    done = run_embed(tmp_path, data, cache=cache)
    assert done.returncode == 1
    assert done.stdout == b""
    assert done.stderr.decode().startswith(f"kgservice: {message}")


def test_bad_precision_is_a_usage_error(tmp_path: Path, cache: Path) -> None:
    assert run_embed(tmp_path, b'"x"\n', "--precision", "fp16", cache=cache).returncode == 2
