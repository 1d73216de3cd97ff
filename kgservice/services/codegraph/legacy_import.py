"""The code graph model's side of the session-buddy import: ``code_graphs`` rows as the
importer's mapped records.

Each row is converted by :func:`~kgservice.services.codegraph.legacy.convert_legacy_code_graph`
(the conversion ``import_legacy_code_graph`` uses too) and becomes one Commit
:class:`MappedNode` keyed by the row id (``repo:commit``), its repository (when new), files
and symbols as its parts and every edge among them as its edges, so the importer writes a
row whole in one batch, records it in its ledger, and a rollback removes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa

from kgservice.errors import InputError
from kgservice.services.codegraph.legacy import (
    ConvertedCodeGraph,
    convert_legacy_code_graph,
    find_repository,
    split_row_id,
)
from kgservice.services.codegraph.writing import (
    EDGE_ENDS,
    CommitWrite,
    edge_pairs,
    file_table,
    symbol_table,
)
from kgservice.services.consistency import text_of
from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    MappedEdge,
    MappedNode,
    TableReport,
    first_time,
    seeded_id,
    unique_rows,
)

TABLE = "code_graphs"


class LegacyCodeGraphs:
    """Maps ``code_graphs`` rows onto Repository, Commit, CodeFile and Symbol nodes.

    Ids are ULIDs of the row's own time (``indexed_at``, else ``timestamp``) seeded by the
    row id, so a resumed import maps a row to the ids it wrote before. The texts of files
    and symbols are searchable at once; their vectors are left to the backfill, as
    ``import_legacy_code_graph`` leaves them (embedding every symbol of every commit would
    make the import take minutes).
    """

    def map_code_graphs(
        self, rows: list[dict[str, Any]], context: MapContext
    ) -> Iterator[MappedTable]:
        """One table of Commit nodes; malformed rows are skipped with the reason."""
        report = TableReport(file="", table=TABLE)
        report.source = len(rows)
        rows = unique_rows(report, rows)
        known = context.known(row["id"] for row in rows)
        repositories: dict[str, str] = {}  # repository path -> id, found or made this run
        mapped = MappedTable(report)
        for row in rows:
            legacy_id = row["id"]
            earlier = known.get(legacy_id)
            if earlier is not None and (earlier.job_id != context.job_id or not context.job_id):
                report.already += 1
                continue
            moment = first_time(
                report, legacy_id, context.started, row.get("indexed_at"), row.get("timestamp")
            )
            try:
                repo_path, _ = split_row_id(legacy_id)
                if repo_path not in repositories:
                    found = find_repository(context.graph, context.namespace, repo_path)
                    if found is not None:
                        repositories[repo_path] = found
                converted = convert_legacy_code_graph(
                    legacy_id,
                    row["graph_data"] or "",
                    repositories.get(repo_path),
                    _minter(context, legacy_id, moment),
                )
            except InputError as exc:
                report.skip(f"malformed {exc.field}: {exc.reason}", legacy_id)
                continue
            repositories[repo_path] = converted.repository_id
            node = commit_node(converted, context.namespace, moment, context.job_id)
            if earlier is not None:  # committed before this job was stopped
                _mark_existing(node)
            mapped.nodes.append(node)
            report.imported += 1
        yield mapped


def _minter(context: MapContext, legacy_id: str, moment: datetime) -> Callable[[str], str]:
    """Ids of the row's nodes: the n-th node of a table gets the same id in every run."""
    counts: Counter[str] = Counter()

    def mint(label: str) -> str:
        counts[label] += 1
        seed = context.seed(TABLE, f"{legacy_id}\x00{label}\x00{counts[label]}")
        return seeded_id(moment, label, seed)

    return mint


def commit_node(
    converted: ConvertedCodeGraph, namespace: str, moment: datetime, job_id: str | None
) -> MappedNode:
    """The row's Commit, its new repository, files and symbols (parts) and their edges."""
    plan = converted.commit_write(namespace, moment, job_id)
    parts: list[MappedNode] = []
    if plan.new_repository is not None:
        repo = plan.new_repository
        parts.append(
            MappedNode(
                "Repository",
                repo.id,
                {
                    "namespace": namespace,
                    "created_at": moment,
                    "legacy_id": repo.legacy_id,
                    "name": repo.name,
                    "remote": repo.remote,
                    "path": repo.path,
                },
            )
        )
    for label, table in (
        ("CodeFile", file_table(plan.files, namespace, moment)),
        ("Symbol", symbol_table(plan.symbols, namespace, moment)),
    ):
        for properties in pa.table(table).to_pylist():
            text = text_of(label, properties)
            node_id = properties.pop("id")
            parts.append(MappedNode(label, node_id, properties, text=text, embed=False))
    commit = MappedNode(
        "Commit",
        plan.commit_id,
        {
            "namespace": namespace,
            "created_at": moment,
            "legacy_id": plan.legacy_id,
            "sha": plan.sha,
            "ref": plan.ref,
            "message": plan.message,
            "authored_at": plan.authored_at,
            "indexed_at": moment,
            "file_count": len(plan.file_ids),
        },
        keys=[converted.row_id],
        parts=parts,
        edges=commit_edges(plan),
    )
    return commit


def commit_edges(plan: CommitWrite) -> list[MappedEdge]:
    """Every edge a commit adds, as :func:`~kgservice.services.codegraph.writing.write_commit`
    writes them."""
    edges = [MappedEdge("HAS_COMMIT", "Repository", plan.repository_id, "Commit", plan.commit_id)]
    for rel, pairs in edge_pairs(plan).items():
        source, target = EDGE_ENDS[rel]
        edges += [MappedEdge(rel, source, a, target, b) for a, b in pairs]
    return edges


def _mark_existing(node: MappedNode) -> None:
    """A row an earlier run of the same job committed: its nodes are there (the writer
    only completes their vectors), its key recorded."""
    node.existing = True
    node.keys = []
    for part in node.parts:
        part.existing = True
