"""A namespace's invocations as columns, for the namespace-wide analyses.

One query reads the columns of every invocation of the namespace in a window; the
analyses (anomalies, co-use, recommendations, the live figures) work on numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kgservice.services.skills.metrics import Window, seconds
from kgservice.services.skills.statistics import FloatArray
from kgservice.stores.graph import GraphStore

ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class NamespaceInvocations:
    """Invocations as columns; ``skill`` holds skill names."""

    skill: ObjectArray
    at: FloatArray
    completed: npt.NDArray[np.bool_]
    duration_ms: FloatArray
    user_id: ObjectArray
    session_id: ObjectArray
    id: ObjectArray

    @property
    def size(self) -> int:
        """How many invocations."""
        return int(self.at.size)

    def where(self, mask: npt.NDArray[np.bool_]) -> NamespaceInvocations:
        """The invocations selected by ``mask``."""
        return NamespaceInvocations(
            self.skill[mask],
            self.at[mask],
            self.completed[mask],
            self.duration_ms[mask],
            self.user_id[mask],
            self.session_id[mask],
            self.id[mask],
        )

    def sessions(self) -> ObjectArray:
        """Each invocation's session: its session id, or its own id when it has none."""
        keys = self.session_id.copy()
        missing = np.array([s is None for s in keys], dtype=np.bool_)
        keys[missing] = np.array(["invocation:" + str(i) for i in self.id[missing]], dtype=object)
        return keys


def skill_names(graph: GraphStore, namespace: str) -> dict[str, str]:
    """Skill id to name, for a namespace."""
    rows = graph.run("skills/skills_of_namespace", {"namespace": namespace})
    return {row["id"]: row["name"] for row in rows}


def read_namespace_invocations(
    graph: GraphStore, namespace: str, window: Window
) -> NamespaceInvocations:
    """Every invocation of ``namespace`` in ``window``, as columns."""
    names = skill_names(graph, namespace)
    _, rows = graph.run_values(
        "skills/namespace_invocations",
        {"namespace": namespace, "since": window.since, "until": window.until},
    )
    count = len(rows)
    return NamespaceInvocations(
        skill=np.array([names.get(r[0], r[0]) for r in rows], dtype=object),
        at=np.fromiter((seconds(r[1]) for r in rows), np.float64, count),
        completed=np.fromiter((bool(r[2]) for r in rows), np.bool_, count),
        duration_ms=np.fromiter(
            (np.nan if r[3] is None else r[3] for r in rows), np.float64, count
        ),
        user_id=np.array([r[4] for r in rows], dtype=object),
        session_id=np.array([r[5] for r in rows], dtype=object),
        id=np.array([r[6] for r in rows], dtype=object),
    )
