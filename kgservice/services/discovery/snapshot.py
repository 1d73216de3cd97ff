"""What discovery reads, loaded once per run: a namespace's entities, their vectors, the
entity-text MENTIONS graph, the RELATED edges that exist, and the imports between the code
of the entities' repositories (:mod:`~kgservice.services.discovery.code_imports`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse

from kgservice.services.discovery.code_imports import (
    CodeImports,
    entity_imports,
    load_repository_imports,
)
from kgservice.stores.graph import GraphStore
from kgservice.stores.vectors import VectorStore

FloatMatrix = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
VECTOR_BATCH = 5_000


@dataclass(frozen=True)
class EntityInfo:
    """One entity as discovery sees it."""

    id: str
    name: str
    kind: str
    observations: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The name and aliases, as they may appear in text."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class ExistingEdge:
    """A RELATED edge already in the graph (any status, current or retired)."""

    from_id: str
    to_id: str
    type: str
    status: str
    current: bool
    job_id: str | None


@dataclass
class Snapshot:
    """A namespace's entities with their signals, positions indexing every matrix row."""

    namespace: str
    entities: list[EntityInfo]
    edges: list[ExistingEdge]
    mentions: sparse.csr_matrix  # entities x texts, 1 where the text mentions the entity
    text_ids: list[str]
    vector_rows: IntArray  # positions of entities that have a vector
    vectors: FloatMatrix  # unit vectors, one row per entry of vector_rows
    #: (importer position, imported position) -> files of one importing the other's code.
    code_imports: dict[tuple[int, int], CodeImports]
    position: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {entity.id: i for i, entity in enumerate(self.entities)}


def load_snapshot(
    graph: GraphStore, vectors: VectorStore, namespace: str, kinds: Sequence[str] | None
) -> Snapshot:
    """Read everything discovery needs for ``namespace`` (only entities of ``kinds``, if set)."""
    rows = graph.run("discovery/entities", {"namespace": namespace})
    wanted = set(kinds) if kinds else None
    entities = [
        EntityInfo(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            observations=tuple(row["observations"] or ()),
            aliases=tuple(row["aliases"] or ()),
        )
        for row in rows
        if wanted is None or row["kind"] in wanted
    ]
    position = {entity.id: i for i, entity in enumerate(entities)}
    edges = [
        ExistingEdge(
            from_id=row["from_id"],
            to_id=row["to_id"],
            type=row["type"],
            status=row["status"] or "accepted",
            current=bool(row["current"]),
            job_id=row["job_id"],
        )
        for row in graph.run("discovery/related_pairs", {"namespace": namespace})
    ]
    mentions, text_ids = _mention_matrix(graph, namespace, position)
    vector_rows, matrix = _entity_vectors(vectors, namespace, position)
    repositories, repository_imports = load_repository_imports(graph, namespace)
    imports = entity_imports([e.names for e in entities], repositories, repository_imports)
    return Snapshot(
        namespace=namespace,
        entities=entities,
        edges=edges,
        mentions=mentions,
        text_ids=text_ids,
        vector_rows=vector_rows,
        vectors=matrix,
        code_imports=imports,
    )


def load_texts(graph: GraphStore, namespace: str) -> dict[str, str]:
    """The content of every text that mentions an entity of ``namespace``, by text id."""
    rows = graph.run("discovery/mention_texts", {"namespace": namespace})
    return {row["id"]: row["content"] or "" for row in rows}


def _mention_matrix(
    graph: GraphStore, namespace: str, position: dict[str, int]
) -> tuple[sparse.csr_matrix, list[str]]:
    text_position: dict[str, int] = {}
    entity_rows: list[int] = []
    text_columns: list[int] = []
    for row in graph.run("discovery/mentions", {"namespace": namespace}):
        entity = position.get(row["entity_id"])
        if entity is None:
            continue
        column = text_position.setdefault(row["text_id"], len(text_position))
        entity_rows.append(entity)
        text_columns.append(column)
    matrix = sparse.csr_matrix(
        (np.ones(len(entity_rows), dtype=np.float64), (entity_rows, text_columns)),
        shape=(len(position), len(text_position)),
    )
    matrix.data[:] = 1.0  # a duplicated edge counts once
    matrix.sum_duplicates()
    matrix.data = np.minimum(matrix.data, 1.0)
    return matrix, list(text_position)


def _entity_vectors(
    vectors: VectorStore, namespace: str, position: dict[str, int]
) -> tuple[IntArray, FloatMatrix]:
    """Unit vectors of the entities that have one (kind "Entity" in the vector store)."""
    found_rows: list[int] = []
    blobs: list[bytes] = []
    last = -1
    while True:
        batch = vectors.query(
            "SELECT t.rowid, t.node_id, v.embedding FROM node_text AS t "
            "JOIN node_vectors AS v ON v.rowid = t.rowid "
            "WHERE t.kind = 'Entity' AND t.namespace = ? AND t.has_vector = 1 AND t.rowid > ? "
            "ORDER BY t.rowid LIMIT ?",
            (namespace, last, VECTOR_BATCH),
        )
        for _, node_id, blob in batch:
            row = position.get(node_id)
            if row is not None:
                found_rows.append(row)
                blobs.append(blob)
        if len(batch) < VECTOR_BATCH:
            break
        last = batch[-1][0]
    if not blobs:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1).copy()
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms > 0, norms, 1.0)
    return np.asarray(found_rows, dtype=np.int64), matrix
