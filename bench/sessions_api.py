"""The daily write path and the GraphQL server: messages, pages, chains, requests per second.

``addMessage`` is timed on realistic agent messages (150-400 words, half with a code block)
and, second, on the short chatter of earlier runs (10-18 words from a small vocabulary).

Run: ``uv run kgservice bench sessions_api``. Service-level figures call the domain services
directly; HTTP figures go through uvicorn (one worker) on loopback, loaded by ``wrk`` when it
is installed (``apt-get install wrk``), else by a Python keep-alive client (which then shares
the two cores with the server, so it understates the server). The 100-item connection is
measured three times: with the message-page cache (the same page, as a client re-reading a
thread gets it), with it off (every page read from the graph), and with it off and the fast
executor off (``KG_FAST_EXECUTOR=false``: strawberry's own executor and extension runner).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sysconfig
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.common import latencies_ms, machine_state, running_server, target
from bench.embedding import stdlib_sentences
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder, open_stores

WORDS = [
    *("graph", "vector", "index", "session", "thread", "message", "agent", "embedding"),
    *("query", "schema", "migration", "backup", "cursor", "page", "writer", "reader"),
    *("kuzu", "sqlite", "search", "hybrid", "fusion", "token", "model"),
]


def sentence(rng: random.Random) -> str:
    """About 20 word pieces of plausible agent chatter."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 18))) + "."


def code_lines() -> list[str]:
    """Lines of a few standard-library modules, for the code blocks of realistic messages."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    lines: list[str] = []
    for name in ("textwrap.py", "json/encoder.py", "shlex.py", "fnmatch.py"):
        lines += (folder / name).read_text(encoding="utf-8").splitlines()
    return lines


class RealisticMessages:
    """Agent messages as they come: 150-400 words of prose, half with a fenced code block."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.prose = stdlib_sentences(3_000)
        self.code = code_lines()

    def __call__(self) -> str:
        words: list[str] = []
        wanted = self.rng.randint(150, 400)
        while len(words) < wanted:
            words += self.rng.choice(self.prose).split()
        text = " ".join(words[:wanted])
        if self.rng.random() < 0.5:
            start = self.rng.randrange(len(self.code) - 25)
            block = "\n".join(self.code[start : start + self.rng.randint(5, 25)])
            cut = len(text) // 2
            text = f"{text[:cut]}\n\n```python\n{block}\n```\n\n{text[cut:]}"
        return text


def _service_figures(services: Services, rng: random.Random, quick: bool) -> dict[str, Any]:
    sessions = services.sessions
    project = sessions.create_project("bench")
    session = sessions.create_session(project.id, "bench-session")
    thread = sessions.create_thread(session.id, "bench")
    samples = 50 if quick else 300
    realistic = RealisticMessages(rng)
    for _ in range(5):
        sessions.add_messages(thread.id, [NewMessage("user", realistic())])

    def add_one(text: str) -> None:
        sessions.add_messages(thread.id, [NewMessage("user", text)])

    # Realistic messages first (what agents write), then the short chatter measured before.
    long_texts = [realistic() for _ in range(samples)]
    one = latencies_ms([partial(add_one, text) for text in long_texts])
    one_short = latencies_ms([partial(add_one, sentence(rng)) for _ in range(samples)])
    batches = 4 if quick else 10
    texts = [[NewMessage("assistant", realistic()) for _ in range(50)] for _ in range(batches)]
    start = time.perf_counter()
    for batch in texts:
        sessions.add_messages(thread.id, batch)
    batch_rate = batches * 50 / (time.perf_counter() - start)
    short = [[NewMessage("assistant", sentence(rng)) for _ in range(50)] for _ in range(batches)]
    start = time.perf_counter()
    for batch in short:
        sessions.add_messages(thread.id, batch)
    short_rate = batches * 50 / (time.perf_counter() - start)

    reads = services.reads
    page = latencies_ms(
        [
            partial(reads.message_page, thread.id, rng.randrange(0, 250), None, 51, False)
            for _ in range(samples)
        ]
    )
    chain_project = sessions.create_project("chain")
    links = 200 if quick else 1000
    for i in range(links + 1):
        services.chain.record_transition(chain_project.id, f"chain-{i}", "COMPACT")
    walk = latencies_ms([lambda: services.chain.chain(chain_project.id) for _ in range(20)])
    assert len(services.chain.chain(chain_project.id)) == links
    return {
        "realistic_messages": {
            "words": "150-400 words of docstring prose, half with a 5-25 line code block",
            "mean_chars": round(sum(map(len, long_texts)) / len(long_texts)),
        },
        "add_message": one,
        "add_messages_per_s": round(batch_rate),
        "add_message_short_chatter": one_short,
        "add_messages_short_chatter_per_s": round(short_rate),
        "page_of_50_messages": page,
        "chain_walk": {**walk, "links": links},
        "thread_id": thread.id,
    }


def _wrk(url: str, body: dict[str, Any], seconds: int) -> float:
    script = Path(tempfile.mkdtemp()) / "post.lua"
    payload = json.dumps(body).replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.body = "{payload}"\n'
    )
    command = [
        "wrk",
        "-t1",
        "-c16",
        f"-d{seconds}s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(  # noqa: S603 (fixed arguments, our own temp script)
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    )
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(f"wrk printed no rate: {done.stdout}")


def _python_load(url: str, body: dict[str, Any], seconds: int) -> float:
    count = 0
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal count
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < stop:
                client.post(url, json=body).raise_for_status()
                count += 1

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / seconds


def _http_figures(data_dir: Path, thread_id: str, quick: bool) -> dict[str, Any]:
    trivial = {"query": "{ version { service } }"}
    page = {
        "query": "query($t: ID!) { thread(id: $t) { messages(first: 100) "
        "{ edges { node { idx role content } } } } }",
        "variables": {"t": thread_id},
    }
    seconds = 3 if quick else 10
    load = _wrk if shutil.which("wrk") else _python_load
    figures: dict[str, Any] = {"client": "wrk -t1 -c16" if shutil.which("wrk") else "python (8)"}
    # The same page again and again is served from the message-page cache; a second
    # server with the cache off measures what every page costs when it is first read, a
    # third the same with strawberry's executor.
    servers = (
        ("", {"KG_MESSAGE_PAGE_CACHE_MB": "64"}),
        ("_uncached", {"KG_MESSAGE_PAGE_CACHE_MB": "0"}),
        (
            "_uncached_upstream_executor",
            {"KG_MESSAGE_PAGE_CACHE_MB": "0", "KG_FAST_EXECUTOR": "false"},
        ),
    )
    for suffix, env in servers:
        log = data_dir.parent / f"server{suffix}.log"
        with running_server(data_dir, log, env=env) as (url, _server):
            with httpx.Client() as client:
                edges = client.post(url, json=page).json()["data"]["thread"]["messages"]["edges"]
                assert len(edges) == 100
            if suffix != "_uncached":
                executor = suffix.removeprefix("_uncached")
                figures[f"trivial_query{executor}_rps"] = round(load(url, trivial, seconds))
            figures[f"connection_100{suffix}_rps"] = round(load(url, page, seconds))
    return figures


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the sessions write path, reads and the HTTP server."""
    rng = random.Random(5)
    before = machine_state()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        data_dir = Path(folder) / "data"
        settings = load_settings(data_dir=data_dir, backfill_on_start=False)
        embedder = load_embedder(settings)
        with open_stores(settings) as stores:
            figures = _service_figures(Services.create(stores, embedder), rng, quick)
        thread_id = figures.pop("thread_id")
        figures["http"] = _http_figures(data_dir, thread_id, quick)
    http = figures["http"]
    return {
        "benchmark": "sessions_api",
        "machine": {"before": before, "after": machine_state()},
        "figures": figures,
        "ratios": {
            "add_messages_vs_add_message_throughput": round(
                figures["add_messages_per_s"] / (1000 / figures["add_message"]["p50_ms"]), 1
            ),
            "trivial_vs_connection_rps": round(
                http["trivial_query_rps"] / max(http["connection_100_rps"], 1), 1
            ),
            "connection_cached_vs_uncached_rps": round(
                http["connection_100_rps"] / max(http["connection_100_uncached_rps"], 1), 1
            ),
            "fast_vs_upstream_executor_uncached_rps": round(
                http["connection_100_uncached_rps"]
                / max(http["connection_100_uncached_upstream_executor_rps"], 1),
                2,
            ),
        },
        "targets": {
            "add_message_p50_ms": target(figures["add_message"]["p50_ms"], 15, at_least=False),
            "add_messages_per_s": target(figures["add_messages_per_s"], 200, at_least=True),
            "page_of_50_p50_ms": target(
                figures["page_of_50_messages"]["p50_ms"], 5, at_least=False
            ),
            "chain_walk_1000_p50_ms": target(figures["chain_walk"]["p50_ms"], 10, at_least=False),
            "trivial_query_rps": target(http["trivial_query_rps"], 2000, at_least=True),
            "connection_100_rps": target(http["connection_100_rps"], 400, at_least=True),
            "connection_100_uncached_rps": target(
                http["connection_100_uncached_rps"], 400, at_least=True
            ),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
