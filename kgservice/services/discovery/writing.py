"""Writing proposals as ``proposed`` RELATED edges, a few large COPY transactions.

Each batch (at most :data:`BATCH_SIZE` edges) is one transaction that bulk-loads the edges
(COPY from an Arrow table) and saves the job's checkpoint, so a stop or a kill between
batches loses nothing and a resumed job starts at the first edge not yet committed.

Why COPY (bench/discovery.py, 10,000 entities, 22,614 edges): one CREATE statement per edge
costs 0.6-1 ms, nearly all of it the engine binding and planning each statement (the
operators take about 0.14 ms); an UNWIND over a list of structs plans its endpoint MATCHes
as cross products with a scan of every entity, 1-2 ms per edge. COPY loads about 30,000
edges a second, but its commit checkpoints the whole database (about 0.3-0.5 s here,
readers drained meanwhile), so batches are large: the writer, and readers during the
commit, wait about one batch. A batch whose COPY fails (an endpoint deleted since the
proposals were computed) or cannot commit (a long read holds a reader past the drain's
second) is written one statement per edge instead, 500 to a transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from kgservice.clock import utc_now
from kgservice.errors import StoreError
from kgservice.ids import new_id
from kgservice.stores.graph import GraphStore, Transaction

BATCH_SIZE = 5_000
#: Edges per transaction when a batch is written one statement per edge (about 0.5 s).
STATEMENT_BATCH = 500


@dataclass(frozen=True)
class Proposal:
    """A relation discovery proposes: directed, typed, scored and explained."""

    from_id: str
    to_id: str
    type: str
    score: float
    confidence: float
    method: str
    evidence: list[dict[str, Any]]


def proposal_rows(proposals: Sequence[Proposal], job_id: str | None) -> list[dict[str, Any]]:
    """Parameters of ``discovery/propose_relation`` for each proposal."""
    now = utc_now()
    return [
        {
            "from_id": p.from_id,
            "to_id": p.to_id,
            "id": new_id(),
            "type": p.type,
            "confidence": p.confidence,
            "score": p.score,
            "method": p.method,
            "evidence": json.dumps(p.evidence, sort_keys=True, default=str),
            "now": now,
            "job_id": job_id,
        }
        for p in proposals
    ]


def proposal_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """The rows of :func:`proposal_rows` as a COPY source for RELATED (its column order)."""
    count = len(rows)
    return pa.table(
        {
            "from": pa.array([r["from_id"] for r in rows], pa.string()),
            "to": pa.array([r["to_id"] for r in rows], pa.string()),
            "type": pa.array([r["type"] for r in rows], pa.string()),
            "confidence": pa.array([r["confidence"] for r in rows], pa.float64()),
            "score": pa.array([r["score"] for r in rows], pa.float64()),
            "method": pa.array([r["method"] for r in rows], pa.string()),
            "evidence": pa.array([r["evidence"] for r in rows], pa.string()),
            "status": pa.array(["proposed"] * count, pa.string()),
            "valid_from": pa.array([r["now"] for r in rows], pa.timestamp("us")),
            "valid_to": pa.nulls(count, pa.timestamp("us")),
            "job_id": pa.array([r["job_id"] for r in rows], pa.string()),
            "id": pa.array([r["id"] for r in rows], pa.string()),
        }
    )


def batches(proposals: Sequence[Proposal], size: int = BATCH_SIZE) -> list[Sequence[Proposal]]:
    """Split proposals into consecutive batches of at most ``size``."""
    return [proposals[start : start + size] for start in range(0, len(proposals), size)]


def write_batches(
    graph: GraphStore,
    proposals: Sequence[Proposal],
    job_id: str | None,
    *,
    batch_size: int = BATCH_SIZE,
    save_checkpoint: Callable[[Transaction, int], None] | None = None,
    between_batches: Callable[[], None] | None = None,
) -> int:
    """Write proposals batch by batch, one transaction each; return how many were written.

    ``save_checkpoint(transaction, written)`` runs inside each batch's transaction, so the
    checkpoint commits with the batch; ``between_batches()`` runs after each commit and may
    raise to stop (a resumed job starts after the last committed batch).
    """
    written = 0
    for batch in batches(proposals, min(batch_size, BATCH_SIZE)):
        rows = proposal_rows(batch, job_id)
        try:
            with graph.transaction() as tx:
                tx.copy_from_arrow("RELATED", proposal_table(rows))
                if save_checkpoint is not None:
                    save_checkpoint(tx, written + len(batch))
        except StoreError:
            # The engine refused the whole COPY (an endpoint is gone: QueryError), or a long
            # read kept a reader, so the COPY commit could not checkpoint.
            _write_by_statements(graph, rows, written, save_checkpoint)
        written += len(batch)
        if between_batches is not None:
            between_batches()
    return written


def _write_by_statements(
    graph: GraphStore,
    rows: Sequence[dict[str, Any]],
    written: int,
    save_checkpoint: Callable[[Transaction, int], None] | None,
) -> None:
    """Write a batch one statement per edge (an edge whose endpoint is gone makes nothing),
    in transactions of :data:`STATEMENT_BATCH` edges, so the writer is held about as long
    as by one COPY batch."""
    for start in range(0, len(rows), STATEMENT_BATCH):
        part = rows[start : start + STATEMENT_BATCH]
        with graph.transaction() as tx:
            for row in part:
                tx.run("discovery/propose_relation", row)
            if save_checkpoint is not None:
                save_checkpoint(tx, written + start + len(part))
