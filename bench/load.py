"""Load: a real client on loopback against a real server, mixing reads, writes and searches.

Run: ``uv run kgservice bench load`` (about 2.5 minutes; ``--quick``: 20 s). Starts
``kgservice serve`` (uvicorn, one process) on a fresh data directory, seeds a few threads,
then several client threads (httpx keep-alive) send a weighted mix of GraphQL operations
until the time or the request budget runs out. Reports throughput, p50/p99 per operation,
errors (HTTP, GraphQL or typed error members: all must be 0), and the server's resident
memory sampled every second, comparing the first and the last third of the run.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import running_server, target

CLIENTS = 4
SECONDS, QUICK_SECONDS = 150, 20
MAX_REQUESTS = 200_000
WORDS = ("graph", "vector", "index", "session", "thread", "writer", "reader", "kuzu", "search")
PAGE = """query($t: ID!) { thread(id: $t) { messageCount messages(first: 50) {
  edges { node { idx role content } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Message { content idx } } }"""
ADD = """mutation($t: ID!, $c: String!) { addMessage(input: {threadId: $t, role: "user",
  content: $c}) { __typename ... on AddMessagePayload { added { id } } } }"""
REFLECT = """mutation($p: ID!, $c: String!) { storeReflection(input: {projectId: $p, content: $c})
  { __typename ... on StoreReflectionPayload { reflection { id } } } }"""
SEARCH = """query($q: String!, $m: SearchMode!) { search(text: $q, mode: $m, k: 10) {
  score node { id } } }"""
#: Operation name -> weight in the mix.
MIX = {
    "read_page": 30,
    "read_node": 20,
    "add_message": 20,
    "store_reflection": 5,
    "search_text": 10,
    "search_hybrid": 15,
}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + "."


@dataclass
class Tally:
    """Latencies and errors per operation, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_error: str | None = None
    message_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    slow: list[tuple[float, str]] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)


class Client:
    """One keep-alive client sending the mix."""

    def __init__(self, url: str, seed: dict[str, Any], tally: Tally, rng: random.Random) -> None:
        self.url, self.seed, self.tally, self.rng = url, seed, tally, rng

    def request(self, http: httpx.Client, name: str) -> None:
        rng, seed = self.rng, self.seed
        if name == "read_page":
            body = {"query": PAGE, "variables": {"t": rng.choice(seed["threads"])}}
        elif name == "read_node":
            with self.tally.lock:
                node_id = rng.choice(self.tally.message_ids)
            body = {"query": NODE, "variables": {"id": node_id}}
        elif name == "add_message":
            body = {
                "query": ADD,
                "variables": {"t": rng.choice(seed["threads"]), "c": _sentence(rng)},
            }
        elif name == "store_reflection":
            body = {"query": REFLECT, "variables": {"p": seed["project"], "c": _sentence(rng)}}
        else:
            mode = "TEXT" if name == "search_text" else "HYBRID"
            words = " ".join(rng.sample(WORDS, 3))
            body = {"query": SEARCH, "variables": {"q": words, "m": mode}}
        start = time.perf_counter()
        error = None
        try:
            response = http.post(self.url, json=body)
            answer = response.json()
            if response.status_code != 200 or answer.get("errors"):
                error = f"{response.status_code} {str(answer)[:300]}"
            else:
                data = next(iter(answer["data"].values()))
                if isinstance(data, dict) and data.get("__typename", "").endswith("Error"):
                    error = str(data)[:300]
                elif name == "add_message":
                    with self.tally.lock:
                        self.tally.message_ids.append(data["added"]["id"])
        except (httpx.HTTPError, ValueError) as exc:
            error = repr(exc)
        elapsed = (time.perf_counter() - start) * 1000
        with self.tally.lock:
            self.tally.latencies[name].append(elapsed)
            if elapsed > 1000:
                self.tally.slow.append((round(time.monotonic() - self.tally.began, 1), name))
            if error:
                self.tally.errors[name] += 1
                self.tally.first_error = self.tally.first_error or f"{name}: {error}"

    def run(self, deadline: float) -> None:
        names, weights = list(MIX), list(MIX.values())
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < deadline:
                with self.tally.lock:
                    if self.tally.sent >= MAX_REQUESTS:
                        return
                    self.tally.sent += 1
                self.request(http, self.rng.choices(names, weights)[0])


def _seed(url: str, rng: random.Random) -> dict[str, Any]:
    def call(query: str, **variables: Any) -> Any:
        return httpx.post(url, json={"query": query, "variables": variables}, timeout=60).json()[
            "data"
        ]

    project = call(
        'mutation { createProject(input: {name: "load"}) '
        "{ ... on CreateProjectPayload { project { id } } } }"
    )["createProject"]["project"]["id"]
    session = call(
        'mutation($p: ID!) { createSession(input: {projectId: $p, externalId: "load"}) '
        "{ ... on CreateSessionPayload { session { id } } } }",
        p=project,
    )["createSession"]["session"]["id"]
    threads = [
        call(
            "mutation($s: ID!, $n: String!) { createThread(input: {sessionId: $s, name: $n}) "
            "{ ... on ThreadPayload { thread { id } } } }",
            s=session,
            n=f"load {i}",
        )["createThread"]["thread"]["id"]
        for i in range(4)
    ]
    ids = [
        call(ADD, t=thread, c=_sentence(rng))["addMessage"]["added"]["id"]
        for thread in threads
        for _ in range(25)
    ]
    return {"project": project, "threads": threads, "message_ids": ids}


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Run the mixed load against a real server and report throughput, latency and memory."""
    seconds = QUICK_SECONDS if quick else SECONDS
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        data_dir, log_path = Path(folder) / "data", Path(folder) / "server.log"
        with running_server(data_dir, log_path) as (url, server):
            seed = _seed(url, rng)
            tally = Tally(message_ids=list(seed["message_ids"]))
            rss: list[float] = []
            deadline = time.monotonic() + seconds
            clients = [
                threading.Thread(
                    target=Client(url, seed, tally, random.Random(i)).run, args=(deadline,)
                )
                for i in range(CLIENTS)
            ]
            started = time.perf_counter()
            for client in clients:
                client.start()
            while any(client.is_alive() for client in clients):
                rss.append(_rss_mb(server.pid))
                time.sleep(1)
            elapsed = time.perf_counter() - started
        log = log_path.read_text(errors="replace")
    total = sum(len(v) for v in tally.latencies.values())
    writes = len(tally.latencies["add_message"]) + len(tally.latencies["store_reflection"])
    errors = sum(tally.errors.values())
    third = max(len(rss) // 3, 1)
    first_rss, last_rss = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
    growth = round((last_rss - first_rss) / first_rss * 100, 1)
    return {
        "benchmark": "load",
        "figures": {
            "seconds": round(elapsed, 1),
            "clients": CLIENTS,
            "requests": total,
            "throughput_rps": round(total / elapsed, 1),
            "errors": errors,
            "errors_by_operation": dict(tally.errors),
            "first_error": tally.first_error,
            "server_tracebacks": log.count("Traceback"),
            "slow_checkpoints": log.count("slow checkpoint"),
            "requests_over_1s": tally.slow[:20],
            "per_operation": {name: _summary(v) for name, v in sorted(tally.latencies.items())},
            "server_rss_mb": {
                "first_third_mean": round(first_rss, 1),
                "last_third_mean": round(last_rss, 1),
                "max": round(max(rss), 1),
                "samples": len(rss),
                "by_tenth": [
                    round(statistics.mean(rss[i * len(rss) // 10 : (i + 1) * len(rss) // 10]), 1)
                    for i in range(10)
                ]
                if len(rss) >= 10
                else rss,
            },
        },
        "ratios": {
            "rss_growth_last_vs_first_third_pct": growth,
            "rss_mb_per_1000_writes": round(
                (last_rss - first_rss) / max(writes * 2 / 3, 1) * 1000, 2
            ),
        },
        "targets": {
            "errors": target(errors, 0, at_least=False),
            "rss_growth_pct": target(growth, 10, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
