"""The quality report: trends, alerts and command statistics of projects, as JSON or Markdown.

The JSON form uses the GraphQL field names, so CI can read either the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kgservice.clock import utc_now
from kgservice.errors import NotFoundError
from kgservice.ids import label_of
from kgservice.services.quality.runs import naive_utc
from kgservice.services.quality.service import QualityService, check_days, check_threshold

SEVERITY_RANK = {"INFO": 1, "WARNING": 2, "CRITICAL": 3}


@dataclass(frozen=True)
class ProjectRef:
    """A project the report covers."""

    id: str
    name: str
    namespace: str


def find_projects(service: QualityService, project: str | None, days: int) -> list[ProjectRef]:
    """The project named (or with the id) ``project``, or every project with runs in the window."""
    graph = service.graph
    if project is None:
        since = naive_utc(utc_now() - timedelta(days=days))
        rows = graph.run("quality/projects_with_runs", {"since": since})
    elif label_of(project) == "Project":
        rows = graph.run("quality/projects", {"ids": [project]})
        if not rows:
            raise NotFoundError(project, "project")
    else:
        rows = graph.run("quality/projects_by_name", {"name": project})
        if not rows:
            raise NotFoundError(project, "project named")
    return [ProjectRef(r["id"], r["name"] or "", r["namespace"] or "") for r in rows]


def project_report(
    service: QualityService, project: ProjectRef, days: int, threshold: float | None
) -> dict[str, Any]:
    """One project's section of the report."""
    return {
        "project": {"id": project.id, "name": project.name, "namespace": project.namespace},
        "trends": [
            {
                "metric": t.metric.name,
                "higherIsBetter": t.metric.higher_is_better,
                "first": t.first,
                "last": t.last,
                "changePct": t.change_pct,
                "direction": t.direction,
                "runs": t.runs,
            }
            for t in service.trends(project.id, days)
        ],
        "alerts": [
            {
                "metric": a.metric.name,
                "severity": a.severity,
                "changePct": a.change_pct,
                "degradationPct": a.degradation_pct,
                "message": a.message,
            }
            for a in service.alerts(project.id, days, threshold)
        ],
        "commands": [
            {
                "command": c.command,
                "runs": c.runs,
                "successRate": c.success_rate,
                "meanSeconds": c.mean_seconds,
                "p95Seconds": c.p95_seconds,
            }
            for c in service.commands(project.id, days)
        ],
    }


def build_report(
    service: QualityService, project: str | None, days: int, threshold: float | None
) -> dict[str, Any]:
    """The whole report: its window, threshold and a section per project."""
    limit = check_threshold(threshold)
    projects = find_projects(service, project, check_days(days))
    return {
        "generatedAt": utc_now().isoformat(timespec="seconds") + "Z",
        "days": days,
        "threshold": limit,
        "projects": [project_report(service, p, days, threshold) for p in projects],
    }


def alerts_at_least(report: dict[str, Any], severity: str) -> int:
    """How many alerts of the report are at ``severity`` or worse."""
    floor = SEVERITY_RANK[severity.upper()]
    return sum(
        SEVERITY_RANK[alert["severity"]] >= floor
        for section in report["projects"]
        for alert in section["alerts"]
    )


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people: per project, its alerts, trends and commands."""
    lines = [
        "# Quality report",
        "",
        f"Last {report['days']} days, alert threshold {report['threshold']:g} %, "
        f"generated {report['generatedAt']}.",
    ]
    if not report["projects"]:
        lines += ["", "No quality runs in this window."]
    for section in report["projects"]:
        project = section["project"]
        title = project["name"] or project["id"]
        lines += ["", f"## {title}", "", f"`{project['id']}` (namespace `{project['namespace']}`)"]
        lines += ["", "### Alerts", ""]
        if section["alerts"]:
            lines += [f"- **{a['severity']}** {a['message']}" for a in section["alerts"]]
        else:
            lines.append("None.")
        lines += ["", "### Trends", ""]
        lines += _table(
            ["metric", "first", "last", "change %", "direction", "runs"],
            [
                [
                    t["metric"],
                    _number(t["first"]),
                    _number(t["last"]),
                    _number(t["changePct"], 1),
                    t["direction"],
                    str(t["runs"]),
                ]
                for t in section["trends"]
            ],
        )
        lines += ["", "### Commands (slowest first)", ""]
        lines += _table(
            ["command", "runs", "success %", "mean s", "p95 s"],
            [
                [
                    f"`{c['command']}`",
                    str(c["runs"]),
                    _number(c["successRate"] * 100, 1),
                    _number(c["meanSeconds"]),
                    _number(c["p95Seconds"]),
                ]
                for c in section["commands"]
            ],
        )
    return "\n".join(lines) + "\n"
