"""The LoCoMo dev split for ``bench retrieval``: reading it, and storing it through GraphQL.

Every turn is stored as a message through ``addMessages``: one project, namespace and session
per conversation, one thread per LoCoMo session (its date in the thread's name), content
``"Speaker: text"`` (a shared photo's caption appended).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.services.registry import Services
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder

CATEGORIES = {1: "multi_hop", 2: "temporal", 3: "open_domain", 4: "single_hop"}

CREATE_PROJECT = """mutation($name: String!, $ns: String!) {
  createProject(input: {name: $name, namespace: $ns}) {
    ... on CreateProjectPayload { project { id } } } }"""
CREATE_SESSION = """mutation($p: ID!, $e: String!) {
  createSession(input: {projectId: $p, externalId: $e}) {
    ... on CreateSessionPayload { session { id } } } }"""
CREATE_THREAD = """mutation($s: ID!, $n: String!) {
  createThread(input: {sessionId: $s, name: $n}) { ... on ThreadPayload { thread { id } } } }"""
ADD_MESSAGES = """mutation($t: ID!, $m: [MessageInput!]!) {
  addMessages(input: {threadId: $t, messages: $m}) {
    __typename ... on AddMessagesPayload { added { id } } } }"""


@dataclass(frozen=True)
class Question:
    """A question, the ids of the messages that answer it, where to ask it, its category."""

    text: str
    evidence: frozenset[str]
    namespace: str | None
    category: str


@dataclass
class Conversation:
    """One LoCoMo conversation: its sessions of turns and its questions."""

    name: str
    sessions: list[tuple[str, list[dict[str, Any]]]]
    questions: list[dict[str, Any]] = field(default_factory=list)


def locomo_dir() -> Path:
    """Where the LoCoMo dev split is looked for."""
    configured = os.environ.get("KG_LOCOMO_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "locomo-dev"


def load_locomo(folder: Path) -> list[Conversation]:
    """The conversations of ``folder`` (one JSON file each), in name order."""
    conversations = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        numbers = sorted(
            int(key.split("_")[1])
            for key in data
            if key.startswith("session_") and key.count("_") == 1 and data[key]
        )
        sessions = [
            (f"session {n}, {data.get(f'session_{n}_date_time', '')}", data[f"session_{n}"])
            for n in numbers
        ]
        conversations.append(Conversation(path.stem, sessions, list(data.get("qa", []))))
    return conversations


def turn_text(turn: dict[str, Any]) -> str:
    """A turn as stored: ``Speaker: text``, a shared photo's caption appended."""
    text = f"{turn['speaker']}: {turn['text']}"
    if turn.get("blip_caption"):
        text += f" [shares a photo: {turn['blip_caption']}]"
    return text


def _data(gql: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = gql.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"GraphQL failed: {body}")
    data: dict[str, Any] = body["data"]
    return data


def ingest(client: TestClient, conversation: Conversation) -> tuple[list[Question], int]:
    """Store ``conversation`` through GraphQL; return its questions (categories 1-4) and the
    number of messages stored."""
    namespace = f"locomo-{conversation.name}"
    project = _data(client, CREATE_PROJECT, name=conversation.name, ns=namespace)
    project_id = project["createProject"]["project"]["id"]
    session = _data(client, CREATE_SESSION, p=project_id, e=namespace)
    session_id = session["createSession"]["session"]["id"]
    by_dia: dict[str, str] = {}
    speakers: list[str] = []
    for name, turns in conversation.sessions:
        thread = _data(client, CREATE_THREAD, s=session_id, n=name)["createThread"]["thread"]
        for turn in turns:
            if turn["speaker"] not in speakers:
                speakers.append(turn["speaker"])
        messages = [
            {
                "role": "user" if turn["speaker"] == speakers[0] else "assistant",
                "content": turn_text(turn),
                "metadata": {"dia_id": turn["dia_id"], "speaker": turn["speaker"]},
            }
            for turn in turns
        ]
        added = _data(client, ADD_MESSAGES, t=thread["id"], m=messages)["addMessages"]["added"]
        by_dia.update({turn["dia_id"]: a["id"] for turn, a in zip(turns, added, strict=True)})
    questions = []
    for qa in conversation.questions:
        category = int(qa.get("category", 0))
        evidence = frozenset(by_dia[d] for d in qa.get("evidence", []) if d in by_dia)
        if category in CATEGORIES and evidence:
            questions.append(
                Question(str(qa["question"]), evidence, namespace, CATEGORIES[category])
            )
    return questions, len(by_dia)


@contextmanager
def locomo_service(
    folder: Path, quick: bool
) -> Iterator[tuple[Services, list[Question], dict[str, Any]]]:
    """The conversations of ``folder`` (two when quick) ingested through GraphQL into a scratch
    service: its services, the questions asked, and the ingestion figures."""
    conversations = load_locomo(folder)[: 2 if quick else None]
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as scratch:
        settings = load_settings(data_dir=Path(scratch) / "data", backfill_on_start=False)
        embedder = load_embedder(settings)
        with TestClient(create_app(settings, embedder=embedder)) as client:
            questions: list[Question] = []
            stored = 0
            start = time.perf_counter()
            for conversation in conversations:
                asked, count = ingest(client, conversation)
                questions += asked
                stored += count
            seconds = time.perf_counter() - start
            ingestion = {
                "conversations": len(conversations),
                "messages": stored,
                "messages_per_s": round(stored / seconds, 1),
            }
            yield client.app.state.services, questions, ingestion  # type: ignore[attr-defined]
