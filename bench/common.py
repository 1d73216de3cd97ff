"""Helpers shared by the benchmarks: timing, medians, a scratch store."""

from __future__ import annotations

import os
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

from kgservice.settings import load_settings
from kgservice.stores.opening import Stores, open_stores


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
