"""Writing one indexed commit: a single transaction of bulk loads (COPY from Arrow).

The repository (when new) and the commit are one statement each; the new file versions,
their symbols and every edge are COPY loads, about 30,000 rows a second where one
statement per row costs about a millisecond (see :mod:`kgservice.services.discovery.writing`).
One transaction makes a commit all or nothing, so an interrupted run leaves no half commit
and running it again is the same as running it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from kgservice.clock import utc_now
from kgservice.errors import NotFoundError
from kgservice.stores.graph import GraphStore, Transaction

Pairs = Sequence[tuple[str, str]]


@dataclass
class FileRow:
    """A new file version."""

    id: str
    path: str
    module: str
    content_hash: str
    lines: int | None
    size: int | None
    error: str | None
    analysis: str | None
    language: str = "python"
    #: Names it imports that its repository does not define (None: not known).
    unresolved_imports: list[str] | None = None


@dataclass(frozen=True)
class SymbolRow:
    """A symbol, defined by the file version ``file_id``: a new one to write, or one read
    back with its commit (:class:`~kgservice.services.codegraph.commit_graph.SymbolInfo`)."""

    id: str
    file_id: str
    name: str
    qualname: str
    kind: str
    module: str
    line_start: int | None
    line_end: int | None
    docstring: str | None


@dataclass
class RepositoryRow:
    """A repository to create (when it is new)."""

    id: str
    name: str
    path: str
    remote: str | None
    legacy_id: str | None = None


@dataclass
class CommitWrite:
    """Everything one commit adds to the graph."""

    namespace: str
    repository_id: str
    commit_id: str
    sha: str
    ref: str | None
    message: str | None
    authored_at: datetime | None
    file_ids: list[str]  # every version the commit contains, new or reused
    new_repository: RepositoryRow | None = None
    project_id: str | None = None
    indexed_at: datetime | None = None  # when the commit was indexed (now when None)
    legacy_id: str | None = None  # also kept as a LegacyKey of the commit
    files: list[FileRow] = field(default_factory=list)
    symbols: list[SymbolRow] = field(default_factory=list)
    imports: Pairs = ()
    calls: Pairs = ()
    inherits: Pairs = ()


def _strings(values: Sequence[Any]) -> pa.Array:
    return pa.array(values, pa.string())


def _ints(values: Sequence[Any]) -> pa.Array:
    return pa.array(values, pa.int64())


def _node_columns(ids: Sequence[str], namespace: str, now: datetime) -> dict[str, pa.Array]:
    """The columns every node table starts with: id, namespace, created_at, legacy_id."""
    count = len(ids)
    return {
        "id": _strings(ids),
        "namespace": _strings([namespace] * count),
        "created_at": pa.array([now] * count, pa.timestamp("us")),
        "legacy_id": pa.nulls(count, pa.string()),
    }


def file_table(rows: Sequence[FileRow], namespace: str, now: datetime) -> dict[str, pa.Array]:
    """CodeFile columns by name."""
    return {
        **_node_columns([r.id for r in rows], namespace, now),
        "path": _strings([r.path for r in rows]),
        "module": _strings([r.module for r in rows]),
        "language": _strings([r.language for r in rows]),
        "content_hash": _strings([r.content_hash for r in rows]),
        "lines": _ints([r.lines for r in rows]),
        "size": _ints([r.size for r in rows]),
        "error": _strings([r.error for r in rows]),
        "analysis": _strings([r.analysis for r in rows]),
        "unresolved_imports": pa.array([r.unresolved_imports for r in rows], pa.list_(pa.string())),
    }


def symbol_table(rows: Sequence[SymbolRow], namespace: str, now: datetime) -> dict[str, pa.Array]:
    """Symbol columns by name."""
    return {
        **_node_columns([r.id for r in rows], namespace, now),
        "name": _strings([r.name for r in rows]),
        "qualname": _strings([r.qualname for r in rows]),
        "kind": _strings([r.kind for r in rows]),
        "line_start": _ints([r.line_start for r in rows]),
        "line_end": _ints([r.line_end for r in rows]),
        "module": _strings([r.module for r in rows]),
        "docstring": _strings([r.docstring for r in rows]),
    }


def _ordered(graph: GraphStore, table: str, columns: dict[str, pa.Array]) -> pa.Table:
    """The columns in the table's own order (COPY matches them by position)."""
    return pa.table({name: columns[name] for name in graph.columns(table)})


def _pairs(pairs: Pairs) -> pa.Table:
    return pa.table(
        {"from": _strings([a for a, _ in pairs]), "to": _strings([b for _, b in pairs])}
    )


def write_commit(graph: GraphStore, plan: CommitWrite) -> None:
    """Write the commit of ``plan`` in one transaction."""
    now = utc_now()
    with graph.transaction() as tx:
        if plan.new_repository is not None:
            repo = plan.new_repository
            tx.run(
                "codegraph/create_repository",
                {
                    "id": repo.id,
                    "namespace": plan.namespace,
                    "now": now,
                    "legacy_id": repo.legacy_id,
                    "name": repo.name,
                    "remote": repo.remote,
                    "path": repo.path,
                },
            )
        tx.run(
            "codegraph/create_commit",
            {
                "repository_id": plan.repository_id,
                "id": plan.commit_id,
                "now": plan.indexed_at or now,
                "legacy_id": plan.legacy_id,
                "sha": plan.sha,
                "ref": plan.ref,
                "message": plan.message,
                "authored_at": plan.authored_at,
                "file_count": len(plan.file_ids),
            },
        )
        if plan.legacy_id is not None:
            tx.run(
                "codegraph/create_legacy_key", {"key": plan.legacy_id, "node_id": plan.commit_id}
            )
        if plan.project_id is not None:
            link_project(tx, plan.repository_id, plan.project_id)
        _copy(tx, graph, plan, now)


def link_project(tx: Transaction, repository_id: str, project_id: str) -> None:
    """Put the repository in the project (NotFoundError when there is no such project)."""
    rows = tx.run(
        "codegraph/link_project", {"repository_id": repository_id, "project_id": project_id}
    )
    if not rows:
        raise NotFoundError(project_id, "project")


def _copy(tx: Transaction, graph: GraphStore, plan: CommitWrite, now: datetime) -> None:
    if plan.files:
        tx.copy_from_arrow(
            "CodeFile", _ordered(graph, "CodeFile", file_table(plan.files, plan.namespace, now))
        )
    if plan.symbols:
        tx.copy_from_arrow(
            "Symbol", _ordered(graph, "Symbol", symbol_table(plan.symbols, plan.namespace, now))
        )
    for rel, pairs in edge_pairs(plan).items():
        tx.copy_from_arrow(rel, _pairs(pairs))


#: The tables each edge of a commit connects (HAS_COMMIT is made with the commit itself).
EDGE_ENDS = {
    "CONTAINS": ("Commit", "CodeFile"),
    "DEFINES": ("CodeFile", "Symbol"),
    "IMPORTS": ("CodeFile", "CodeFile"),
    "CALLS": ("Symbol", "Symbol"),
    "INHERITS": ("Symbol", "Symbol"),
}


def edge_pairs(plan: CommitWrite) -> dict[str, Pairs]:
    """The edges the commit's COPY loads add, by rel table (ends as in :data:`EDGE_ENDS`)."""
    return {
        "CONTAINS": [(plan.commit_id, f) for f in plan.file_ids],
        "DEFINES": [(s.file_id, s.id) for s in plan.symbols],
        "IMPORTS": plan.imports,
        "CALLS": plan.calls,
        "INHERITS": plan.inherits,
    }
