"""Undoing an import: exactly the nodes, edges, vectors and legacy keys it added.

The ``ImportedNode`` ledger names the nodes the import created; deleting them (with their
edges: IN_PROJECT, MENTIONS to and from them, relations between them) and their vectors,
then the relations it wrote between entities that stay (``RELATED.job_id``) and the legacy
keys it recorded (``LegacyKey.job_id``), leaves the graph as it was. Each batch deletes
vectors first, then the nodes and their ledger rows in one transaction, so a rollback
stopped half-way can be run again to finish.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kgservice.stores.graph import GraphStore
from kgservice.stores.vectors import VectorStore

BATCH = 2_000


@dataclass
class RollbackReport:
    """What a rollback removed."""

    nodes: dict[str, int] = field(default_factory=dict)
    vectors: int = 0

    def as_json(self) -> dict[str, object]:
        """The report as a JSON object."""
        return {"nodes": dict(sorted(self.nodes.items())), "vectors": self.vectors}


def roll_back(graph: GraphStore, vectors: VectorStore, job_id: str) -> RollbackReport:
    """Remove what import ``job_id`` added."""
    report = RollbackReport()
    rows = graph.run("imports/imported_nodes", {"job_id": job_id})
    by_label: dict[str, list[str]] = {}
    for row in rows:
        by_label.setdefault(row["label"], []).append(row["node_id"])
    # Texts and entities before projects, so no batch leaves a text without its project
    # while its project is gone.
    order = sorted(by_label, key=lambda label: label == "Project")
    for label in order:
        ids = by_label[label]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            report.vectors += vectors.delete(chunk)
            with graph.transaction() as tx:
                tx.run("imports/delete_edges_from", {"ids": chunk}, label=label)
                tx.run("imports/delete_edges_into", {"ids": chunk}, label=label)
                tx.run("imports/delete_nodes", {"ids": chunk}, label=label)
                tx.run("imports/delete_ledger", {"ids": chunk})
            report.nodes[label] = report.nodes.get(label, 0) + len(chunk)
    with graph.transaction() as tx:
        tx.run("imports/delete_relations", {"job_id": job_id})
        tx.run("imports/delete_legacy_keys", {"job_id": job_id})
    return report
