"""The skills report: top skills, degrading ones, anomalies and dependencies of a window.

Degrading: a skill whose completion rate over the last 7 days of the window is lower than
over the days before by a two-proportion z-test (pooled standard error) at p < 0.05, with at
least 20 invocations on each side.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from kgservice.clock import utc_now
from kgservice.errors import InputError
from kgservice.services.skills import anomalies, dependencies
from kgservice.services.skills.history import NamespaceInvocations, read_namespace_invocations
from kgservice.services.skills.invocations import naive_utc
from kgservice.services.skills.metrics import InvocationColumns, Window, seconds, summarise
from kgservice.services.skills.statistics import two_proportion_test
from kgservice.stores.graph import GraphStore

TOP = 20
RECENT_DAYS = 7
MIN_SIDE = 20
ALPHA = 0.05


def _columns(data: NamespaceInvocations) -> InvocationColumns:
    phases = np.full(data.size, None, dtype=object)
    return InvocationColumns(data.at, data.completed, data.duration_ms, data.user_id, phases)


def build_report(
    graph: GraphStore, namespace: str, days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """The report as plain data (JSON-ready apart from datetimes).

    Raises:
        InputError: ``days`` outside 1..365.
    """
    if not 1 <= days <= 365:
        raise InputError("days", "must be between 1 and 365")
    end = naive_utc(now) if now is not None else utc_now()
    window = Window(end - timedelta(days=days), end)
    data = read_namespace_invocations(graph, namespace, window)
    recent_start = seconds(end - timedelta(days=min(RECENT_DAYS, days)))
    skills: list[dict[str, Any]] = []
    degrading: list[dict[str, Any]] = []
    for name in sorted(set(data.skill.astype(str).tolist())):
        mine = data.where(data.skill == name)
        summary = summarise(_columns(mine), window)
        skills.append({"skill": name, **asdict(summary)})
        late = mine.at >= recent_start
        before, after = mine.completed[~late], mine.completed[late]
        if before.size >= MIN_SIDE and after.size >= MIN_SIDE and days > RECENT_DAYS:
            test = two_proportion_test(
                int(before.sum()), int(before.size), int(after.sum()), int(after.size)
            )
            if test is not None and test.difference < 0 and test.p_value < ALPHA:
                degrading.append(
                    {
                        "skill": name,
                        "before": test.rate_a,
                        "last_7_days": test.rate_b,
                        "z_score": test.z_score,
                        "p_value": test.p_value,
                    }
                )
    skills.sort(key=lambda s: (-s["invocations"], s["skill"]))
    degrading.sort(key=lambda d: d["z_score"])
    found = anomalies.find_anomalies(graph, namespace, now=end, store=False)
    co_use = dependencies.compute_dependencies(graph, namespace, since=window.since, until=end)
    return {
        "namespace": namespace,
        "since": window.since,
        "until": window.until,
        "invocations": data.size,
        "top_skills": skills[:TOP],
        "degrading": degrading,
        "anomalies": [asdict(a) for a in found],
        "dependencies": [asdict(c) for c in co_use if c.sessions >= 3][:TOP],
    }


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def report_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    lines = [
        f"# Skills report: {report['namespace']}",
        "",
        f"{report['since']:%Y-%m-%d %H:%M} to {report['until']:%Y-%m-%d %H:%M} UTC, "
        f"{report['invocations']} invocations.",
        "",
        "## Top skills",
        "",
        "| skill | invocations | completion (95 % CI) | p50 ms | p95 ms | trend per day |",
        "|---|---|---|---|---|---|",
    ]
    for s in report["top_skills"]:
        interval = s["interval"]
        ci = f" ({interval['low']:.0%}-{interval['high']:.0%})" if interval else ""
        trend = "-" if s["trend_per_day"] is None else f"{s['trend_per_day']:+.2%}"
        lines.append(
            f"| {s['skill']} | {s['invocations']} | {_rate(s['completion_rate'])}{ci} | "
            f"{_ms(s['duration_p50_ms'])} | {_ms(s['duration_p95_ms'])} | {trend} |"
        )
    lines += ["", "## Degrading (last 7 days against the days before, p < 0.05)", ""]
    lines += [
        f"- {d['skill']}: {_rate(d['before'])} → {_rate(d['last_7_days'])} "
        f"(z = {d['z_score']:.2f}, p = {d['p_value']:.2g})"
        for d in report["degrading"]
    ] or ["None."]
    lines += ["", "## Anomalies (last 24 h against the 14 days before)", ""]
    lines += [f"- {a['explanation']}" for a in report["anomalies"]] or ["None."]
    lines += [
        "",
        "## Dependencies (co-use in sessions, by lift)",
        "",
        "| from | to | support | confidence | lift | sessions |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {c['source']} | {c['target']} | {c['support']:.3f} | {c['confidence']:.2f} | "
        f"{c['lift']:.2f} | {c['sessions']} |"
        for c in report["dependencies"]
    ]
    return "\n".join(lines) + "\n"
