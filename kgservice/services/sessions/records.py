"""Typed records of the sessions domain, built from graph rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from kgservice.services.node_records import record_from_node


@dataclass(frozen=True)
class ProjectRecord:
    """A project: the root that sessions belong to."""

    id: str
    namespace: str
    name: str
    path: str | None
    description: str | None
    created_at: datetime

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a graph node dict."""
        return record_from_node(cls, node)


@dataclass(frozen=True)
class SessionRecord:
    """An agent session, known by the agent's own ``external_id``."""

    id: str
    namespace: str
    external_id: str
    status: str
    agent: str | None
    created_at: datetime

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a graph node dict."""
        return record_from_node(cls, node, status=node["status"] or "active")


@dataclass(frozen=True)
class ThreadRecord:
    """A thread of messages within a session."""

    id: str
    namespace: str
    name: str
    status: str
    message_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a graph node dict."""
        return record_from_node(cls, node, message_count=node["message_count"] or 0)


@dataclass(frozen=True)
class MessageRecord:
    """One message; ``idx`` is its position in the thread, from 0."""

    id: str
    namespace: str
    role: str
    content: str
    idx: int
    created_at: datetime
    metadata: str | None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a graph node dict."""
        return record_from_node(cls, node)
