"""Entity resolution: find entities of a namespace that probably name the same thing.

Candidates come in three stages; a pair found by an earlier stage is not repeated later.

1. ``name``: the name key of one equals the name key or an alias key of the other (score 1).
2. ``minhash``: character 3-grams of the name keys (padded with a space each side), MinHash
   signatures bucketed by LSH; a pair is kept when the estimated Jaccard similarity is at
   least the threshold (score: the estimate).
3. ``embedding``: each entity's nearest entities by the cosine similarity of their embedded
   texts (name, kind, observations), from the vector store's k-NN; kept at or above the
   threshold (score: the cosine similarity).

:meth:`ResolutionService.propose_same_as` writes candidates as ``same_as`` relations with
status ``proposed``, skipping every pair that already has a RELATED edge of any type, status
or validity in either direction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from datasketch import MinHash, MinHashLSH

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.ids import new_id
from kgservice.services.knowledge.names import name_key
from kgservice.services.text_index import TextIndex
from kgservice.stores.graph import GraphStore, Row
from kgservice.stores.vector_lookups import vector_of

STAGES = ("name", "minhash", "embedding")
DEFAULT_THRESHOLD = 0.8
NUM_PERM = 128
NGRAM = 3
NEIGHBOURS = 10  # nearest entities looked at per entity in the embedding stage
WRITE_BATCH = 500


@dataclass(frozen=True)
class DuplicateCandidate:
    """Two entities that may be the same; ``a_id`` < ``b_id``."""

    a_id: str
    b_id: str
    stage: str
    score: float
    explanation: str


def require_threshold(threshold: float) -> float:
    """Return ``threshold`` if it lies in [0, 1]."""
    if not 0.0 <= threshold <= 1.0:
        raise InputError("threshold", f"must be between 0 and 1 (got {threshold})")
    return threshold


def shingles(key: str, size: int = NGRAM) -> set[bytes]:
    """Character n-grams of a name key padded with a space each side."""
    padded = f" {key} "
    if len(padded) <= size:
        return {padded.encode()}
    return {padded[i : i + size].encode() for i in range(len(padded) - size + 1)}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class ResolutionService:
    """Finds duplicate entities and proposes ``same_as`` relations between them."""

    def __init__(self, graph: GraphStore, index: TextIndex) -> None:
        self.graph = graph
        self.index = index

    def duplicate_candidates(
        self, namespace: str = "default", threshold: float = DEFAULT_THRESHOLD
    ) -> list[DuplicateCandidate]:
        """Every candidate pair of the namespace: by stage, then best score first."""
        require_threshold(threshold)
        entities = self.graph.run("knowledge/resolution_entities", {"namespace": namespace})
        found: dict[tuple[str, str], DuplicateCandidate] = {}
        for stage in (
            self._by_name(entities),
            self._by_minhash(entities, threshold),
            self._by_embedding(entities, namespace, threshold),
        ):
            for candidate in stage:
                found.setdefault((candidate.a_id, candidate.b_id), candidate)
        return sorted(
            found.values(),
            key=lambda c: (STAGES.index(c.stage), -c.score, c.a_id, c.b_id),
        )

    def _by_name(self, entities: Sequence[Row]) -> Iterable[DuplicateCandidate]:
        holders: dict[str, list[tuple[str, str]]] = {}  # key -> (entity id, "name"/"alias")
        for entity in entities:
            holders.setdefault(entity["name_key"] or name_key(entity["name"]), []).append(
                (entity["id"], "name")
            )
            for alias in entity["aliases"] or []:
                holders.setdefault(name_key(alias), []).append((entity["id"], "alias"))
        for key, owners in sorted(holders.items()):
            for (a, a_role), (b, b_role) in combinations(owners, 2):
                if a != b:
                    first, second = _pair(a, b)
                    roles = f"{a_role} of {a} and {b_role} of {b}"
                    yield DuplicateCandidate(
                        first, second, "name", 1.0, f"same normalised {roles}: {key!r}"
                    )

    def _by_minhash(
        self, entities: Sequence[Row], threshold: float
    ) -> Iterable[DuplicateCandidate]:
        if len(entities) < 2:
            return
        keys = [entity["name_key"] or name_key(entity["name"]) for entity in entities]
        signatures = MinHash.bulk([sorted(shingles(key)) for key in keys], num_perm=NUM_PERM)
        # LSH needs a threshold inside (0, 1); the estimate below applies the real one.
        lsh = MinHashLSH(threshold=min(max(threshold, 0.1), 0.9), num_perm=NUM_PERM)
        for position, signature in enumerate(signatures):
            lsh.insert(str(position), signature)
        for position, signature in enumerate(signatures):
            for other in map(int, lsh.query(signature)):
                if other <= position:
                    continue
                estimate = float(signature.jaccard(signatures[other]))
                if estimate >= threshold:
                    a, b = entities[position], entities[other]
                    first, second = _pair(a["id"], b["id"])
                    yield DuplicateCandidate(
                        first,
                        second,
                        "minhash",
                        round(estimate, 4),
                        f"name 3-gram Jaccard ~{estimate:.2f}: {keys[position]!r} and "
                        f"{keys[other]!r}",
                    )

    def _by_embedding(
        self, entities: Sequence[Row], namespace: str, threshold: float
    ) -> Iterable[DuplicateCandidate]:
        known = {entity["id"] for entity in entities}
        store = self.index.vectors
        for entity in entities:
            vector = vector_of(store, entity["id"])
            if vector is None:
                continue  # not embedded yet (the backfill job adds it)
            hits = store.knn(vector, NEIGHBOURS + 1, kinds=["Entity"], namespace=namespace)
            for other, distance in hits:
                similarity = 1.0 - distance
                if other == entity["id"] or other not in known or similarity < threshold:
                    continue
                first, second = _pair(entity["id"], other)
                yield DuplicateCandidate(
                    first,
                    second,
                    "embedding",
                    round(min(similarity, 1.0), 4),
                    f"embedded texts (name, kind, observations) have cosine similarity "
                    f"{similarity:.2f}",
                )

    def propose_same_as(
        self, namespace: str = "default", threshold: float = DEFAULT_THRESHOLD
    ) -> list[str]:
        """Write the candidates as proposed ``same_as`` relations; returns their ids.

        A pair with any RELATED edge already (either direction, any type, status or
        validity) is skipped, so running it again proposes nothing new.
        """
        candidates = self.duplicate_candidates(namespace, threshold)
        related = {
            _pair(row["from_id"], row["to_id"])
            for row in self.graph.run(
                "knowledge/resolution_related_pairs", {"namespace": namespace}
            )
        }
        fresh = [c for c in candidates if (c.a_id, c.b_id) not in related]
        written: list[str] = []
        for start in range(0, len(fresh), WRITE_BATCH):
            with self.graph.transaction() as tx:
                for candidate in fresh[start : start + WRITE_BATCH]:
                    rows = tx.run(
                        "knowledge/resolution_propose",
                        {
                            "from_id": candidate.a_id,
                            "to_id": candidate.b_id,
                            "id": new_id(),
                            "score": candidate.score,
                            "method": candidate.stage,
                            "evidence": json.dumps([candidate.explanation], ensure_ascii=False),
                            "now": utc_now(),
                        },
                    )
                    written.extend(row["id"] for row in rows)
        return written
