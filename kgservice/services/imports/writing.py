"""Writing mapped tables: batches of nodes, edges, legacy keys and the ledger by COPY.

Each batch is one graph transaction that bulk-loads (COPY from Arrow) its nodes (each with
its parts: a record made of many nodes is never split), their edges, the legacy keys
recorded for them and the ``ImportedNode`` ledger rows, and saves the job's checkpoint, so
a stopped or killed import resumes after the last committed batch (the legacy keys say
what is there). Vectors (or, for texts left to the backfill, the texts) are stored after
the commit; a batch whose vectors or texts were lost to a kill is completed when the job
resumes (its nodes come back ``existing``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import MappedEdge, MappedNode
from kgservice.services.imports.vector_reuse import ReuseDecision, decide_reuse
from kgservice.stores.arrow_types import arrow_type
from kgservice.stores.graph import GraphStore, Transaction
from kgservice.stores.vector_lookups import has_vectors
from kgservice.stores.vectors import TextItem, VectorItem, VectorStore

BATCH_SIZE = 5_000
Embed = Callable[[list[str]], npt.NDArray[np.float32]]


def wholes(nodes: Iterable[MappedNode]) -> list[MappedNode]:
    """The nodes with their parts."""
    return [part for node in nodes for part in node.whole()]


def batched(
    items: Sequence[MappedNode | MappedEdge], size: int
) -> Iterator[list[MappedNode | MappedEdge]]:
    """``items`` in batches of about ``size`` rows (a node counts with its parts; one never
    straddles two batches)."""
    batch: list[MappedNode | MappedEdge] = []
    weight = 0
    for item in items:
        cost = 1 + len(item.parts) if isinstance(item, MappedNode) else 1
        if batch and weight + cost > size:
            yield batch
            batch, weight = [], 0
        batch.append(item)
        weight += cost
    if batch:
        yield batch


@dataclass
class VectorCounts:
    """How a table's vectors were obtained."""

    reused: int = 0
    embedded: int = 0
    #: Texts stored for full-text search, their vectors left to the backfill.
    deferred: int = 0
    decision: ReuseDecision | None = None

    def as_json(self) -> dict[str, Any]:
        """The counts as a JSON object."""
        value: dict[str, Any] = {"reused": self.reused, "embedded": self.embedded}
        if self.deferred:
            value["deferred"] = self.deferred
        if self.decision is not None:
            value["check"] = self.decision.as_json()
        return value


@dataclass
class TableWriter:
    """Writes mapped tables of one import into the graph and the vector store."""

    graph: GraphStore
    vectors: VectorStore
    embed: Embed
    job_id: str
    batch_size: int = BATCH_SIZE
    _types: dict[str, list[tuple[str, pa.DataType]]] = field(default_factory=dict)
    _connections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def write(
        self,
        mapped: MappedTable,
        context: MapContext,
        save: Callable[[Transaction, int, int], None],
        between: Callable[[], None],
    ) -> VectorCounts:
        """Write ``mapped`` batch by batch; ``save(tx, done, total)`` checkpoints inside each
        batch transaction (items written so far, of all), ``between()`` runs after each commit
        (and may raise to stop)."""
        counts = VectorCounts()
        texts = [n for n in wholes(mapped.nodes) if n.text is not None and n.embed]
        decision = decide_reuse(texts, self.embed)
        counts.decision = decision
        if not decision.reuse:
            for node in texts:
                node.embedding = None
        self._repair_vectors([n for n in texts if n.existing], context.namespace, counts)
        self._store_texts(  # unchanged texts are left as they are
            [n for n in wholes(mapped.nodes) if n.existing and n.text is not None and not n.embed],
            context.namespace,
        )
        new = [n for n in mapped.nodes if not n.existing]
        keyed = [n for n in mapped.nodes if n.existing and n.keys]
        items: list[MappedNode | MappedEdge] = [*new, *mapped.edges]
        batches = list(batched(items, self.batch_size)) or ([[]] if keyed else [])
        done = 0
        for number, batch in enumerate(batches):
            nodes = [i for i in batch if isinstance(i, MappedNode)]
            edges = [i for i in batch if isinstance(i, MappedEdge)]
            if number == 0:
                nodes = [*nodes, *keyed]
            with_text = [n for n in wholes(nodes) if n.text is not None and not n.existing]
            deferred = [n for n in with_text if not n.embed]
            with_text = [n for n in with_text if n.embed]
            self._fill_vectors(with_text, counts)
            with self.graph.transaction() as tx:
                self._copy_batch(tx, context, nodes, edges)
                done += len(batch)
                save(tx, done, len(items))
            self._store_vectors(with_text, context.namespace)
            self._store_texts(deferred, context.namespace)
            counts.deferred += len(deferred)
            between()
        return counts

    # -- graph -------------------------------------------------------------------------
    def _copy_batch(
        self,
        tx: Transaction,
        context: MapContext,
        nodes: Sequence[MappedNode],
        edges: Sequence[MappedEdge],
    ) -> None:
        projects = context.take_projects()
        created = [*projects, *(n for n in wholes(nodes) if not n.existing)]
        by_label: dict[str, list[MappedNode]] = {}
        for node in created:
            by_label.setdefault(node.label, []).append(node)
        for label, group in by_label.items():
            tx.copy_from_arrow(label, self._node_table(label, group))
        all_edges = [*(e for n in created for e in n.edges), *edges]
        by_pair: dict[tuple[str, str, str], list[MappedEdge]] = {}
        for edge in all_edges:
            by_pair.setdefault((edge.rel, edge.from_label, edge.to_label), []).append(edge)
        for (rel, source, target), pair_edges in by_pair.items():
            pair = (source, target) if len(self._pairs(rel)) > 1 else None
            tx.copy_from_arrow(rel, self._edge_table(rel, pair_edges), pair=pair)
        keys = [(key, n.label, n.id) for n in wholes(nodes) for key in n.keys]
        keys += [(e.legacy_id, e.rel, str(e.properties.get("id"))) for e in edges if e.legacy_id]
        if keys:
            tx.copy_from_arrow(
                "LegacyKey",
                pa.table(
                    {
                        "key": pa.array([k[0] for k in keys], pa.string()),
                        "label": pa.array([k[1] for k in keys], pa.string()),
                        "node_id": pa.array([k[2] for k in keys], pa.string()),
                        "job_id": pa.array([self.job_id] * len(keys), pa.string()),
                    }
                ),
            )
        if created:
            tx.copy_from_arrow(
                "ImportedNode",
                pa.table(
                    {
                        "node_id": pa.array([n.id for n in created], pa.string()),
                        "label": pa.array([n.label for n in created], pa.string()),
                        "job_id": pa.array([self.job_id] * len(created), pa.string()),
                    }
                ),
            )

    def _columns(self, table: str) -> list[tuple[str, pa.DataType]]:
        cached = self._types.get(table)
        if cached is None:
            rows = self.graph.execute_catalog(f"CALL table_info('{table}') RETURN name, type")
            cached = [(row["name"], arrow_type(table, row["type"])) for row in rows]
            self._types[table] = cached
        return cached

    def _pairs(self, rel: str) -> list[tuple[str, str]]:
        """The (from, to) tables rel table ``rel`` connects (COPY needs one named if many)."""
        cached = self._connections.get(rel)
        if cached is None:
            rows = self.graph.execute_catalog(
                f"CALL show_connection('{rel}') "
                "RETURN `source table name` AS source, `destination table name` AS target"
            )
            cached = self._connections[rel] = [(row["source"], row["target"]) for row in rows]
        return cached

    def _node_table(self, label: str, nodes: Sequence[MappedNode]) -> pa.Table:
        data = {}
        for name, kind in self._columns(label):
            if name == "id":
                values: list[Any] = [n.id for n in nodes]
            else:
                values = [n.properties.get(name) for n in nodes]
            data[name] = pa.array(values, kind)
        return pa.table(data)

    def _edge_table(self, rel: str, edges: Sequence[MappedEdge]) -> pa.Table:
        data: dict[str, pa.Array] = {
            "from": pa.array([e.from_id for e in edges], pa.string()),
            "to": pa.array([e.to_id for e in edges], pa.string()),
        }
        for name, kind in self._columns(rel):
            data[name] = pa.array([e.properties.get(name) for e in edges], kind)
        return pa.table(data)

    # -- vectors -----------------------------------------------------------------------
    def _fill_vectors(self, nodes: Sequence[MappedNode], counts: VectorCounts) -> None:
        """Embed the texts of nodes without a reusable stored vector."""
        missing = [n for n in nodes if n.embedding is None]
        counts.reused += len(nodes) - len(missing)
        counts.embedded += len(missing)
        if missing:
            matrix = self.embed([str(n.text) for n in missing])
            for node, vector in zip(missing, matrix, strict=True):
                node.embedding = vector

    def _store_vectors(self, nodes: Sequence[MappedNode], namespace: str) -> None:
        self.vectors.upsert(
            [
                VectorItem(n.id, n.label, namespace, str(n.text), n.embedding)
                for n in nodes
                if n.embedding is not None
            ]
        )

    def _store_texts(self, nodes: Sequence[MappedNode], namespace: str) -> None:
        self.vectors.upsert_texts([TextItem(n.id, n.label, namespace, str(n.text)) for n in nodes])

    def _repair_vectors(
        self, nodes: Sequence[MappedNode], namespace: str, counts: VectorCounts
    ) -> None:
        """Store the vectors a killed run committed nodes for but did not store."""
        if not nodes:
            return
        stored = has_vectors(self.vectors, [n.id for n in nodes])
        lacking = [n for n in nodes if n.id not in stored]
        self._fill_vectors(lacking, counts)
        self._store_vectors(lacking, namespace)
