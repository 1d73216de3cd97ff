"""Importing a session-buddy installation, end to end (target: 10,000 conversations with
stored embeddings <= 20 s).

Builds ``reflection.duckdb`` with 10,000 ``conversations_v2`` rows (texts naming some of
200 entities, real MiniLM embeddings stored as FLOAT[384], cached in
``~/.cache/kgservice-bench/``) plus 100 reflections, and ``knowledge_graph.duckdb`` with the
200 entities and 300 relations. Then times, in this process on fresh stores: the import
job from the file check to the verification (mapping, the vector-reuse check, COPY
batches, vectors, mention linking), a second run that finds everything already there,
and a rollback. Then, apart, ``code_graphs`` rows of one repository (20 commits of 50
modules of 25 functions: 27,000 file and symbol texts, searchable at once, vectors left to
the backfill) are imported and rolled back. Then, on other fresh stores, ``skills.db``
with 100,000 ``skill_invocation`` rows (40 skills, 5,000 sessions, none of them stored) is
imported alone (target <= 30 s), repeated and rolled back.

Run: ``uv run kgservice bench imports`` (``--quick``: 2,000 conversations, 20,000
invocations).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from bench.common import scratch_stores, target
from bench.vector_search import cache_dir
from kgservice.embedding import Embedder
from kgservice.services.imports.job import ImportParameters
from kgservice.services.registry import Services
from kgservice.stores.opening import load_embedder

STEMS = ["graph", "vector", "cache", "queue", "stream", "auth", "parse", "trace", "shard", "sync"]
ENDS = ["db", "kit", "lite", "flow", "core", "hub", "ql", "io", "lab", "ops", "ify", "ly", "er"]
WORK = [
    "Moved the {a} writes behind one lock; {b} now reads from a pool of connections.",
    "Profiled {a}: most time went to planning each statement, so batches use COPY now.",
    "Replaced the {a} adapter with {b}; the tests for session chains pass again.",
    "Reviewed why {a} drops events under load; a bounded queue in front of {b} fixed it.",
    "Paired on the {a} migration: the down script restores the old columns exactly.",
]
BASE = datetime(2025, 1, 6, 8, 30)  # noqa: DTZ001 (session-buddy keeps naive times)


def entity_names(count: int) -> list[str]:
    """Distinct library-like names."""
    names = [f"{stem}{end}" for stem in STEMS for end in ENDS]
    return names[:count]


def conversation_texts(count: int, names: Sequence[str], rng: random.Random) -> list[str]:
    """Work notes naming two entities each, made distinct by a ticket number."""
    return [
        f"{rng.choice(WORK).format(a=rng.choice(names), b=rng.choice(names))} (ticket {i})"
        for i in range(count)
    ]


def embed_cached(embedder: Embedder, texts: Sequence[str]) -> np.ndarray[Any, Any]:
    """Embed ``texts``, reusing a cached copy keyed by their content."""
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache_dir() / f"imports-{embedder.model_name}-{digest}.npy"
    if path.exists():
        cached: np.ndarray[Any, Any] = np.load(path)
        return cached
    vectors = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def build_files(folder: Path, embedder: Embedder, count: int) -> tuple[Path, Path]:
    """Write reflection.duckdb and knowledge_graph.duckdb into ``folder``."""
    rng = random.Random(14)
    names = entity_names(200)
    texts = conversation_texts(count, names, rng)
    vectors = embed_cached(embedder, texts)
    moments = [BASE + timedelta(minutes=3 * i, milliseconds=i % 1000) for i in range(count)]
    conversations = pa.table(
        {
            "id": [hashlib.sha256(t.encode()).hexdigest()[:16] for t in texts],
            "content": texts,
            "embedding": pa.FixedSizeListArray.from_arrays(
                pa.array(vectors.reshape(-1), pa.float32()), 384
            ),
            "project": [rng.choice(["kgservice", "buddy", "infra"]) for _ in texts],
            "timestamp": pa.array(moments, pa.timestamp("us")),
            "metadata": ['{"source": "claude-code"}'] * count,
        }
    )
    reflection = folder / "reflection.duckdb"
    connection = duckdb.connect(str(reflection))
    connection.register("conversations_src", conversations)
    connection.execute(
        "CREATE TABLE conversations_v2 AS SELECT id, content, "
        "embedding::FLOAT[384] AS embedding, project, timestamp, metadata FROM conversations_src"
    )
    lessons = [f"Lesson {i}: prefer COPY batches when loading {names[i]}." for i in range(100)]
    lesson_vectors = embed_cached(embedder, lessons)
    connection.execute(
        "CREATE TABLE reflections_v2 (id VARCHAR, content VARCHAR, embedding FLOAT[384], "
        "tags VARCHAR[], importance_score FLOAT, project VARCHAR, timestamp TIMESTAMP)"
    )
    connection.executemany(
        "INSERT INTO reflections_v2 VALUES (?, ?, ?, ?, ?, 'kgservice', ?)",
        [
            [f"{i:032x}", text, lesson_vectors[i].tolist(), ["perf"], 0.7, BASE + timedelta(i)]
            for i, text in enumerate(lessons)
        ],
    )
    connection.close()
    knowledge = folder / "knowledge_graph.duckdb"
    connection = duckdb.connect(str(knowledge))
    connection.execute(
        "CREATE TABLE kg_entities (id VARCHAR, name VARCHAR, entity_type VARCHAR, "
        "observations VARCHAR[], properties JSON, created_at TIMESTAMP, updated_at TIMESTAMP, "
        "metadata JSON, embedding FLOAT[384])"
    )
    connection.executemany(
        "INSERT INTO kg_entities VALUES (?, ?, 'library', ?, '{}', ?, ?, NULL, NULL)",
        [
            [f"e-{i:04d}", name, [f"{name} is a library"], BASE, BASE]
            for i, name in enumerate(names)
        ],
    )
    connection.execute(
        "CREATE TABLE kg_relationships (id VARCHAR, from_entity VARCHAR, to_entity VARCHAR, "
        "relation_type VARCHAR, properties JSON, created_at TIMESTAMP, updated_at TIMESTAMP, "
        "metadata JSON)"
    )
    pairs = {(rng.randrange(200), rng.randrange(200)) for _ in range(320)}
    connection.executemany(
        "INSERT INTO kg_relationships VALUES (?, ?, ?, ?, '{}', ?, ?, NULL)",
        [
            [
                f"r-{i:04d}",
                f"e-{a:04d}",
                f"e-{b:04d}",
                rng.choice(["uses", "depends_on"]),
                BASE,
                BASE,
            ]
            for i, (a, b) in enumerate(sorted(pairs)[:300])
            if a != b
        ],
    )
    connection.close()
    return reflection, knowledge


def code_graph_data(commit: int, files: int, functions: int) -> dict[str, Any]:
    """A legacy graph_data of one commit: ``files`` modules of ``functions`` functions each
    (one renamed per commit), calling the next one and importing the next module."""
    nodes: list[dict[str, Any]] = []
    for f in range(files):
        following = (f + 1) % files
        nodes.append({"id": f"f{f}", "type": "file", "path": f"app/part{f}/mod{f}.py"})
        nodes.append(
            {
                "id": f"i{f}",
                "type": "import",
                "name": f"app.part{following}.mod{following}",
                "file_id": f"f{f}",
            }
        )
        for n in range(functions):
            name = f"step_{n}" if n else f"entry_{commit}"
            nodes.append(
                {
                    "id": f"s{f}.{n}",
                    "type": "function",
                    "name": name,
                    "file_id": f"f{f}",
                    "start_line": 1 + 10 * n,
                    "end_line": 9 + 10 * n,
                    "docstring": f"Step {n} of part {f}.",
                    "calls": [f"step_{n + 1}"] if n + 1 < functions else [],
                }
            )
    return {"nodes": nodes, "edges": []}


def build_code_graphs(folder: Path, commits: int, files: int, functions: int) -> Path:
    """A reflection.duckdb with ``commits`` code_graphs rows of one repository."""
    path = folder / "code" / "reflection.duckdb"
    path.parent.mkdir()
    connection = duckdb.connect(str(path))
    for table in ("conversations_v2", "reflections_v2"):  # empty, as the importer needs them
        connection.execute(
            f"CREATE TABLE {table} (id VARCHAR, content VARCHAR, timestamp TIMESTAMP)"
        )
    connection.execute(
        "CREATE TABLE code_graphs (id VARCHAR, repo_path VARCHAR, commit_hash VARCHAR, "
        "indexed_at TIMESTAMP, nodes_count INTEGER, graph_data JSON)"
    )
    for c in range(commits):
        data = code_graph_data(c, files, functions)
        sha = hashlib.sha1(str(c).encode(), usedforsecurity=False).hexdigest()[:12]
        connection.execute(
            "INSERT INTO code_graphs VALUES (?, '/srv/app', ?, ?, ?, ?)",
            [
                f"/srv/app:{sha}",
                sha,
                BASE + timedelta(hours=c),
                len(data["nodes"]),
                json.dumps(data),
            ],
        )
    connection.close()
    return path


def build_skills_db(folder: Path, count: int) -> Path:
    """Write skills.db with ``count`` invocations of 40 skills over 5,000 sessions."""
    rng = random.Random(14)
    skills = [f"{stem}-{end}" for stem in STEMS[:8] for end in ENDS[:5]]
    phases = ["setup", "execution", "verification", "comprehensive_hooks"]
    path = folder / "skills.db"
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE skill_invocation (id INTEGER PRIMARY KEY, skill_name TEXT, "
            "invoked_at TEXT, session_id TEXT, workflow_path TEXT, completed BOOLEAN, "
            "duration_seconds REAL, user_query TEXT, alternatives_considered TEXT, "
            "selection_rank INTEGER, follow_up_actions TEXT, error_type TEXT, created_at TEXT, "
            "embedding BLOB, workflow_phase TEXT, workflow_step_id TEXT)"
        )
        rows = []
        for i in range(count):
            moment = (BASE + timedelta(seconds=37 * i, milliseconds=i % 1000)).isoformat()
            done = rng.random() < 0.8
            rows.append(
                (
                    i + 1,
                    rng.choice(skills),
                    moment,
                    f"sess-{i // 20}",
                    None,
                    done,
                    round(rng.uniform(0.2, 90.0), 3) if i % 50 else None,
                    f"run the checks on module {i % 700}",
                    '["' + rng.choice(skills) + '"]',
                    1 + i % 3,
                    None,
                    None if done else rng.choice(["TimeoutError", "ValueError"]),
                    moment,
                    None,
                    phases[i % 4],
                    None,
                )
            )
        connection.executemany(
            f"INSERT INTO skill_invocation VALUES ({', '.join(['?'] * 16)})", rows
        )
    connection.close()
    return path


def skills_figures(count: int) -> dict[str, Any]:
    """Import ``count`` invocations into fresh stores; time it, a repeat and a rollback."""
    with (
        tempfile.TemporaryDirectory(prefix="kg-bench-skills-") as folder,
        scratch_stores() as stores,
    ):
        services = Services.create(stores, load_embedder(stores.settings))
        parameters = ImportParameters.checked(skills_db=build_skills_db(Path(folder), count))
        load = os.getloadavg()
        first = timed_import(services, parameters)
        again = timed_import(services, parameters)
        started = time.perf_counter()
        services.imports.rollback(first["job_id"])
        rollback_s = time.perf_counter() - started
    keep = ("job_s", "cpu_s", "first_batch_committed_s", "imported", "already", "verified")
    return {
        "invocations": count,
        "load_average_before": load,
        "import": {k: first[k] for k in keep},
        "repeat_import": {k: again[k] for k in keep},
        "rollback_s": round(rollback_s, 2),
        "invocations_per_s": round(count / first["job_s"], 1),
    }


def timed_import(services: Services, parameters: ImportParameters) -> dict[str, Any]:
    """Run one import job from the file check on; time it and its phases."""
    marks: dict[str, float] = {}
    cpu_started = time.process_time()
    started = time.perf_counter()

    def listener(progress: float, counts: Mapping[str, Any]) -> None:
        phase = str(counts.get("phase"))
        marks.setdefault(phase, time.perf_counter() - started)

    services.imports.check(parameters)
    job = services.imports.create(parameters)
    finished = services.jobs.run(job.id, listener=listener)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    counts = finished.counts
    vectors = counts.get("vectors", {}).get("conversations_v2", {})
    return {
        "job_id": job.id,
        "status": finished.status,
        "job_s": round(elapsed, 2),
        "cpu_s": round(cpu, 2),  # this process, all threads: less sensitive to other load
        "first_batch_committed_s": round(marks.get("writing", 0.0), 2),
        "writes_done_s": round(marks.get("mentions", elapsed), 2),
        "imported": counts.get("imported"),
        "already": counts.get("already"),
        "vectors_reused": vectors.get("reused"),
        "vectors_embedded": vectors.get("embedded"),
        "reuse_check": vectors.get("check"),
        "mentions": counts.get("mentions"),
        "verified": counts.get("verification", {}).get("ok"),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Build the files, then time an import, a repeat and a rollback."""
    count = 2_000 if quick else 10_000
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="kg-bench-legacy-") as folder,
        scratch_stores() as stores,
    ):
        embedder = load_embedder(stores.settings)
        reflection, knowledge = build_files(Path(folder), embedder, count)
        services = Services.create(stores, embedder)
        parameters = ImportParameters.checked(reflection_db=reflection, kg_db=knowledge)
        first = timed_import(services, parameters)
        again = timed_import(services, parameters)
        started = time.perf_counter()
        services.imports.rollback(first["job_id"])
        rollback_s = time.perf_counter() - started
        commits, files, functions = (5, 20, 20) if quick else (20, 50, 25)
        code = build_code_graphs(Path(folder), commits, files, functions)
        code_import = timed_import(services, ImportParameters.checked(reflection_db=code))
        texts = commits * files * (functions + 2)  # a file, its module symbol, functions
        started = time.perf_counter()
        services.imports.rollback(code_import["job_id"])
        code_rollback_s = time.perf_counter() - started
    skills = skills_figures(20_000 if quick else 100_000)
    return {
        "benchmark": "imports",
        "sizes": {"conversations": count, "reflections": 100, "entities": 200, "relations": 300},
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "figures": {
            "import": first,
            "repeat_import": again,
            "rollback_s": round(rollback_s, 2),
            "conversations_per_s": round(count / first["job_s"], 1),
            "code_graphs": {
                "commits": commits,
                "file_and_symbol_texts": texts,
                "import_s": code_import["job_s"],
                "cpu_s": code_import["cpu_s"],
                "texts_per_s": round(texts / code_import["job_s"], 1),
                "rollback_s": round(code_rollback_s, 2),
                "verified": code_import["verified"],
            },
            "skill_invocations": skills,
        },
        "targets": {
            "import_s": target(first["job_s"], 20.0, at_least=False),
            "skill_invocations_import_s": target(skills["import"]["job_s"], 30.0, at_least=False),
        },
    }
