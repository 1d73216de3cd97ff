"""Anomalies: a skill's recent window against its baseline, by significance tests.

For each skill: the completion rate of the recent window [since, now) against the
baseline window (``baseline_days`` before ``since``) by a two-proportion z-test with the
pooled standard error, and its durations by Welch's z-test on log durations. A skill is
tested only with at least :data:`MIN_BASELINE` baseline and :data:`MIN_RECENT` recent
invocations (durations: as many with a duration). Only degradations are reported: a
completion drop (z <= -threshold) or a duration spike (z >= threshold); the p-value is
one-sided, so at the default threshold of 3 each test raises a false alarm on stable data
with probability 0.00135. Detected anomalies are stored as ``SkillAnomaly`` nodes linked to
their skill (``ANOMALY_OF``), once per skill and kind within a recent window's length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.ids import new_id
from kgservice.services.skills.history import read_namespace_invocations
from kgservice.services.skills.invocations import naive_utc
from kgservice.services.skills.metrics import Window, seconds
from kgservice.services.skills.statistics import (
    FloatArray,
    log_duration_shift,
    two_proportion_test,
)
from kgservice.services.validation import MAX_NAME, require_text
from kgservice.stores.graph import GraphStore

MIN_BASELINE = 30
MIN_RECENT = 20
DEFAULT_THRESHOLD = 3.0
DEFAULT_RECENT = timedelta(hours=24)
DEFAULT_BASELINE_DAYS = 14


@dataclass(frozen=True)
class Anomaly:
    """A significant degradation of one skill's metric."""

    skill: str
    metric: str  # completion_rate | duration_ms
    kind: str  # completion_drop | duration_spike
    baseline: float
    recent: float
    z_score: float
    p_value: float
    explanation: str
    detected_at: datetime
    id: str | None = None


def one_sided_p(z: float) -> float:
    """P(Z >= |z|) for a standard normal Z."""
    return 0.5 * math.erfc(abs(z) / math.sqrt(2))


def detect(
    skill: str,
    baseline_completed: npt.NDArray[np.bool_],
    recent_completed: npt.NDArray[np.bool_],
    baseline_durations: FloatArray,
    recent_durations: FloatArray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    detected_at: datetime,
    recent_label: str = "the recent window",
) -> list[Anomaly]:
    """The anomalies of one skill from its baseline and recent invocations (pure).

    Durations may hold NaN (unknown), which are left out.
    """
    found = []
    n_b, n_r = int(baseline_completed.size), int(recent_completed.size)
    if n_b >= MIN_BASELINE and n_r >= MIN_RECENT:
        k_b, k_r = int(baseline_completed.sum()), int(recent_completed.sum())
        test = two_proportion_test(k_b, n_b, k_r, n_r)
        if test is not None and test.z_score <= -threshold:
            p = one_sided_p(test.z_score)
            found.append(
                Anomaly(
                    skill, "completion_rate", "completion_drop", test.rate_a, test.rate_b,
                    test.z_score, p,
                    f"{skill}: completion rate fell from {test.rate_a:.0%} ({k_b} of {n_b} in "
                    f"the baseline) to {test.rate_b:.0%} ({k_r} of {n_r} in {recent_label}); "
                    f"z = {test.z_score:.2f}, one-sided p = {p:.2g}",
                    detected_at,
                )
            )  # fmt: skip
    durations_b = baseline_durations[~np.isnan(baseline_durations)]
    durations_r = recent_durations[~np.isnan(recent_durations)]
    if durations_b.size >= MIN_BASELINE and durations_r.size >= MIN_RECENT:
        shift = log_duration_shift(durations_b, durations_r)
        if shift is not None and shift.z_score >= threshold:
            p = one_sided_p(shift.z_score)
            found.append(
                Anomaly(
                    skill, "duration_ms", "duration_spike", shift.baseline, shift.recent,
                    shift.z_score, p,
                    f"{skill}: typical duration rose from {shift.baseline:.0f} ms to "
                    f"{shift.recent:.0f} ms (geometric means of {durations_b.size} baseline and "
                    f"{durations_r.size} recent runs); z = {shift.z_score:.2f} on log "
                    f"durations, one-sided p = {p:.2g}",
                    detected_at,
                )
            )  # fmt: skip
    return found


def find_anomalies(
    graph: GraphStore,
    namespace: str,
    *,
    since: datetime | None = None,
    now: datetime | None = None,
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    threshold: float = DEFAULT_THRESHOLD,
    store: bool = True,
) -> list[Anomaly]:
    """Every skill's anomalies in [since, now) against the baseline before ``since``.

    ``since`` defaults to 24 hours before ``now`` (default: the current time).

    Raises:
        InputError: ``since`` not before now, ``baseline_days`` outside 1..365, or a
            threshold below 1.
    """
    require_text("namespace", namespace, max_length=MAX_NAME)
    end = naive_utc(now) if now is not None else utc_now()
    start = naive_utc(since) if since is not None else end - DEFAULT_RECENT
    if start >= end:
        raise InputError("since", "must be before now")
    if not 1 <= baseline_days <= 365:
        raise InputError("baselineDays", "must be between 1 and 365")
    if not threshold >= 1.0:
        raise InputError("threshold", "must be at least 1")
    window = Window(start - timedelta(days=baseline_days), end)
    data = read_namespace_invocations(graph, namespace, window)
    recent_mask = data.at >= seconds(start)
    label = f"the {_span(end - start)} since {start:%Y-%m-%d %H:%M}"
    found: list[Anomaly] = []
    order = np.argsort(data.skill.astype(str), kind="stable")
    skills, first = np.unique(data.skill[order].astype(str), return_index=True)
    bounds = [*first.tolist(), data.size]
    for k, skill in enumerate(skills):
        rows = order[bounds[k] : bounds[k + 1]]
        recent = recent_mask[rows]
        found.extend(
            detect(
                str(skill),
                data.completed[rows][~recent],
                data.completed[rows][recent],
                data.duration_ms[rows][~recent],
                data.duration_ms[rows][recent],
                threshold=threshold,
                detected_at=end,
                recent_label=label,
            )
        )
    if store and found:
        found = store_anomalies(graph, namespace, found, end - start)
    return found


def _span(length: timedelta) -> str:
    hours = length.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 72 else f"{hours / 24:.0f} days"


def store_anomalies(
    graph: GraphStore, namespace: str, found: list[Anomaly], span: timedelta
) -> list[Anomaly]:
    """Store anomalies not already stored (same skill and kind) within ``span``; return them
    with their node ids (an already stored one keeps its id)."""
    stored = []
    with graph.transaction() as tx:
        for anomaly in found:
            rows = tx.run(
                "skills/anomaly_recent",
                {
                    "namespace": namespace,
                    "skill": anomaly.skill,
                    "kind": anomaly.kind,
                    "after": anomaly.detected_at - span,
                },
            )
            if rows:
                stored.append(replace(anomaly, id=rows[0]["id"]))
                continue
            anomaly_id = new_id("SkillAnomaly")
            tx.run(
                "skills/anomaly_create",
                {
                    "id": anomaly_id,
                    "namespace": namespace,
                    "now": utc_now(),
                    "skill": anomaly.skill,
                    "metric": anomaly.metric,
                    "kind": anomaly.kind,
                    "baseline": anomaly.baseline,
                    "recent": anomaly.recent,
                    "z_score": anomaly.z_score,
                    "p_value": anomaly.p_value,
                    "explanation": anomaly.explanation,
                    "detected_at": anomaly.detected_at,
                },
            )
            stored.append(replace(anomaly, id=anomaly_id))
    return stored
