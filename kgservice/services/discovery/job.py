"""The discovery job: parameters, the pipeline from snapshot to proposals, and the service.

Pipeline: load the namespace (:mod:`snapshot`), drop pairs that already have any RELATED
edge, gather signals per method (:mod:`candidates`), score (:mod:`scoring`), keep pairs at
or above the threshold, keep at most ``max_per_entity`` per entity (best first, greedily)
and at most ``limit`` in all, type them (:mod:`relation_typing`) and write them
(:mod:`writing`). Everything up to the write is deterministic for a given graph, so a
resumed job recomputes the same proposals and continues from its checkpointed batch.

Calibration (:mod:`calibration`): unless the caller gives a threshold or sets ``calibrate``
false, a job's weights and threshold are learned from the namespace's reviews when it is
created, and stored in its parameters (``calibration``); a resumed job reuses the stored
ones, whatever was reviewed meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from kgservice.errors import InputError
from kgservice.services.discovery import scoring
from kgservice.services.discovery.calibration import Calibration, calibration_of
from kgservice.services.discovery.candidates import METHODS, Pair, gather_signals, known_pairs
from kgservice.services.discovery.relation_typing import TYPE_TRUST, decide_type
from kgservice.services.discovery.scoring import Scored, score, score_value
from kgservice.services.discovery.snapshot import Snapshot, load_snapshot, load_texts
from kgservice.services.discovery.writing import BATCH_SIZE, Proposal, write_batches
from kgservice.services.jobs import JobControl, JobRecord, JobRunner, JobService
from kgservice.services.knowledge.names import KIND_PATTERN
from kgservice.stores.graph import GraphStore, Transaction
from kgservice.stores.vectors import VectorStore

JOB_KIND = "discovery"
# Chosen with bench/discovery_quality.py (the 84 installed distributions, 118 declared
# dependencies as truth): at 5 per entity, F1 is flat from 0.15 to 0.35 (0.22-0.23) and
# falls beyond 0.4 (0.18 at 0.5, 0.16 at 0.75); 0.3 keeps that recall (0.18) with the
# better precision of the flat part (0.31), so fewer wrong proposals reach review. More
# per entity raises recall (5 -> 0.18, 2 -> 0.12) at the cost of more edges to write.
DEFAULT_THRESHOLD = 0.3
DEFAULT_MAX_PER_ENTITY = 5
VECTOR_NEIGHBOURS = 10
MAX_TEXTS_PER_PAIR = 5


@dataclass(frozen=True)
class DiscoveryParameters:
    """What one discovery run looks at and how much it may propose."""

    namespace: str = "default"
    kinds: tuple[str, ...] | None = None
    methods: tuple[str, ...] = METHODS
    threshold: float = DEFAULT_THRESHOLD
    max_per_entity: int = DEFAULT_MAX_PER_ENTITY
    limit: int | None = None
    dry_run: bool = False
    #: Learn weights and threshold from reviews (off when a threshold is given).
    calibrate: bool = True
    #: What calibration decided when the job was created (None: not resolved, or off).
    calibration: Calibration | None = None

    @property
    def weights(self) -> Mapping[str, float]:
        """The method weights in use: calibrated when applied, else the shipped ones."""
        if self.calibration is not None and self.calibration.applied:
            return self.calibration.weights
        return scoring.WEIGHTS

    @classmethod
    def checked(
        cls,
        *,
        namespace: str = "default",
        kinds: Sequence[str] | None = None,
        methods: Sequence[str] | None = None,
        threshold: float | None = None,
        max_per_entity: int | None = None,
        limit: int | None = None,
        dry_run: bool = False,
        calibrate: bool = True,
    ) -> DiscoveryParameters:
        """Validate inputs (InputError naming the field) and fill in the defaults.

        An explicit ``threshold`` turns calibration off, as ``calibrate=False`` does.
        """
        if not namespace.strip():
            raise InputError("namespace", "must not be empty")
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise InputError("threshold", f"must be between 0 and 1 (got {threshold})")
        if max_per_entity is not None and not 1 <= max_per_entity <= 100:
            raise InputError("maxPerEntity", "must be between 1 and 100")
        if limit is not None and limit < 1:
            raise InputError("limit", "must be at least 1")
        for kind in kinds or ():
            if not KIND_PATTERN.match(kind):
                raise InputError("kinds", f"{kind!r} is not an entity kind")
        if methods is not None:
            if not methods:
                raise InputError("methods", "must name at least one method")
            unknown = sorted(set(methods) - set(METHODS))
            if unknown:
                raise InputError(
                    "methods", f"unknown {', '.join(unknown)}; choose from {', '.join(METHODS)}"
                )
        return cls(
            namespace=namespace,
            kinds=tuple(sorted(set(kinds))) if kinds else None,
            methods=tuple(m for m in METHODS if m in set(methods)) if methods else METHODS,
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            max_per_entity=max_per_entity or DEFAULT_MAX_PER_ENTITY,
            limit=limit,
            dry_run=dry_run,
            calibrate=calibrate and threshold is None,
        )

    def as_json(self) -> dict[str, Any]:
        """The parameters as a JSON object (stored on the job)."""
        value = asdict(self)
        value["calibration"] = self.calibration.as_json() if self.calibration else None
        return value

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> DiscoveryParameters:
        """Rebuild parameters stored on a job (its calibration as stored, never relearned)."""
        stored = value.get("calibration")
        checked = cls.checked(
            namespace=value.get("namespace", "default"),
            kinds=value.get("kinds"),
            methods=value.get("methods"),
            threshold=value.get("threshold"),
            max_per_entity=value.get("max_per_entity"),
            limit=value.get("limit"),
            dry_run=bool(value.get("dry_run", False)),
        )
        return replace(
            checked,
            calibrate=bool(value.get("calibrate", False)),
            calibration=Calibration.from_json(stored) if stored else None,
        )


def with_calibration(graph: GraphStore, parameters: DiscoveryParameters) -> DiscoveryParameters:
    """Resolve the calibration of parameters that ask for it (once, when a job is created).

    When applied, the calibrated threshold replaces the default one; parameters that do not
    ask for calibration, or already carry one, are returned as they are.
    """
    if not parameters.calibrate or parameters.calibration is not None:
        return parameters
    found = calibration_of(graph, parameters.namespace, DEFAULT_THRESHOLD)
    threshold = found.threshold if found.applied else parameters.threshold
    return replace(parameters, calibration=found, threshold=threshold)


def find_proposals(
    graph: GraphStore,
    vectors: VectorStore,
    parameters: DiscoveryParameters,
    *,
    ignore_job: str | None = None,
) -> tuple[list[Proposal], dict[str, Any]]:
    """Compute the proposals of a run (nothing is written) and the counts behind them."""
    snapshot = load_snapshot(graph, vectors, parameters.namespace, parameters.kinds)
    known = known_pairs(snapshot, ignore_job)
    signals = gather_signals(
        snapshot, parameters.methods, known, VECTOR_NEIGHBOURS, scoring.COSINE_FLOOR
    )
    weights = parameters.weights
    floor = max(parameters.threshold, 1e-9)  # a pair without evidence is never proposed
    above = [
        (key, value)
        for key, found in signals.items()
        if (value := score_value(found, weights)) >= floor
    ]
    e = snapshot.entities
    above.sort(key=lambda item: (-item[1], e[item[0][0]].id, e[item[0][1]].id))
    chosen = [
        (key, score(signals[key], weights))
        for key in _limit(above, parameters.max_per_entity, parameters.limit)
    ]
    proposals = _typed(snapshot, graph, chosen)
    by_type: dict[str, int] = {}
    for proposal in proposals:
        by_type[proposal.type] = by_type.get(proposal.type, 0) + 1
    counts = {
        "entities": len(snapshot.entities),
        "known_pairs": len(known),
        "candidates": len(signals),
        "above_threshold": len(above),
        "proposed": len(proposals),
        "by_type": dict(sorted(by_type.items())),
    }
    return proposals, counts


def _limit(ranked: list[tuple[Pair, float]], per_entity: int, limit: int | None) -> list[Pair]:
    """Best first, keep pairs whose ends both have room, up to ``limit`` in all."""
    taken: dict[int, int] = {}
    chosen: list[Pair] = []
    for key, _ in ranked:
        if limit is not None and len(chosen) >= limit:
            break
        a, b = key
        if taken.get(a, 0) >= per_entity or taken.get(b, 0) >= per_entity:
            continue
        taken[a] = taken.get(a, 0) + 1
        taken[b] = taken.get(b, 0) + 1
        chosen.append(key)
    return chosen


def _typed(
    snapshot: Snapshot, graph: GraphStore, chosen: list[tuple[Pair, Scored]]
) -> list[Proposal]:
    mentions = snapshot.mentions.tocsr()
    texts: dict[str, str] | None = None
    e = snapshot.entities
    imports = {(e[i].id, e[j].id): found for (i, j), found in snapshot.code_imports.items()}
    proposals = []
    for (i, j), scored in chosen:
        a, b = snapshot.entities[i], snapshot.entities[j]
        shared = sorted(
            set(mentions.indices[mentions.indptr[i] : mentions.indptr[i + 1]])
            & set(mentions.indices[mentions.indptr[j] : mentions.indptr[j + 1]])
        )[:MAX_TEXTS_PER_PAIR]
        if shared and texts is None:
            texts = load_texts(graph, snapshot.namespace)
        contents = [texts.get(snapshot.text_ids[t], "") for t in shared] if texts else []
        typed = decide_type(a, b, contents, imports)
        source, target = (a, b) if typed.forward else (b, a)
        evidence: list[dict[str, Any]] = [
            {"method": method, "strength": value} for method, value in scored.strengths.items()
        ]
        if shared:
            evidence.append({"shared_texts": [snapshot.text_ids[t] for t in shared]})
        evidence.extend(typed.evidence)
        if typed.source != "structure":  # the code's imports, when the type came from elsewhere
            for x, y in ((a, b), (b, a)):
                if (found := imports.get((x.id, y.id))) is not None:
                    evidence.append({"code_imports": found.as_evidence()})
        proposals.append(
            Proposal(
                from_id=source.id,
                to_id=target.id,
                type=typed.type,
                score=scored.score,
                confidence=round(scored.score * TYPE_TRUST[typed.source], 6),
                method=scored.method,
                evidence=evidence,
            )
        )
    return proposals


class DiscoveryService:
    """Starts discovery jobs and runs them (the handler of job kind ``discovery``)."""

    def __init__(
        self, graph: GraphStore, vectors: VectorStore, jobs: JobService, runner: JobRunner
    ) -> None:
        self.graph = graph
        self.vectors = vectors
        self.jobs = jobs
        self.runner = runner
        self.batch_size = BATCH_SIZE
        jobs.handlers[JOB_KIND] = self.run_job

    def start(self, parameters: DiscoveryParameters) -> JobRecord:
        """Create a discovery job and queue it on the runner; return it at once.

        Its calibration is resolved here and stored with its parameters.
        """
        parameters = with_calibration(self.graph, parameters)
        job = self.jobs.create(JOB_KIND, parameters.as_json(), parameters.namespace)
        self.runner.submit(job.id)
        return job

    def calibration(self, namespace: str) -> Calibration:
        """What a new job in ``namespace`` would apply now (nothing is stored)."""
        return calibration_of(self.graph, namespace, DEFAULT_THRESHOLD)

    def run_job(self, control: JobControl) -> dict[str, Any]:
        """Run (or resume, from its checkpoint) the discovery job of ``control``."""
        job = control.job
        parameters = DiscoveryParameters.from_json(job.parameters)
        checkpoint = job.checkpoint or {}
        control.report(max(job.progress, 0.05), {**job.counts, "phase": "candidates"}, checkpoint)
        proposals, counts = find_proposals(self.graph, self.vectors, parameters, ignore_job=job.id)
        if parameters.dry_run:
            return {**counts, "written": 0, "dry_run": True}
        # A resumed job recomputes its proposals (its own edges do not count as known, so
        # it makes the same choices) and writes those whose pair it has not written yet;
        # this holds even when the graph changed while the job was stopped.
        done_edges = int(checkpoint.get("written", 0))
        remaining = proposals
        if done_edges:
            rows = self.graph.run("discovery/job_pairs", {"job_id": job.id})
            written_pairs = {frozenset((row["from_id"], row["to_id"])) for row in rows}
            remaining = [
                p for p in proposals if frozenset((p.from_id, p.to_id)) not in written_pairs
            ]
        control.report(max(job.progress, 0.5), {**counts, "written": done_edges}, checkpoint)

        def save(tx: Transaction, written: int) -> None:
            total = done_edges + written
            control.report(
                0.5 + 0.5 * total / max(len(proposals), 1),
                {**counts, "written": total, "phase": "writing"},
                {"written": total},
                transaction=tx,
            )

        written = write_batches(
            self.graph,
            remaining,
            job.id,
            batch_size=self.batch_size,
            save_checkpoint=save,
            between_batches=control.check,
        )
        return {**counts, "written": done_edges + written}
