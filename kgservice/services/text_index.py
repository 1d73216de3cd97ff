"""Keeps the vector store in step with the graph's text-bearing nodes.

The graph is the source of truth. Texts are embedded before a graph write and stored after
it commits; a node whose vector is missing (a crash between the two) is found by
``kgservice status`` and embedded by the backfill job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kgservice.embedding import Embedder
from kgservice.stores.vectors import VectorItem, VectorStore

TEXT_KINDS = ("Message", "Conversation", "Reflection", "Entity", "CodeFile", "Symbol")


@dataclass(frozen=True)
class IndexedText:
    """The text of one node, as indexed."""

    node_id: str
    kind: str
    namespace: str
    text: str
    thread_id: str | None = None
    """A message's thread (with ``position``, its idx there: its neighbours give it context)."""
    position: int | None = None


class TextIndex:
    """Embeds texts and writes them, with their vectors, to the vector store."""

    def __init__(self, vectors: VectorStore, embedder: Embedder) -> None:
        """Pair the store with the embedder; a model other than the one that made the stored
        vectors is refused here (VectorValidationError), before anything is written."""
        vectors.ensure_model(embedder.model_name, embedder.dimension)
        self.vectors = vectors
        self.embedder = embedder

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts`` (raises EmbedderError saying why if the model cannot run)."""
        return self.embedder.embed(list(texts))

    def store(self, items: Sequence[IndexedText], vectors: npt.NDArray[np.float32]) -> None:
        """Write texts and their vectors (already embedded, same order)."""
        if not items:
            return
        places = [
            (i.thread_id, i.position)
            if i.thread_id is not None and i.position is not None
            else None
            for i in items
        ]
        self.vectors.upsert(
            [
                VectorItem(i.node_id, i.kind, i.namespace, i.text, vector)
                for i, vector in zip(items, vectors, strict=True)
            ],
            places if any(places) else None,
        )

    def index(self, items: Sequence[IndexedText]) -> None:
        """Embed and write ``items``."""
        self.store(items, self.embed([i.text for i in items]))

    def remove(self, node_ids: Sequence[str]) -> None:
        """Delete the texts and vectors of ``node_ids``."""
        if node_ids:
            self.vectors.delete(list(node_ids))
