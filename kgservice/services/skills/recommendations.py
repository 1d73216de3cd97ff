"""Skill recommendations from the user-skill bipartite graph (item-based).

Two skills are similar by the Jaccard index of the distinct sets of users who used them
(each user counts once, however often they ran the skill). A candidate skill scores

    score(j) = completion(j) * sum over the user's skills i of jaccard(i, j) * completion(u, i)

where completion(u, i) is the share of the user's runs of i that completed (skills that
worked for the user pull their neighbours more) and completion(j) is the candidate's
completion rate over every user, smoothed towards the namespace's rate by 5 pseudo-runs.
Skills the user already uses are left out unless asked. A user with no history gets the
most used skills (distinct users), weighted by completion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kgservice.errors import InputError
from kgservice.services.skills.metrics import resolve_window
from kgservice.services.validation import MAX_NAME, require_text
from kgservice.stores.graph import GraphStore

DEFAULT_DAYS = 90
PRIOR_RUNS = 5.0
MAX_K = 100


@dataclass(frozen=True)
class Recommendation:
    """A recommended skill, its score and why."""

    skill: str
    score: float
    reason: str


@dataclass
class UsageModel:
    """Users, skills and their runs as matrices, with item-item Jaccard similarity."""

    users: dict[str, int]
    skills: list[str]
    runs: npt.NDArray[np.float64]  # users x skills
    completed: npt.NDArray[np.float64]  # users x skills
    similarity: npt.NDArray[np.float64]  # skills x skills, zero diagonal
    skill_completion: npt.NDArray[np.float64]

    @classmethod
    def build(cls, usage: Iterable[tuple[str, str, bool]]) -> UsageModel:
        """From (user, skill, completed) runs."""
        return cls.from_counts((user, skill, done, 1) for user, skill, done in usage)

    @classmethod
    def from_counts(cls, counts: Iterable[tuple[str, str, bool, int]]) -> UsageModel:
        """From (user, skill, completed, runs) counts."""
        rows = list(counts)
        users = {u: k for k, u in enumerate(sorted({r[0] for r in rows}))}
        skills = sorted({r[1] for r in rows})
        index = {s: k for k, s in enumerate(skills)}
        runs = np.zeros((len(users), len(skills)))
        completed = np.zeros((len(users), len(skills)))
        for user, skill, done, n in rows:
            runs[users[user], index[skill]] += n
            completed[users[user], index[skill]] += n if done else 0
        used = (runs > 0).astype(np.float64)
        shared = used.T @ used
        per_skill = used.sum(axis=0)
        union = per_skill[:, None] + per_skill[None, :] - shared
        similarity = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        np.fill_diagonal(similarity, 0.0)
        total_runs, total_done = runs.sum(axis=0), completed.sum(axis=0)
        overall = total_done.sum() / total_runs.sum() if runs.size and total_runs.sum() else 0.0
        skill_completion = (total_done + PRIOR_RUNS * overall) / (total_runs + PRIOR_RUNS)
        return cls(users, skills, runs, completed, similarity, skill_completion)

    def recommend(self, user: str, k: int, *, include_used: bool = False) -> list[Recommendation]:
        """The user's top ``k`` skills."""
        if not self.skills:
            return []
        row = self.users.get(user)
        used = np.zeros(len(self.skills), dtype=np.bool_) if row is None else self.runs[row] > 0
        if not used.any():
            return self._popular(k, used, include_used)
        own_rate = np.divide(
            self.completed[row], self.runs[row], out=np.zeros(len(self.skills)), where=used
        )
        contributions = self.similarity * (own_rate * used)[:, None]  # i -> j
        scores = self.skill_completion * contributions.sum(axis=0)
        candidates = np.ones_like(used) if include_used else ~used
        order = [j for j in np.argsort(-scores, kind="stable") if candidates[j] and scores[j] > 0]
        found = []
        for j in order[:k]:
            top = np.argsort(-contributions[:, j], kind="stable")[:2]
            because = [self.skills[i] for i in top if contributions[i, j] > 0]
            found.append(
                Recommendation(
                    self.skills[j],
                    float(scores[j]),
                    f"often used by the users of {' and '.join(because)} "
                    f"(Jaccard {self.similarity[top[0], j]:.2f}); completes "
                    f"{self.skill_completion[j]:.0%}",
                )
            )
        return found

    def _popular(
        self, k: int, used: npt.NDArray[np.bool_], include_used: bool
    ) -> list[Recommendation]:
        users = (self.runs > 0).sum(axis=0).astype(np.float64)
        scores = users * self.skill_completion
        order = [j for j in np.argsort(-scores, kind="stable") if include_used or not used[j]]
        return [
            Recommendation(
                self.skills[j],
                float(scores[j]),
                f"no history for this user: used by {int(users[j])} users, completes "
                f"{self.skill_completion[j]:.0%}",
            )
            for j in order[:k]
        ]


def recommend_skills(
    graph: GraphStore,
    namespace: str,
    user_id: str,
    k: int = 10,
    *,
    include_used: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Recommendation]:
    """Recommend ``k`` skills to ``user_id`` from the namespace's usage in the window.

    Raises:
        InputError: ``k`` outside 1..100, an empty user id, or ``since`` after ``until``.
    """
    require_text("namespace", namespace, max_length=MAX_NAME)
    require_text("userId", user_id, max_length=MAX_NAME)
    if not 1 <= k <= MAX_K:
        raise InputError("k", f"must be between 1 and {MAX_K}")
    window = resolve_window(since, until, default_days=DEFAULT_DAYS)
    rows = graph.run(
        "skills/user_skill_runs",
        {"namespace": namespace, "since": window.since, "until": window.until},
    )
    counts = ((r["user_id"], r["skill"], bool(r["completed"]), int(r["runs"])) for r in rows)
    model = UsageModel.from_counts(counts)
    return model.recommend(user_id, k, include_used=include_used)
