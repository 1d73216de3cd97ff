"""Durability: every acknowledged write survives SIGKILL, and the two stores agree after.

The real server runs in a subprocess; client threads write in a loop (messages,
reflections, projects) and record each id the server acknowledged; the server is killed
with SIGKILL at random moments several times and restarted. Afterwards every acknowledged
write is there, message indexes are contiguous, search returns no orphan, and after the
start-up backfill every text-bearing node has its vector and no vector lacks a node.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kgservice.services.consistency import find_gaps
from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores
from tests.system.live_server import LiveServer

pytestmark = pytest.mark.slow

CLIENTS = 3
KILLS = 4
PROJECT = """mutation($name: String!) { createProject(input: {name: $name}) {
  __typename ... on CreateProjectPayload { project { id } } } }"""
SESSION = """mutation($p: ID!, $x: String!) { createSession(input: {projectId: $p, externalId: $x}) {
  ... on CreateSessionPayload { session { id } } } }"""
THREAD = """mutation($s: ID!) { createThread(input: {sessionId: $s, name: "crash"}) {
  ... on ThreadPayload { thread { id } } } }"""
MESSAGE = """mutation($t: ID!, $c: String!) { addMessage(input: {threadId: $t, role: "user", content: $c}) {
  __typename ... on AddMessagePayload { added { id idx } } } }"""
REFLECTION = """mutation($p: ID!, $c: String!) { storeReflection(input: {projectId: $p, content: $c}) {
  __typename ... on StoreReflectionPayload { reflection { id } } } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Message { content }
  ... on Reflection { content } ... on Project { name } } }"""
MESSAGES = """query($id: ID!, $after: String) { thread(id: $id) { messageCount
  messages(first: 100, after: $after) { edges { node { idx content } }
  pageInfo { hasNextPage endCursor } } } }"""
SEARCH = """query($text: String!) { search(text: $text, mode: TEXT, k: 20) { node { id } } }"""


@dataclass
class Acknowledged:
    """What the server confirmed, by id: the text stored (content or name)."""

    texts: dict[str, str] = field(default_factory=dict)
    searchable: list[str] = field(default_factory=list)  # messages and reflections
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, node_id: str, text: str, *, searchable: bool = False) -> None:
        with self.lock:
            self.texts[node_id] = text
            if searchable:
                self.searchable.append(node_id)


BACKFILL_DONE = "backfill on start finished"


def wait_for_backfill(server: LiveServer, finished_before: int, seconds: float = 180) -> None:
    """Poll the server log until the start-up backfill of this start has finished."""
    deadline = time.monotonic() + seconds
    while server.log_text().count(BACKFILL_DONE) <= finished_before:
        assert time.monotonic() < deadline, "the start-up backfill did not finish"
        time.sleep(0.2)


def write_until_refused(
    server: LiveServer,
    client_no: int,
    round_no: int,
    thread_id: str,
    project_id: str,
    acked: Acknowledged,
    stop: threading.Event,
) -> None:
    """Write in a loop; stop at the first transport error (the server was killed)."""
    with httpx.Client(timeout=30) as http:
        n = 0
        while not stop.is_set():
            n += 1
            text = f"client {client_no} round {round_no} write {n}: durable note {random.random()}"
            try:
                kind = n % 4
                if kind in (0, 1):
                    body = server.gql(MESSAGE, http, t=thread_id, c=text)
                    acked.add(body["data"]["addMessage"]["added"]["id"], text, searchable=True)
                elif kind == 2:
                    body = server.gql(REFLECTION, http, p=project_id, c=text)
                    acked.add(
                        body["data"]["storeReflection"]["reflection"]["id"], text, searchable=True
                    )
                else:
                    body = server.gql(PROJECT, http, name=text[:200])
                    acked.add(body["data"]["createProject"]["project"]["id"], text[:200])
            except (httpx.TransportError, AssertionError):
                return


def check_messages_contiguous(server: LiveServer, thread_id: str) -> int:
    seen: list[int] = []
    after = None
    while True:
        thread = server.gql(MESSAGES, id=thread_id, after=after)["data"]["thread"]
        connection = thread["messages"]
        seen += [edge["node"]["idx"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == list(range(len(seen)))
    assert thread["messageCount"] == len(seen)
    return len(seen)


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = LiveServer(data_dir, tmp_path / "server.log")
    rng = random.Random(6)
    acked = Acknowledged()
    server.start()
    project_id = server.gql(PROJECT, name="crash")["data"]["createProject"]["project"]["id"]
    session_id = server.gql(SESSION, p=project_id, x="crash-session")["data"]["createSession"][
        "session"
    ]["id"]
    threads = [
        server.gql(THREAD, s=session_id)["data"]["createThread"]["thread"]["id"]
        for _ in range(CLIENTS)
    ]
    missing_after_kill: list[int] = []
    try:
        for round_no in range(KILLS):
            if round_no:
                server.start()
            stop = threading.Event()
            writers = [
                threading.Thread(
                    target=write_until_refused,
                    args=(server, c, round_no, threads[c], project_id, acked, stop),
                )
                for c in range(CLIENTS)
            ]
            for writer in writers:
                writer.start()
            time.sleep(rng.uniform(1.0, 4.0))
            server.kill()
            stop.set()
            for writer in writers:
                writer.join(timeout=60)
            # Between the kill and the restart, see what the crash left for the backfill.
            with open_stores(load_settings(data_dir=data_dir, buffer_pool_mb=128)) as stores:
                gaps = find_gaps(stores.graph, stores.vectors)
                missing_after_kill.append(sum(len(v) for v in gaps.missing.values()))
        finished_before = server.log_text().count(BACKFILL_DONE)
        server.start()
        wait_for_backfill(server, finished_before)
        ids = list(acked.texts)
        assert len(ids) > 20 * KILLS, "the clients wrote too little to test anything"
        for start in range(0, len(ids), 100):
            batch = ids[start : start + 100]
            found = server.gql(NODES, ids=batch)["data"]["nodes"]
            for node_id, node in zip(batch, found, strict=True):
                assert node is not None, f"acknowledged {node_id} was lost"
                assert acked.texts[node_id] in (node.get("content"), node.get("name"))
        for thread_id in threads:
            check_messages_contiguous(server, thread_id)
        for node_id in rng.sample(sorted(acked.searchable), 10):
            unique = acked.texts[node_id].rsplit(".", 1)[1]  # the random digits
            hits = server.gql(SEARCH, text=unique)["data"]["search"]
            # First: its own text; a neighbouring message may follow, whose context holds it.
            assert hits[0]["node"]["id"] == node_id
            assert len(hits) <= 5  # itself and up to two turns on each side
        for hit in server.gql(SEARCH, text="durable note")["data"]["search"]:
            assert hit["node"] is not None  # every hit resolves to a live node
        assert server.stop() == 0
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()
    with open_stores(load_settings(data_dir=data_dir, buffer_pool_mb=128)) as stores:
        gaps = find_gaps(stores.graph, stores.vectors)
        assert {kind: ids for kind, ids in gaps.missing.items() if ids} == {}
        assert gaps.orphans == []
    log = server.log_text()
    assert "Traceback" not in log, log[max(log.find("Traceback") - 1000, 0) :][:6000]
    print(
        f"acknowledged writes: {len(acked.texts)}; missing vectors after each kill: "
        f"{missing_after_kill}"
    )
