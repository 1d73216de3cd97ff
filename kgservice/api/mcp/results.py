"""Stored records as plain JSON objects for MCP tool results and resources."""

from __future__ import annotations

import json
from typing import Any

import orjson

from kgservice.services.jobs import JobRecord
from kgservice.services.knowledge.entities import EntityRecord
from kgservice.services.knowledge.relations import RelationRecord
from kgservice.services.memory import MemoryRecord
from kgservice.services.nodes import NodeRecord
from kgservice.services.sessions.records import (
    MessageRecord,
    ProjectRecord,
    SessionRecord,
    ThreadRecord,
)

SNIPPET_CHARS = 240


def plain(value: Any) -> Any:
    """``value`` with times as ISO 8601 strings and tuples as lists: JSON all the way down."""
    return orjson.loads(orjson.dumps(value, default=str))


def project(record: ProjectRecord) -> dict[str, Any]:
    """A project."""
    return {
        "id": record.id,
        "name": record.name,
        "path": record.path,
        "description": record.description,
        "namespace": record.namespace,
        "created_at": record.created_at,
    }


def session(record: SessionRecord | None) -> dict[str, Any] | None:
    """A session (None stays None)."""
    if record is None:
        return None
    return {
        "id": record.id,
        "external_id": record.external_id,
        "status": record.status,
        "agent": record.agent,
        "namespace": record.namespace,
        "created_at": record.created_at,
    }


def thread(record: ThreadRecord) -> dict[str, Any]:
    """A thread."""
    return {
        "id": record.id,
        "name": record.name,
        "status": record.status,
        "message_count": record.message_count,
        "namespace": record.namespace,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def message(record: MessageRecord) -> dict[str, Any]:
    """A message."""
    return {
        "id": record.id,
        "idx": record.idx,
        "role": record.role,
        "content": record.content,
        "metadata": json.loads(record.metadata) if record.metadata else None,
        "created_at": record.created_at,
    }


def memory(record: MemoryRecord) -> dict[str, Any]:
    """A conversation or reflection."""
    found: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "content": record.content,
        "project_id": record.project_id,
        "namespace": record.namespace,
        "created_at": record.created_at,
    }
    if record.kind == "Reflection":
        found.update(tags=list(record.tags), importance=record.importance)
    else:
        found.update(
            session_id=record.session_id,
            thread_id=record.thread_id,
            metadata=json.loads(record.metadata) if record.metadata else None,
        )
    return found


def entity(record: EntityRecord) -> dict[str, Any]:
    """An entity."""
    return {
        "id": record.id,
        "name": record.name,
        "kind": record.kind,
        "observations": list(record.observations),
        "aliases": list(record.aliases),
        "properties": json.loads(record.properties) if record.properties else {},
        "namespace": record.namespace,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def relation(record: RelationRecord) -> dict[str, Any]:
    """A relation between two entities."""
    return {
        "id": record.id,
        "from_id": record.from_id,
        "to_id": record.to_id,
        "type": record.type,
        "confidence": record.confidence,
        "score": record.score,
        "method": record.method,
        "evidence": json.loads(record.evidence) if record.evidence else [],
        "status": record.status,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "job_id": record.job_id,
    }


def job(record: JobRecord) -> dict[str, Any]:
    """A background job."""
    return {
        "id": record.id,
        "kind": record.kind,
        "status": record.status,
        "namespace": record.namespace,
        "progress": record.progress,
        "parameters": record.parameters,
        "counts": record.counts,
        "errors": record.errors,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "updated_at": record.updated_at,
    }


def node_summary(record: NodeRecord) -> dict[str, Any]:
    """Any node, briefly: id, kind, namespace and a snippet of its text."""
    return {
        "id": record.id,
        "kind": record.label,
        "namespace": record.properties.get("namespace") or "",
        "snippet": snippet(record),
    }


def snippet(record: NodeRecord) -> str:
    """The start of a node's text (an entity's name and observations; else content or name)."""
    props = record.properties
    if record.label == "Entity":
        text = " — ".join([props.get("name") or "", *(props.get("observations") or [])])
    else:
        text = str(props.get("content") or props.get("name") or props.get("external_id") or "")
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
