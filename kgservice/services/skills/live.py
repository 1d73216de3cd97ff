"""Live figures per skill for the last hour and the last day, as of a moment.

Read by the ``skillMetricsLive`` subscription at each interval: one query over the
namespace's invocations of the last day, numpy for the rest. Reads never wait for writes,
and nothing is shared between subscribers, so a slow consumer only delays itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from kgservice.errors import InputError, NotFoundError
from kgservice.services.skills.history import read_namespace_invocations, skill_names
from kgservice.services.skills.metrics import Window, seconds
from kgservice.services.skills.statistics import FloatArray, percentile
from kgservice.stores.graph import GraphStore

MAX_SKILLS = 100


@dataclass(frozen=True)
class WindowFigures:
    """Invocations, completions, completion rate and median duration in a window."""

    invocations: int
    completed: int
    completion_rate: float | None
    duration_p50_ms: float | None


@dataclass(frozen=True)
class LiveFigures:
    """A skill's figures for the last hour and the last day."""

    skill: str
    last_hour: WindowFigures
    last_day: WindowFigures


def check_skills(
    graph: GraphStore, namespace: str, skills: Sequence[str] | None
) -> list[str] | None:
    """The skills asked for, each known in the namespace (None: every skill).

    Raises:
        InputError: more than MAX_SKILLS.
        NotFoundError: a skill unknown in the namespace.
    """
    if skills is None:
        return None
    if len(skills) > MAX_SKILLS:
        raise InputError("skills", f"at most {MAX_SKILLS}")
    known = set(skill_names(graph, namespace).values())
    for name in skills:
        if name.strip() not in known:
            raise NotFoundError(name.strip(), "skill")
    return [name.strip() for name in skills]


def _figures(completed: npt.NDArray[np.bool_], durations: FloatArray) -> WindowFigures:
    runs, done = int(completed.size), int(completed.sum())
    return WindowFigures(
        runs,
        done,
        done / runs if runs else None,
        percentile(durations[~np.isnan(durations)], 50),
    )


def live_figures(
    graph: GraphStore, namespace: str, skills: Sequence[str] | None, now: datetime
) -> list[LiveFigures]:
    """Each skill's figures as of ``now`` (the given skills, or every skill used in the
    last day), by name."""
    data = read_namespace_invocations(graph, namespace, Window(now - timedelta(days=1), now))
    names = sorted(set(data.skill.astype(str).tolist())) if skills is None else list(skills)
    hour = data.at >= seconds(now - timedelta(hours=1))
    found = []
    for name in names:
        mine = data.skill == name
        recent = mine & hour
        found.append(
            LiveFigures(
                name,
                _figures(data.completed[recent], data.duration_ms[recent]),
                _figures(data.completed[mine], data.duration_ms[mine]),
            )
        )
    return found
