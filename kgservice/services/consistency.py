"""Agreement between the graph (the source of truth) and the vector store.

Every text-bearing node should have its text and vector indexed; every indexed id should be
a live node. ``find_gaps`` measures both; ``backfill`` embeds what is missing and deletes
orphans. A crash between a graph commit and its vector write leaves exactly such a gap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kgservice.services.text_index import TEXT_KINDS, IndexedText, TextIndex
from kgservice.stores.graph import GraphStore
from kgservice.stores.vector_lookups import vector_node_ids
from kgservice.stores.vectors import VectorStore

BATCH = 256


def text_of(kind: str, node: dict[str, Any]) -> str:
    """The text that represents a node in the index."""
    if kind == "Entity":
        observations = "; ".join(node.get("observations") or [])
        head = f"{node['name']} ({node.get('kind') or 'entity'})"
        return f"{head}: {observations}" if observations else head
    if kind == "CodeFile":
        return str(node.get("path") or "")
    if kind == "Symbol":
        doc = node.get("docstring")
        return f"{node['qualname']}: {doc}" if doc else str(node.get("qualname") or "")
    return str(node.get("content") or "")


@dataclass
class Gaps:
    """Nodes without vectors, per kind, and indexed ids without a node."""

    graph_counts: dict[str, int] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> dict[str, float]:
        """Share of each kind's nodes that have a vector (1.0 for an empty kind)."""
        return {
            kind: 1.0 if total == 0 else 1 - len(self.missing.get(kind, [])) / total
            for kind, total in self.graph_counts.items()
        }


def iter_text_nodes(graph: GraphStore, kind: str) -> Iterator[dict[str, Any]]:
    """Every node of a text-bearing table."""
    for row in graph.run("index/all_nodes", label=kind):
        yield row["node"]


def find_gaps(graph: GraphStore, vectors: VectorStore) -> Gaps:
    """Compare the graph's text-bearing nodes with the vector store's ids.

    The vector ids are read before the graph's: writers commit a node before its vector, so
    a vector seen here belongs to a node the later graph read sees, and a write racing this
    check can never make a live node's vector look like an orphan.
    """
    indexed = set(vector_node_ids(vectors))
    texts = set(vectors.node_ids())
    gaps = Gaps()
    live: set[str] = set()
    for kind in TEXT_KINDS:
        ids = [row["id"] for row in graph.run("index/all_ids", label=kind)]
        live.update(ids)
        gaps.graph_counts[kind] = len(ids)
        gaps.missing[kind] = [node_id for node_id in ids if node_id not in indexed]
    gaps.orphans = sorted((indexed | texts) - live)
    return gaps


@dataclass
class BackfillReport:
    """What a backfill did."""

    embedded: int = 0
    orphans_removed: int = 0
    placed: int = 0
    per_kind: dict[str, int] = field(default_factory=dict)


def backfill(
    graph: GraphStore,
    index: TextIndex,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BackfillReport:
    """Embed every text-bearing node that lacks a vector; delete orphan vectors."""
    gaps = find_gaps(graph, index.vectors)
    report = BackfillReport(per_kind={k: len(v) for k, v in gaps.missing.items()})
    total = sum(report.per_kind.values())
    if dry_run:
        report.embedded, report.orphans_removed = total, len(gaps.orphans)
        return report
    index.remove(gaps.orphans)
    report.orphans_removed = len(gaps.orphans)
    for kind, missing in gaps.missing.items():
        if not missing:
            continue  # a full read of the table is only worth it when something is missing
        wanted = set(missing)
        batch: list[IndexedText] = []
        for node in iter_text_nodes(graph, kind):
            if node["id"] in wanted:
                batch.append(
                    IndexedText(node["id"], kind, node["namespace"] or "", text_of(kind, node))
                )
            if len(batch) >= BATCH:
                report.embedded += _flush(index, batch, progress, report.embedded, total)
        report.embedded += _flush(index, batch, progress, report.embedded, total)
    report.placed = place_messages(graph, index)
    return report


def place_messages(graph: GraphStore, index: TextIndex) -> int:
    """Give stored messages that lack it their place in their thread (and so the context
    of their neighbouring turns in the full-text index); returns how many were placed."""
    placed = 0
    while ids := index.vectors.unplaced("Message", BATCH):
        rows = graph.run("index/message_places", {"ids": ids})
        places = {row["id"]: (row["thread_id"], int(row["idx"])) for row in rows}
        if not places:
            break  # the rest are orphans, removed by the next backfill
        placed += index.vectors.place(places)
        if len(places) < len(ids):
            break
    return placed


def _flush(
    index: TextIndex,
    batch: list[IndexedText],
    progress: Callable[[int, int], None] | None,
    done: int,
    total: int,
) -> int:
    if not batch:
        return 0
    index.index(batch)
    count = len(batch)
    batch.clear()
    if progress is not None:
        progress(done + count, total)
    return count
