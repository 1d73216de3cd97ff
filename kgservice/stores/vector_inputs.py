"""What the vector store takes in: text and vector items, and the checks of every input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kgservice.errors import VectorValidationError

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
Block = tuple[IntArray, FloatArray]  # row ids and their vectors
Hits = list[tuple[str, float]]  # node ids and scores, best first

MAX_K = 1_000


@dataclass(frozen=True, eq=False)
class TextItem:
    """The text of one node, as indexed for full-text search."""

    node_id: str
    kind: str
    namespace: str
    text: str


@dataclass(frozen=True, eq=False)
class VectorItem(TextItem):
    """The text of one node and its embedding (float32 of the store's dimension)."""

    embedding: FloatArray


def check_items(items: Sequence[TextItem]) -> None:
    """Refuse non-string fields, an empty id or kind, and an id given twice."""
    seen: set[str] = set()
    for item in items:
        for name in ("node_id", "kind", "namespace", "text"):
            if not isinstance(getattr(item, name), str):
                raise VectorValidationError(f"{name} of {item.node_id!r} must be a string")
        if not item.node_id or not item.kind:
            raise VectorValidationError(f"node {item.node_id!r}: empty node_id or kind")
        if item.node_id in seen:
            raise VectorValidationError(f"node {item.node_id!r} appears twice in one batch")
        seen.add(item.node_id)


def check_vectors(vectors: Sequence[Any], dimension: int, what: str) -> FloatArray:
    """Stack ``vectors`` as float32, refusing a wrong shape, NaN, infinity or a zero vector."""
    for vector in vectors:
        shape = np.shape(vector)
        if shape != (dimension,):
            raise VectorValidationError(
                f"{what} has shape {shape}; this store holds {dimension}-dimensional vectors"
            )
    try:
        matrix = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError):
        raise VectorValidationError(f"{what} must hold numbers") from None
    if not np.isfinite(matrix).all():
        raise VectorValidationError(f"{what} contains NaN or infinite values")
    if (np.abs(matrix).max(axis=1) == 0).any():
        raise VectorValidationError(f"{what} is all zeros (no direction for cosine)")
    return np.ascontiguousarray(matrix)


def check_k(k: int) -> None:
    """Refuse a result count outside 1..MAX_K."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise VectorValidationError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")


def check_kinds(kinds: Sequence[str] | None) -> list[str] | None:
    """None (no filter), or a non-empty list of kinds (a single string counts as one)."""
    if kinds is None:
        return None
    if isinstance(kinds, str):
        return [kinds]
    if not kinds or not all(isinstance(kind, str) for kind in kinds):
        raise VectorValidationError("kinds must be a non-empty list of strings, or None")
    return list(kinds)
