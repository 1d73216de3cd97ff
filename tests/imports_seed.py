"""A session-buddy installation built from its recorded schema, for import tests.

``tests/data/session_buddy_schema.json`` holds the tables and columns of a real
session-buddy 0.36 installation; every table of it is created here with those columns
(views of ``skills.db`` are left out), and the tables the importer reads are filled with
realistic rows and the edge cases it must handle: MD5, SHA-256-prefix, uuid7-hex and uuid4
ids, records sharing a timestamp, entities whose names differ only in case or punctuation,
relations to missing entities, unknown relation types, unparsable timestamps, empty and
``[REDACTED]`` contents, embeddings of the wrong size, and 384-dimension embeddings made by
the real embedder (so they are reused).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

SCHEMA = Path(__file__).parent / "data" / "session_buddy_schema.json"
Embed = Callable[[list[str]], Any]
BASE = datetime(2025, 3, 14, 9, 26, 53, 589000)

TOPICS = [
    "Kuzu keeps the graph in one file; COPY FROM Arrow loads a batch in one transaction.",
    "sqlite-vec stores the 384-dimension MiniLM vectors; cosine distance ranks the hits.",
    "The session chain records each compaction as a CONTINUED_AS edge on the project.",
    "DuckDB reads the legacy reflection database without a server, read-only.",
    "Typer gives every command its --help; rich draws the progress bar on stderr.",
    "Strawberry resolvers return a payload or a typed error member of the union.",
    "ULIDs keep time order (kgservice/ids.py): the first 48 bits are milliseconds.",
    "Discovery scores pairs by vector kNN, co-mention and Adamic-Adar, then types them.",
]


def schema_tables(file: str) -> dict[str, list[str]]:
    """Columns (``name TYPE``) of each table of ``file`` in the recorded schema."""
    recorded = json.loads(SCHEMA.read_text())["files"][file]["tables"]
    return {name: table["columns"] for name, table in recorded.items()}


def sha_id(content: str) -> str:
    """conversations_v2 ids: the first 16 hex digits of sha256(content)."""
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def md5_id(content: str, moment: datetime) -> str:
    """Older conversations ids: md5(content + time)."""
    return hashlib.md5((content + moment.isoformat()).encode()).hexdigest()


def uuid7_hex(moment: datetime, n: int) -> str:
    """A uuid7 as 32 hex digits (reflections_v2 ids), time from ``moment``."""
    ms = int(moment.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (n << 64) | (0x2 << 62) | (n * 7919)
    return f"{value:032x}"


@dataclass
class LegacyInstall:
    """Paths of the three files and what a test can check about them."""

    reflection_db: Path
    kg_db: Path
    skills_db: Path
    #: Legacy id -> original time, for records whose time is valid.
    times: dict[str, datetime] = field(default_factory=dict)
    conversations_v2: list[str] = field(default_factory=list)
    conversations_v1: list[str] = field(default_factory=list)
    reflections: list[str] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)  # legacy id -> name
    relations: list[str] = field(default_factory=list)
    invocations: int = 0
    #: Valid invocations per skill name (as stored: stripped).
    skill_uses: dict[str, int] = field(default_factory=dict)
    code_graphs: list[str] = field(default_factory=list)
    #: Records the importer must skip, by legacy id: the reason.
    skipped: dict[str, str] = field(default_factory=dict)


def _create(connection: Any, tables: dict[str, list[str]], keep: Callable[[str], bool]) -> None:
    for name, columns in tables.items():
        if keep(name):
            connection.execute(f'CREATE TABLE "{name}" ({", ".join(columns)})')


def _insert(connection: Any, table: str, rows: Sequence[dict[str, Any]], marker: str) -> None:
    if not rows:
        return
    names = list(rows[0])
    marks = ", ".join([marker] * len(names))
    quoted = ", ".join(f'"{n}"' for n in names)
    connection.executemany(
        f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', [list(r.values()) for r in rows]
    )


def build_install(folder: Path, embed: Embed, *, conversations: int = 40) -> LegacyInstall:
    """Write the three files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    install = LegacyInstall(
        folder / "reflection.duckdb", folder / "knowledge_graph.duckdb", folder / "skills.db"
    )
    _reflection_db(install, embed, conversations)
    _knowledge_db(install)
    _skills_db(install)
    return install


def _conversation_rows(install: LegacyInstall, embed: Embed, count: int) -> list[dict[str, Any]]:
    contents = [
        f"{TOPICS[i % len(TOPICS)]} (note {i}: seen while working on kgservice)"
        for i in range(count)
    ]
    vectors = np.asarray(embed(contents), dtype=np.float32)
    rows = []
    for i, content in enumerate(contents):
        moment = BASE + timedelta(minutes=7 * i, microseconds=1000 * i)
        if i == 3:
            moment = BASE + timedelta(minutes=7 * 2, microseconds=2000)  # same time as i == 2
        legacy_id = sha_id(content)
        install.conversations_v2.append(legacy_id)
        install.times[legacy_id] = moment
        rows.append(
            {
                "id": legacy_id,
                "content": content,
                "embedding": vectors[i].tolist(),
                "category": "technical",
                "subcategory": "storage" if i % 2 else "tooling",
                "importance_score": 0.4 + (i % 5) / 10,
                "memory_tier": "long_term",
                "access_count": i % 4,
                "last_accessed": moment + timedelta(days=1),
                "project": ["kgservice", "session-buddy", None][i % 3],
                "namespace": "default",
                "timestamp": moment,
                "session_id": f"sess-{i // 10}",
                "user_id": "les",
                "searchable_content": content.lower(),
                "reasoning": None,
                "metadata": json.dumps({"source": "claude-code", "turn": i}),
                "source_type": "conversation",
                "turn_parent_id": None,
                "causal_parent_id": None,
                "fingerprint": None,
            }
        )
    odd = BASE + timedelta(days=3)
    cases = [
        ("", "empty content", odd),
        ("   \n ", "empty content", odd + timedelta(seconds=1)),
        ("[REDACTED]", "content entirely [REDACTED]", odd + timedelta(seconds=2)),
    ]
    for content, reason, moment in cases:
        legacy_id = hashlib.sha256((content + reason + str(moment)).encode()).hexdigest()[:16]
        install.skipped[legacy_id] = reason
        rows.append({**rows[0], "id": legacy_id, "content": content, "timestamp": moment})
    partly = "The API key was [REDACTED] when the session-buddy install was configured."
    rows.append({**rows[1], "id": sha_id(partly), "content": partly, "timestamp": odd})
    install.conversations_v2.append(sha_id(partly))
    install.times[sha_id(partly)] = odd
    rows.append({**rows[0]})  # the same record twice: a duplicate id, imported once
    no_time = "Timestamps can be missing: then the last access time is the best left."
    rows.append(
        {
            **rows[4],
            "id": sha_id(no_time),
            "content": no_time,
            "timestamp": None,
            "last_accessed": BASE + timedelta(days=5),
            "embedding": None,
        }
    )
    install.conversations_v2.append(sha_id(no_time))
    return rows


def _reflection_db(install: LegacyInstall, embed: Embed, count: int) -> None:
    connection = duckdb.connect(str(install.reflection_db))
    _create(connection, schema_tables("reflection.duckdb"), lambda name: True)
    _insert(connection, "conversations_v2", _conversation_rows(install, embed, count), "?")
    # An infinite timestamp is stored but cannot be a time: imported at the import's time.
    infinite = "A conversation whose timestamp was written as infinity by a broken clock."
    connection.execute(
        "INSERT INTO conversations_v2 (id, content, timestamp, project) "
        "VALUES (?, ?, 'infinity'::TIMESTAMP, 'kgservice')",
        [sha_id(infinite), infinite],
    )
    install.conversations_v2.append(sha_id(infinite))
    # The older table: MD5 ids, variable-length embeddings (one of the wrong size).
    connection.execute(
        "CREATE TABLE conversations (id VARCHAR, content VARCHAR, embedding FLOAT[], "
        "project VARCHAR, timestamp TIMESTAMP, metadata VARCHAR)"
    )
    old = [
        "Before the v2 tables, conversations were keyed by md5 of content and time.",
        "An embedding of 128 numbers came from an older model and cannot be reused.",
    ]
    vectors = np.asarray(embed(old), dtype=np.float32)
    for i, content in enumerate(old):
        moment = BASE - timedelta(days=30 - i)
        legacy_id = md5_id(content, moment)
        install.conversations_v1.append(legacy_id)
        install.times[legacy_id] = moment
        vector = vectors[i].tolist() if i == 0 else [0.1] * 128
        connection.execute(
            "INSERT INTO conversations VALUES (?, ?, ?, 'kgservice', ?, NULL)",
            [legacy_id, content, vector, moment],
        )
    reflections = [
        ("Prefer COPY over per-row CREATE for bulk loads.", ["kuzu", "performance"], 0.9),
        ("Keep every legacy id answerable through LegacyKey.", ["imports"], 0.8),
        ("Session-buddy kept both ids for 7 days; never drop the old one.", [], 1.5),
        ("Reflections keep tags and an importance between 0 and 1.", ["memory"], None),
    ]
    vectors = np.asarray(embed([r[0] for r in reflections]), dtype=np.float32)
    rows = []
    for i, (content, tags, importance) in enumerate(reflections):
        moment = BASE + timedelta(hours=i, milliseconds=17)
        legacy_id = uuid7_hex(moment, i)
        install.reflections.append(legacy_id)
        install.times[legacy_id] = moment
        rows.append(
            {
                "id": legacy_id,
                "conversation_id": install.conversations_v2[i],
                "content": content,
                "embedding": vectors[i].tolist(),
                "category": "lesson",
                "importance_score": importance,
                "tags": tags,
                "related_entities": ["kgservice"],
                "project": "kgservice",
                "timestamp": moment,
                "created_at": moment,
                "updated_at": moment,
                "metadata": json.dumps({"origin": "reflect"}),
            }
        )
    _insert(connection, "reflections_v2", rows, "?")
    _code_graphs(install, connection)
    connection.close()


#: A commit of kgservice as session-buddy's indexer saw it: files, classes, functions, an
#: import, calls (by name and as edges), inheritance, an implied edge and a dangling one.
KGSERVICE_GRAPH = {
    "nodes": [
        {"id": "f1", "type": "file", "path": "kgservice/__init__.py"},
        {"id": "f2", "type": "file", "path": "kgservice/ids.py"},
        {"id": "f3", "type": "file", "path": "kgservice/services/imports/job.py"},
        {"id": "f4", "type": "file", "path": "kgservice/stores/graph.py"},
        {
            "id": "c1",
            "type": "class",
            "name": "GraphStore",
            "file_id": "f4",
            "start_line": 20,
            "end_line": 180,
            "docstring": "Kuzu behind one lock.",
        },
        {"id": "m1", "type": "method", "name": "GraphStore.run", "file_id": "f4"},
        {
            "id": "m2",
            "type": "function",
            "name": "new_id",
            "file_id": "f2",
            "docstring": "A ULID tagged with its node label.",
        },
        {"id": "c2", "type": "class", "name": "ImportService", "file_id": "f3"},
        {
            "id": "m3",
            "type": "method",
            "name": "ImportService.run_job",
            "file_id": "f3",
            "calls": ["new_id"],
        },
        {"id": "c3", "type": "class", "name": "DryRunService", "file_id": "f3"},
        {"id": "i1", "type": "import", "name": "kgservice.ids", "file_id": "f3"},
        {"id": "i2", "type": "import", "name": "kgservice.stores.graph", "file_id": "f3"},
    ],
    "edges": [
        {"source": "c3", "target": "c2", "type": "inherits"},
        {"source": "m3", "target": "m1", "type": "calls"},
        {"source": "f4", "target": "c1", "type": "contains"},
        {"source": "m3", "target": "gone", "type": "calls"},
    ],
}
#: A later commit of the same repository, nodes keyed by id (the other accepted shape).
KGSERVICE_LATER = {
    "nodes": {
        "f1": {"type": "module", "path": "kgservice/ids.py"},
        "s1": {"type": "function", "name": "new_id", "file_id": "f1"},
        "s2": {"type": "function", "name": "id_at", "file_id": "f1", "calls": ["new_id"]},
    },
    "edges": [],
}
#: Another repository, written with the alternative key names.
BUDDY_GRAPH = {
    "nodes": [
        {
            "id": "a",
            "node_type": "function",
            "name": "checkpoint",
            "file_path": "session_buddy/server.py",
            "line_start": 10,
            "line_end": 40,
        },
        {
            "id": "b",
            "node_type": "class",
            "name": "ReflectionDB",
            "file_path": "session_buddy/db.py",
        },
    ],
    "edges": [{"from": "a", "to": "b", "relation": "calls"}],
}
#: What the three graphs become: nodes by table (a module symbol per file).
CODE_NODES = {"Commit": 3, "Repository": 2, "CodeFile": 7, "Symbol": 17}


def _code_graphs(install: LegacyInstall, connection: Any) -> None:
    rows = [
        ("/home/les/kgservice", "a3f5c2e", KGSERVICE_GRAPH, BASE + timedelta(days=1), None),
        ("/home/les/kgservice", "7c1e9d0", KGSERVICE_LATER, BASE + timedelta(days=2), None),
        ("/home/les/buddy", "9b1d77f", BUDDY_GRAPH, None, BASE + timedelta(days=2, hours=3)),
    ]
    for repo, commit, graph, indexed, stamp in rows:
        legacy_id = f"{repo}:{commit}"
        install.code_graphs.append(legacy_id)
        install.times[legacy_id] = indexed or stamp
        nodes = graph["nodes"]
        connection.execute(
            "INSERT INTO code_graphs (id, repo_path, commit_hash, indexed_at, nodes_count, "
            "graph_data, timestamp, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [legacy_id, repo, commit, indexed, len(nodes), json.dumps(graph), stamp, "{}"],
        )
    malformed = [
        (
            "0ddba11",
            [{"id": "m"}],
            "malformed graph_data: must be a JSON object with nodes and edges",
        ),
        (
            "deadbee",
            {"nodes": [{"id": "n9", "type": "lambda"}], "edges": []},
            "malformed graph_data: node 'n9' has unknown type 'lambda'",
        ),
    ]
    for commit, graph, reason in malformed:
        legacy_id = f"/home/les/buddy:{commit}"
        install.skipped[legacy_id] = reason
        connection.execute(
            "INSERT INTO code_graphs (id, repo_path, commit_hash, indexed_at, graph_data) "
            "VALUES (?, ?, ?, ?, ?)",
            [legacy_id, "/home/les/buddy", commit, BASE, json.dumps(graph)],
        )


def _knowledge_db(install: LegacyInstall) -> None:
    connection = duckdb.connect(str(install.kg_db))
    _create(connection, schema_tables("knowledge_graph.duckdb"), lambda name: True)
    entities = [
        ("kgservice", "project", ["Local-first knowledge service", "Uses Kuzu"]),
        ("KGService", "Project", ["Serves GraphQL"]),  # same name key as kgservice
        ("session-buddy", "project", ["The MCP server being replaced"]),
        ("Session Buddy", "project", ["Stores reflections in DuckDB"]),  # same key
        ("Kuzu", "library", ["Embedded graph database"]),
        ("DuckDB", "library", ["Columnar embedded database"]),
        ("sqlite-vec", "library", ["Vector search in SQLite"]),
        ("Python 3.11", "Language!", []),  # an entity type that is no valid kind
        ("   ", "concept", ["a nameless entity"]),
    ]
    rng = np.random.default_rng(7)
    ids = []
    for i, (name, kind, observations) in enumerate(entities):
        legacy_id = str(uuid.UUID(int=int(rng.integers(1 << 62)) << 64 | i, version=4))
        ids.append(legacy_id)
        moment = BASE + timedelta(minutes=i)
        if name.strip():
            install.entities[legacy_id] = name
            if name not in ("KGService", "Session Buddy"):  # merged into an earlier one
                install.times[legacy_id] = moment
        else:
            install.skipped[legacy_id] = "empty name"
        vector = rng.normal(size=384).astype(np.float32).tolist()  # another model's vectors
        connection.execute(
            "INSERT INTO kg_entities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                legacy_id,
                name,
                kind,
                observations,
                json.dumps({"stars": i}),
                moment,
                moment,
                None,
                vector,
            ],
        )
    missing = str(uuid.UUID(int=424242, version=4))
    relations = [
        (ids[0], ids[4], "uses"),
        (ids[0], ids[6], "depends_on"),
        (ids[2], ids[5], "uses"),
        (ids[0], ids[2], "inspired_by"),  # unknown type
        (ids[0], missing, "uses"),  # to a missing entity
        (ids[0], ids[1], "same_as"),  # kgservice and KGService are merged: to itself
        (ids[1], ids[4], "uses"),  # duplicate of the first after the merge
        ("Kuzu", "DuckDB", "related_to"),  # ends given by name
    ]
    for i, (source, target, kind) in enumerate(relations):
        legacy_id = str(uuid.UUID(int=(1 << 100) + i, version=4))
        moment = BASE + timedelta(hours=2, minutes=i)
        connection.execute(
            "INSERT INTO kg_relationships VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [legacy_id, source, target, kind, json.dumps({"w": i}), moment, moment, None],
        )
        if i == 4:
            install.skipped[legacy_id] = "relation to a missing entity"
        elif i == 5:
            install.skipped[legacy_id] = "relation of an entity to itself (after merging)"
        elif i == 6:
            install.skipped[legacy_id] = "duplicate relation (same ends and type)"
        else:
            install.relations.append(legacy_id)
            install.times[legacy_id] = moment
    connection.close()


SKILLS = ["crackerjack", "session-checkpoint", "code-review"]
PHASES = ["setup", "execution", "verification", "comprehensive_hooks"]


def _skills_db(install: LegacyInstall) -> None:
    """skill_invocation with its edge cases, and the V4 taxonomy tables."""
    connection = sqlite3.connect(install.skills_db)
    tables = schema_tables("skills.db")
    with connection:
        _create(
            connection,
            tables,
            lambda name: not name.startswith("v_") and not name.startswith("skill_invocation_fts"),
        )
        rows = []
        for i in range(12):
            moment = BASE + timedelta(minutes=i, milliseconds=250 * i)
            skill = SKILLS[i % 3]
            rows.append(
                {
                    "id": i + 1,
                    "skill_name": skill,
                    "invoked_at": moment.isoformat(),
                    "session_id": f"sess-{i // 4}",
                    "workflow_path": "quality/lint",
                    "completed": i % 5 != 0,
                    "duration_seconds": 1.5 * i if i % 6 != 5 else None,  # some missing
                    "user_query": "lint and test the project" if i % 4 else "",
                    "alternatives_considered": json.dumps(
                        [s for s in SKILLS if s != skill][: i % 3]
                    ),
                    "selection_rank": 1 + i % 3,
                    "follow_up_actions": json.dumps(["commit"]),
                    "error_type": None if i % 5 else "TimeoutError",
                    "created_at": moment.isoformat(),
                    "embedding": None,
                    "workflow_phase": PHASES[i % 4],
                    "workflow_step_id": f"step-{i}",
                }
            )
            install.times[f"skill_invocation:{i + 1}"] = moment
        install.skill_uses = {name: sum(r["skill_name"] == name for r in rows) for name in SKILLS}
        # An unparsable invocation time: the creation time is used.
        rows.append({**rows[0], "id": 13, "invoked_at": "yesterday-ish"})
        install.times["skill_invocation:13"] = BASE
        install.skill_uses["crackerjack"] += 1
        # A skill no taxonomy row names: created on first use.
        rows.append({**rows[1], "id": 14, "skill_name": "  pr-summary ", "session_id": None})
        install.times["skill_invocation:14"] = BASE + timedelta(minutes=1, milliseconds=250)
        install.skill_uses["pr-summary"] = 1
        # Refused by the skills rules: skipped with the rule's reason.
        bad = [
            ({**rows[2], "id": 15, "duration_seconds": -3.0}, "invalid durationMs"),
            ({**rows[2], "id": 16, "skill_name": "   "}, "invalid skill"),
            ({**rows[2], "id": 17, "selection_rank": 0}, "invalid selectionRank"),
        ]
        for row, reason in bad:
            rows.append(row)
            install.skipped[f"skill_invocation:{row['id']}"] = reason
        rows.append({**rows[3]})  # the same id twice: imported once
        _insert(connection, "skill_invocation", rows, "?")
        install.invocations = len(rows)
        categories = [
            (1, "Code Quality", None, "Reviewing code", "engineering"),  # the default one
            (2, "Static analysis", 1, "Linters and type checkers", "engineering"),
            (3, "Session management", None, None, "workflow"),
            (4, "Loop A", 5, None, None),  # a parent cycle: kept at the top
            (5, "Loop B", 4, None, None),
            (6, "Orphan", 99, None, None),  # a missing parent: kept at the top
        ]
        _insert(
            connection,
            "skill_categories",
            [
                {
                    "category_id": c[0],
                    "category_name": c[1],
                    "parent_category_id": c[2],
                    "description": c[3],
                    "domain": c[4],
                    "created_at": (BASE - timedelta(days=60)).isoformat(),
                }
                for c in categories
            ],
            "?",
        )
        mapping = [
            ("crackerjack", 2, 0.9),
            ("crackerjack", 1, 0.4),  # less confident: not kept
            ("session-checkpoint", 3, 0.8),
            ("code-review", 1, 0.7),
            ("ghost", 42, 0.5),  # an unknown category
        ]
        _insert(
            connection,
            "skill_category_mapping",
            [
                {
                    "skill_name": m[0],
                    "category_id": m[1],
                    "confidence_score": m[2],
                    "assigned_at": (BASE - timedelta(days=50)).isoformat(),
                }
                for m in mapping
            ],
            "?",
        )
        modalities = [
            ("crackerjack", "code", "code", "diagnostics", False),  # the default modality
            ("code-review", "code", "diff", "review comments", True),
            ("session-checkpoint", "text", None, None, False),  # text -> text
        ]
        _insert(
            connection,
            "skill_modalities",
            [
                {
                    "skill_name": m[0],
                    "modality_type": m[1],
                    "input_format": m[2],
                    "output_format": m[3],
                    "requires_human_review": m[4],
                    "created_at": (BASE - timedelta(days=40)).isoformat(),
                }
                for m in modalities
            ],
            "?",
        )
        _insert(
            connection,
            "skill_dependencies",
            [{"skill_a": "crackerjack", "skill_b": "code-review", "co_occurrence_count": 3}],
            "?",
        )
    connection.close()


def table_counts(graph: Any, vectors: Any) -> dict[str, int]:
    """Rows of every graph table (nodes and edges) and of the vector store's tables."""
    counts = {f"node {r['label']}": r["count"] for r in graph.run("core/count_nodes")}
    counts.update({f"rel {r['label']}": r["count"] for r in graph.run("core/count_rels")})
    counts["node_text"] = vectors.text_count()
    counts["node_vectors"] = vectors.vector_count()
    return counts
