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
proposals were computed) is written one statement per edge instead, skipping the missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from kgservice.clock import utc_now
from kgservice.errors import QueryError
from kgservice.ids import new_id
from kgservice.stores.graph import GraphStore, Transaction

BATCH_SIZE = 5_000


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
        except QueryError:  # an endpoint is gone: the engine refused the whole COPY
            with graph.transaction() as tx:
                for row in rows:
                    tx.run("discovery/propose_relation", row)
                if save_checkpoint is not None:
                    save_checkpoint(tx, written + len(batch))
        written += len(batch)
        if between_batches is not None:
            between_batches()
    return written
