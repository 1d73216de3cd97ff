"""session-buddy's ``skill_invocation`` rows as SkillInvocation nodes, for the importer.

Each row is checked by the same rules as an invocation recorded through the API
(:func:`check_invocation`); a row they refuse (a negative duration, an empty skill name, a
rank below 1...) is skipped with the rule's reason. An invocation is linked (``INVOKED``) to
its skill, found by name in the namespace or created on first use, and (``DURING``) to its
session only when that session is in the graph: known by its external id (a session's
legacy key) or by its kgservice id. Otherwise it is kept without the link and the report
counts it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kgservice.errors import InputError
from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.records import (
    MappedEdge,
    MappedNode,
    TableReport,
    first_time,
    seeded_id,
    unique_rows,
)
from kgservice.services.imports.skills import INVOCATIONS, invocation_key
from kgservice.services.skills.invocations import InvocationInput, check_invocation

FILE = "skills.db"
NO_SESSION = "session not in the graph (kept without the session link)"
#: Labels whose nodes an import may have created and later tables link to.
TAXONOMY_LABELS = ("Skill", "SkillCategory", "Modality")


@dataclass
class SkillIndex:
    """The namespace's skills by name during one import, and the taxonomy nodes the job
    created (edges are only drawn to or from those, so a rollback removes them all)."""

    context: MapContext
    ids: dict[str, str] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, context: MapContext) -> SkillIndex:
        """The skills of the namespace, and what this job created before it was stopped."""
        rows = context.graph.run("skills/skills_of_namespace", {"namespace": context.namespace})
        index = cls(context, {row["name"]: row["id"] for row in rows})
        if context.job_id is not None:
            ledger = context.graph.run("imports/imported_nodes", {"job_id": context.job_id})
            index.created = {r["node_id"] for r in ledger if r["label"] in TAXONOMY_LABELS}
        return index

    def skill_id(self, name: str, moment: datetime, nodes: list[MappedNode]) -> str:
        """The id of skill ``name``; a new Skill node is appended to ``nodes`` if missing."""
        found = self.ids.get(name)
        if found is None:
            found = seeded_id(moment, "Skill", self.context.seed("skill", name))
            self.ids[name] = found
            self.created.add(found)
            properties = {"namespace": self.context.namespace, "created_at": moment, "name": name}
            nodes.append(MappedNode("Skill", found, properties))
        return found

    def ours(self, *node_ids: str) -> bool:
        """Whether any of the nodes was created by this import."""
        return any(node_id in self.created for node_id in node_ids)


def invalid(report: TableReport, key: str, error: InputError) -> None:
    """Skip a row a skills rule refused; the reason names the field (position dropped)."""
    name = error.field.split(".", 1)[-1]
    report.skip(f"invalid {name}: {error.reason}", key)


def text_or_none(value: Any) -> str | None:
    """A legacy text column: None when absent or blank."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def alternatives(report: TableReport, key: str, value: Any) -> tuple[str, ...]:
    """``alternatives_considered``: a JSON list of names (comma-separated text accepted)."""
    text = text_or_none(value)
    if text is None:
        return ()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text.split(",")
        report.problem("alternatives not a JSON list (read as comma-separated)", key)
    if not isinstance(parsed, list):
        parsed = [parsed]
    return tuple(str(item).strip() for item in parsed if item is not None and str(item).strip())


def _number(value: Any, convert: type[float] | type[int]) -> float | int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return convert(value)


def invocation_input(
    report: TableReport, key: str, row: Mapping[str, Any], moment: datetime
) -> InvocationInput:
    """The row as the skills service's input (InputError for unreadable numbers)."""
    try:
        seconds = _number(row.get("duration_seconds"), float)
    except (TypeError, ValueError):
        raise InputError("durationMs", "is not a number") from None
    try:
        rank = _number(row.get("selection_rank"), int)
    except (TypeError, ValueError):
        raise InputError("selectionRank", "is not a whole number") from None
    return InvocationInput(
        skill=str(row.get("skill_name") or ""),
        at=moment,
        completed=bool(row.get("completed")),
        duration_ms=None if seconds is None else float(seconds) * 1000.0,
        error_type=text_or_none(row.get("error_type")),
        user_query=text_or_none(row.get("user_query")),
        workflow_phase=text_or_none(row.get("workflow_phase")),
        alternatives=alternatives(report, key, row.get("alternatives_considered")),
        selection_rank=None if rank is None else int(rank),
    )


def stored_sessions(context: MapContext, legacy_ids: Iterable[str]) -> dict[str, str]:
    """Legacy session id -> the id of its Session node in the namespace, for those stored."""
    wanted = sorted(set(legacy_ids))
    if not wanted:
        return {}
    by_key = {
        key: known.node_id
        for key, known in context.known(wanted).items()
        if known.label == "Session"
    }
    candidates = sorted({*by_key.values(), *wanted})
    stored = {
        row["id"]
        for row in context.graph.run(
            "skills/sessions_existing", {"ids": candidates, "namespace": context.namespace}
        )
    }
    found = {legacy: node for legacy, node in by_key.items() if node in stored}
    found.update({legacy: legacy for legacy in wanted if legacy in stored})
    return found


def map_invocations(
    rows: list[dict[str, Any]], context: MapContext, skills: SkillIndex
) -> MappedTable:
    """``skill_invocation`` rows -> SkillInvocation nodes (INVOKED, DURING when stored)."""
    report = TableReport(file=FILE, table=INVOCATIONS.name)
    report.source = len(rows)
    rows = unique_rows(report, rows)
    keys = [invocation_key(row["id"]) for row in rows]
    known = context.known(keys)
    sessions = stored_sessions(
        context, (s for row in rows if (s := text_or_none(row.get("session_id"))) is not None)
    )
    checked: list[tuple[str, dict[str, Any], str | None]] = []
    for position, (key, row) in enumerate(zip(keys, rows, strict=True)):
        earlier = known.get(key)
        if earlier is not None:
            if earlier.job_id == context.job_id and context.job_id is not None:
                report.imported += 1  # committed before this job was stopped
            else:
                report.already += 1
            continue
        moment = first_time(
            report, key, context.started, row.get("invoked_at"), row.get("created_at")
        )
        try:
            value = check_invocation(position, invocation_input(report, key, row, moment))
        except InputError as error:
            invalid(report, key, error)
            continue
        legacy_session = text_or_none(row.get("session_id"))
        session = None if legacy_session is None else sessions.get(legacy_session)
        if legacy_session is not None and session is None:
            report.problem(NO_SESSION, key)
        value["session_id"] = session
        checked.append((key, value, legacy_session))
    mapped = MappedTable(report)
    first_use: dict[str, datetime] = {}
    for _, value, _ in checked:
        name = value["skill"]
        first_use[name] = min(first_use.get(name, value["invoked_at"]), value["invoked_at"])
    skill_ids = {name: skills.skill_id(name, at, mapped.nodes) for name, at in first_use.items()}
    for key, value, _ in checked:
        moment = value["invoked_at"]
        node_id = seeded_id(moment, "SkillInvocation", context.seed(INVOCATIONS.name, key))
        skill_id = skill_ids[value["skill"]]
        node = MappedNode(
            "SkillInvocation",
            node_id,
            {
                **value,
                "namespace": context.namespace,
                "created_at": moment,
                "legacy_id": key,
                "skill_id": skill_id,
            },
            keys=[key],
        )
        node.edges.append(MappedEdge("INVOKED", "SkillInvocation", node_id, "Skill", skill_id))
        if value["session_id"] is not None:
            node.edges.append(
                MappedEdge("DURING", "SkillInvocation", node_id, "Session", value["session_id"])
            )
        mapped.nodes.append(node)
        report.imported += 1
    return mapped
