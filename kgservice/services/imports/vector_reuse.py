"""Whether a legacy table's stored embeddings can be reused.

session-buddy stores 384-dimension embeddings. They are reused only when they come from
the model kgservice runs: a sample of the records is embedded again and compared; when the
median cosine reaches :data:`MIN_COSINE` every stored vector of the table (of the right
size) is kept, otherwise every text of the table is embedded again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kgservice.services.imports.records import MappedNode

SAMPLE_SIZE = 16
MIN_COSINE = 0.99


@dataclass(frozen=True)
class ReuseDecision:
    """The outcome of the check: reuse or not, and the cosines it rests on."""

    reuse: bool
    sampled: int
    median_cosine: float | None = None
    min_cosine: float | None = None

    def as_json(self) -> dict[str, Any]:
        """The decision as a JSON object."""
        return {
            "reuse": self.reuse,
            "sampled": self.sampled,
            "median_cosine": self.median_cosine,
            "min_cosine": self.min_cosine,
        }


def sample(nodes: Sequence[MappedNode], size: int = SAMPLE_SIZE) -> list[MappedNode]:
    """Up to ``size`` nodes with a stored vector, spread evenly over the table."""
    stored = [n for n in nodes if n.embedding is not None and n.text is not None]
    if len(stored) <= size:
        return stored
    step = len(stored) / size
    return [stored[int(i * step)] for i in range(size)]


def decide_reuse(
    nodes: Sequence[MappedNode], embed: Callable[[list[str]], npt.NDArray[np.float32]]
) -> ReuseDecision:
    """Embed a sample of ``nodes`` again and compare with their stored vectors."""
    chosen = sample(nodes)
    if not chosen:
        return ReuseDecision(reuse=False, sampled=0)
    fresh = embed([str(n.text) for n in chosen])
    stored = np.stack([np.asarray(n.embedding, dtype=np.float32) for n in chosen])
    norms = np.linalg.norm(stored, axis=1) * np.linalg.norm(fresh, axis=1)
    cosines = (stored * fresh).sum(axis=1) / np.maximum(norms, 1e-12)
    median = float(np.median(cosines))
    return ReuseDecision(
        reuse=median >= MIN_COSINE,
        sampled=len(chosen),
        median_cosine=round(median, 6),
        min_cosine=round(float(cosines.min()), 6),
    )
