"""Helpers shared by the benchmarks: timing, medians, a scratch store."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from threadpoolctl import threadpool_info

from kgservice.settings import load_settings
from kgservice.stores.opening import Stores, open_stores

#: Where the benchmarks' corpora split docstring paragraphs into sentences.
SENTENCE_SPLIT = re.compile(r"(?<=[a-z0-9)\]'\"][.!?])\s+(?=[A-Z])")


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """Run ``action`` ``repeats`` times and return the median wall time in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def latencies_ms(actions: Sequence[Callable[[], object]]) -> dict[str, float]:
    """Time each action once and return p50, p95 and max in milliseconds."""
    times = []
    for action in actions:
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        "max_ms": round(times[-1], 3),
        "samples": len(times),
    }


@contextmanager
def scratch_stores(engine: str = "kuzu") -> Iterator[Stores]:
    """Fresh, migrated stores in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        settings = load_settings(data_dir=Path(folder), graph_engine=engine)
        with open_stores(settings) as stores:
            yield stores


def machine_state() -> dict[str, object]:
    """What the machine was doing: load averages, cores, and the BLAS libraries' threads.

    Benchmarks print this with their figures: a loaded machine slows multi-threaded code
    (numpy's BLAS) far more than single-threaded code, so ratios need it to be read right.
    """
    one, five, fifteen = os.getloadavg()
    return {
        "load_average_1_5_15": [round(one, 2), round(five, 2), round(fifteen, 2)],
        "cores": os.cpu_count(),
        "blas": [
            {
                "library": info.get("internal_api"),
                "threads": info.get("num_threads"),
                "architecture": info.get("architecture"),
            }
            for info in threadpool_info()
            if info.get("user_api") == "blas"
        ],
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }


def target(value: float, bound: float, *, at_least: bool) -> dict[str, object]:
    """Describe a target and whether ``value`` meets it."""
    met = value >= bound if at_least else value <= bound
    return {"value": value, "target": f"{'>=' if at_least else '<='} {bound}", "met": met}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(
    data_dir: Path, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``kgservice serve`` on a free port until healthy; yield its GraphQL URL and process.

    ``env`` adds to this process's environment (``KG_*`` settings). The server's output
    goes to ``log``; it is stopped with SIGTERM on exit.
    """
    port = free_port()
    command = [sys.executable, "-m", "kgservice", "serve", "--data-dir", str(data_dir)]
    with log.open("w") as sink:
        server = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
            [*command, "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"the server did not become healthy; see {log}")
        yield f"http://127.0.0.1:{port}/graphql", server
    finally:
        server.terminate()
        server.wait(timeout=60)


def sentences_of(text: str) -> set[str]:
    """The sentences of a text, as the corpus splits paragraphs (the text itself included)."""
    return {text, *SENTENCE_SPLIT.split(text)}


def hold_out(texts: list[str], count: int) -> tuple[list[int], list[int]]:
    """Split ``texts`` into ``count`` queries and a corpus that shares no text with them.

    The corpus holds paragraphs and also their sentences, so a query can stand verbatim
    inside a corpus text or share a sentence with one. Every corpus text that contains a
    query, is contained in one, or shares a sentence with one is left out of the corpus.
    Returns the indexes of the queries and of the corpus.
    """
    query_texts = texts[:count]
    query_sentences = set().union(*(sentences_of(t) for t in query_texts))
    joined_queries = "\0".join(query_texts)
    corpus = [
        i
        for i in range(count, len(texts))
        if not sentences_of(texts[i]) & query_sentences and texts[i] not in joined_queries
    ]
    containing = _containing(query_texts, [texts[i] for i in corpus])
    return list(range(count)), [i for n, i in enumerate(corpus) if n not in containing]


def _containing(needles: list[str], haystacks: list[str]) -> set[int]:
    """Positions in ``haystacks`` of the texts that contain any of ``needles``."""
    joined = "\0".join(haystacks)
    starts = np.cumsum([0] + [len(h) + 1 for h in haystacks[:-1]])
    found: set[int] = set()
    for needle in needles:
        at = joined.find(needle)
        while at != -1:
            found.add(int(np.searchsorted(starts, at, side="right")) - 1)
            at = joined.find(needle, at + 1)
    return found


def leaked(query_texts: list[str], corpus_texts: list[str]) -> int:
    """How many queries stand inside, contain, or share a sentence with a corpus text."""
    corpus_sentences = set().union(*(sentences_of(t) for t in corpus_texts))
    joined_corpus, joined_queries = "\0".join(corpus_texts), "\0".join(query_texts)
    inside = sum(1 for q in query_texts if q in joined_corpus)
    shared = sum(1 for q in query_texts if sentences_of(q) & corpus_sentences)
    containing = sum(1 for t in corpus_texts if t in joined_queries)
    return inside + shared + containing
