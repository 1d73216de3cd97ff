"""Relationship discovery over 10,000 entities, end to end (target <= 10 s).

Generates a software-ecosystem-like namespace: entities of every kind with realistic names
and observations (some naming each other: "Uses swiftcache for sessions"), 20,000
reflections each mentioning 2-4 of them (MENTIONS loaded by COPY), and real MiniLM entity
embeddings (cached in ``~/.cache/kgservice-bench/``). Then runs a discovery job in this
process and times it, split by the job's own progress reports into finding the proposals
(snapshot, candidates, scoring, typing) and writing them (COPY batches, each commit a
checkpoint); once at the defaults and once with at most 2 proposals per entity.

Run: ``uv run kgservice bench discovery`` (``--quick``: 2,000 entities).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from bench.common import machine_state, scratch_stores, target
from bench.vector_search import cache_dir
from kgservice.clock import utc_now
from kgservice.ids import new_id
from kgservice.services.discovery.job import DiscoveryParameters, DiscoveryService
from kgservice.services.jobs import JobRunner, JobService
from kgservice.services.knowledge.names import name_key
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.stores.opening import Stores, load_embedder

KINDS = (
    ("library", 0.45),
    ("project", 0.15),
    ("service", 0.1),
    ("test", 0.1),
    ("concept", 0.1),
    ("tool", 0.1),
)
STEMS = [
    "swift",
    "graph",
    "vector",
    "async",
    "http",
    "json",
    "yaml",
    "cache",
    "queue",
    "stream",
    "auth",
    "token",
    "crypt",
    "parse",
    "lint",
    "test",
    "mock",
    "log",
    "trace",
    "metric",
    "shard",
    "index",
    "search",
    "embed",
    "model",
    "train",
    "serve",
    "proxy",
    "route",
    "schema",
    "query",
    "batch",
    "sync",
    "pool",
    "socket",
    "signal",
    "event",
    "task",
    "flow",
    "pipe",
    "store",
    "blob",
    "table",
    "frame",
    "plot",
    "chart",
    "image",
    "audio",
    "text",
    "token",
    "lex",
    "gram",
    "diff",
    "patch",
    "merge",
    "build",
    "pack",
]
ENDINGS = ("", "py", "kit", "lib", "io", "db", "ly", "hub", "core", "x", "ify", "er")
TOPICS = (
    "caching",
    "request routing",
    "schema validation",
    "vector search",
    "task queues",
    "log shipping",
    "metrics",
    "authentication",
    "image resizing",
    "audio transcription",
    "data frames",
    "plotting",
    "dependency injection",
    "configuration",
)
NOUNS = {
    "library": ("library", "package", "client", "toolkit", "SDK", "binding"),
    "project": ("application", "backend", "dashboard", "pipeline", "bot", "website"),
    "service": ("service", "API", "cluster", "gateway", "daemon", "endpoint"),
    "test": ("test suite", "regression tests", "load tests", "smoke tests", "fixtures"),
    "concept": ("pattern", "technique", "practice", "idea", "approach"),
    "tool": ("command line tool", "linter", "formatter", "profiler", "generator"),
}
ADJECTIVES = (
    "fast",
    "minimal",
    "typed",
    "async",
    "pure-Python",
    "distributed",
    "embedded",
    "experimental",
    "battle-tested",
    "lightweight",
    "pluggable",
    "legacy",
    "internal",
)
REMARKS = (
    "Maintained by the platform team.",
    "Written in Rust with Python bindings.",
    "Configured through environment variables.",
    "Needs Python 3.10 or newer.",
    "Has a known memory leak under load.",
    "Logs in JSON lines.",
    "Slow to start on CI.",
    "Replaced the old shell scripts.",
    "Supports retries with backoff.",
    "Exposes Prometheus metrics.",
    "Vendored into the monorepo.",
    "Scheduled for removal.",
)
LINKS = ("uses", "depends on", "connects to", "tests", "extends", "is part of", "and")
TEXTS = (
    "Moved {a} to {b} because {t} was slow.",
    "{a} {link} {b} for {t}.",
    "Debugged {t}: {a} and {b} disagreed about timeouts.",
    "{a} {link} {b}; {c} handles {t}.",
)


@dataclass(frozen=True)
class GeneratedEntity:
    """An entity to load: name, kind and observations."""

    name: str
    kind: str
    observations: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The embedded text: name, kind and observations."""
        return "\n".join([self.name, self.kind, *self.observations])


def generate_world(
    entity_count: int, text_count: int, rng: random.Random
) -> tuple[list[GeneratedEntity], list[str], list[list[int]]]:
    """Entities, texts and, per text, the positions of the entities it mentions."""
    names: set[str] = set()
    while len(names) < entity_count:
        name = rng.choice(STEMS) + rng.choice(STEMS) + rng.choice(ENDINGS)
        if rng.random() < 0.3:
            name += f"-{rng.randrange(2, 9)}"
        names.add(name)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    topic_of = [rng.randrange(len(TOPICS)) for _ in range(entity_count)]
    ordered = sorted(names)
    rng.shuffle(ordered)
    entities = []
    for position, name in enumerate(ordered):
        kind = rng.choices(kinds, weights)[0]
        subject = TOPICS[topic_of[position]]
        noun = rng.choice(NOUNS[kind])
        observations = [f"{rng.choice(ADJECTIVES).capitalize()} {noun} for {subject}"]
        observations.append(rng.choice(REMARKS))
        if rng.random() < 0.3:
            observations.append(f"Uses {ordered[rng.randrange(entity_count)]} for {subject}")
        entities.append(GeneratedEntity(name, kind, observations))
    by_topic: dict[int, list[int]] = {}
    for position, topic in enumerate(topic_of):
        by_topic.setdefault(topic, []).append(position)
    texts, mentions = [], []
    for _ in range(text_count):
        topic = rng.randrange(len(TOPICS))
        pool = by_topic[topic]
        chosen = rng.sample(pool, 3) if rng.random() < 0.7 else rng.sample(range(entity_count), 3)
        template = rng.choice(TEXTS)
        a, b, c = (entities[i].name for i in chosen)
        text = template.format(a=a, b=b, c=c, t=TOPICS[topic], link=rng.choice(LINKS))
        texts.append(text)
        mentions.append(chosen if "{c}" in template else chosen[:2])
    return entities, texts, mentions


def embed_cached(index: TextIndex, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Embed ``texts``, reusing a cached copy keyed by their content."""
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache_dir() / f"discovery-{index.embedder.model_name}-{digest}.npy"
    if path.exists():
        cached: np.ndarray[Any, np.dtype[np.float32]] = np.load(path)
        return cached
    vectors = np.asarray(index.embed(list(texts)), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def load_entities(
    stores: Stores,
    index: TextIndex,
    entities: Sequence[GeneratedEntity],
    namespace: str = "default",
) -> list[str]:
    """COPY entities into the graph and store their (cached) embeddings; return their ids."""
    now = utc_now()
    ids = [new_id("Entity") for _ in entities]
    count = len(ids)
    stores.graph.copy_from_arrow(
        "Entity",
        pa.table(
            {
                "id": ids,
                "namespace": [namespace] * count,
                "created_at": [now] * count,
                "legacy_id": pa.array([None] * count, pa.string()),
                "name": [e.name for e in entities],
                "name_key": [name_key(e.name) for e in entities],
                "kind": [e.kind for e in entities],
                "observations": pa.array([e.observations for e in entities], pa.list_(pa.string())),
                "aliases": pa.array([e.aliases for e in entities], pa.list_(pa.string())),
                "properties": pa.array([None] * count, pa.string()),
                "updated_at": [now] * count,
            }
        ),
    )
    items = [
        IndexedText(i, "Entity", namespace, e.text) for i, e in zip(ids, entities, strict=True)
    ]
    index.store(items, embed_cached(index, [i.text for i in items]))
    return ids


def load_texts(
    stores: Stores,
    texts: Sequence[str],
    mentions: Sequence[Sequence[int]],
    entity_ids: Sequence[str],
    namespace: str = "default",
) -> list[str]:
    """COPY texts as Reflections and their MENTIONS edges; return the text ids."""
    now = utc_now()
    ids = [new_id("Reflection") for _ in texts]
    stores.graph.copy_from_arrow(
        "Reflection",
        pa.table(
            {
                "id": ids,
                "namespace": [namespace] * len(ids),
                "created_at": [now] * len(ids),
                "legacy_id": pa.array([None] * len(ids), pa.string()),
                "content": list(texts),
                "tags": pa.array([[] for _ in ids], pa.list_(pa.string())),
                "importance": [0.5] * len(ids),
            }
        ),
    )
    pairs = sorted(
        {(ids[t], entity_ids[e]) for t, positions in enumerate(mentions) for e in positions}
    )
    if pairs:
        stores.graph.copy_from_arrow(
            "MENTIONS",
            pa.table({"from": [p[0] for p in pairs], "to": [p[1] for p in pairs]}),
            pair=("Reflection", "Entity"),
        )
    return ids


def timed_job(
    entities: Sequence[GeneratedEntity],
    texts: Sequence[str],
    mentions: Sequence[Sequence[int]],
    parameters: DiscoveryParameters,
) -> dict[str, Any]:
    """Load the namespace into fresh stores and time one discovery job over it, by phase.

    The job reports progress 0.5 when its proposals are found and once per committed
    batch; those reports split the job into finding, writing and each batch's hold.
    """
    with scratch_stores() as stores:
        index = TextIndex(stores.vectors, load_embedder(stores.settings))
        entity_ids = load_entities(stores, index, entities)
        load_texts(stores, texts, mentions, entity_ids)
        jobs = JobService(stores.graph)
        DiscoveryService(stores.graph, stores.vectors, jobs, JobRunner(jobs))
        job = jobs.create("discovery", parameters.as_json(), "default")
        marks: list[tuple[float, float, str | None]] = []

        def mark(progress: float, counts: Mapping[str, Any]) -> None:
            marks.append((time.perf_counter(), progress, counts.get("phase")))

        started = time.perf_counter()
        finished = jobs.run(job.id, listener=mark)
        ended = time.perf_counter()
    found_at = next((at for at, progress, _ in marks if progress >= 0.5), ended)
    batch_ends = [at for at, _, phase in marks if phase == "writing"]
    holds = [end - start for start, end in zip([found_at, *batch_ends], batch_ends, strict=False)]
    written = int(finished.counts.get("written", 0))
    job_s, write_s = ended - started, ended - found_at
    return {
        "max_per_entity": parameters.max_per_entity,
        "threshold": parameters.threshold,
        "job_s": round(job_s, 2),
        "find_proposals_s": round(found_at - started, 2),
        "write_s": round(write_s, 2),
        "batches": len(batch_ends),
        "slowest_batch_s": round(max(holds), 2) if holds else None,
        "ms_per_written_edge": round(write_s * 1000 / written, 3) if written else None,
        "ms_per_entity": round(job_s * 1000 / len(entities), 3),
        "written": written,
        "by_type": finished.counts.get("by_type", {}),
        "job_status": finished.status,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Generate the namespace, then time a discovery job at the defaults and at 2 per entity."""
    entity_count, text_count = (2_000, 4_000) if quick else (10_000, 20_000)
    state_before = machine_state()
    entities, texts, mentions = generate_world(entity_count, text_count, random.Random(5))
    default = timed_job(entities, texts, mentions, DiscoveryParameters.checked())
    fewer = timed_job(entities, texts, mentions, DiscoveryParameters.checked(max_per_entity=2))
    return {
        "benchmark": "discovery",
        "sizes": {"entities": entity_count, "texts": text_count},
        "figures": {"default": default, "max_per_entity_2": fewer},
        "machine": {"before": state_before, "after": machine_state()},
        "reference_not_measured_here": {
            "session_buddy_0_36_ms_per_entity": 8.9,
            "source": (
                "the figure quoted in the project's discovery requirements for session-buddy "
                "0.36 (about 90 s for 10,000 entities), measured on another machine; it is not "
                "run here, so no ratio to it is claimed"
            ),
        },
        "targets": {
            "job_s_defaults": target(default["job_s"], 10.0, at_least=False),
            "find_proposals_s_defaults": target(default["find_proposals_s"], 10.0, at_least=False),
            "job_s_max_per_entity_2": target(fewer["job_s"], 10.0, at_least=False),
            "slowest_batch_s_defaults": target(
                default["slowest_batch_s"] or 0.0, 0.5, at_least=False
            ),
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
