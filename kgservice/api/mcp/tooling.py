"""What an MCP tool is: a name, a description, an argument model, a handler, its rights.

Tool modules (one per domain, listed in :mod:`kgservice.api.mcp.registry`) each export
``TOOLS``, a tuple of :class:`Tool`. A handler gets a :class:`ToolContext` (the services and
the caller's rights, as a GraphQL resolver does) and its validated arguments, and returns
a JSON object. Domain errors it raises become MCP tool errors (see :mod:`.outcomes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from kgservice.api.access import AccessDeniedError
from kgservice.api.context import RequestContext
from kgservice.ids import label_of
from kgservice.services.mcp.projects import ProjectDirectory
from kgservice.services.mcp.session_context import SessionContextReader
from kgservice.services.registry import Services
from kgservice.services.sessions.records import ProjectRecord


class Arguments(BaseModel):
    """Base of every tool's arguments: unknown arguments are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


@dataclass(frozen=True)
class Tool:
    """One MCP tool.

    ``writes`` marks tools that change stored data: a read-scoped API key neither sees nor
    may call them.
    """

    name: str
    description: str
    arguments: type[Arguments]
    handler: Callable[[ToolContext, Any], Awaitable[dict[str, Any]]]
    writes: bool

    def input_schema(self) -> dict[str, Any]:
        """The JSON schema of the tool's arguments."""
        return self.arguments.model_json_schema()


@dataclass
class ToolContext:
    """One tool call's services and rights, and project look-up by name or id."""

    request: RequestContext
    projects: ProjectDirectory
    session_context: SessionContextReader

    @property
    def services(self) -> Services:
        """The domain services."""
        return self.request.services

    @property
    def default_namespace(self) -> str:
        """Where project names resolve: the key's only namespace, else ``default``."""
        allowed = self.request.access.namespaces
        if allowed is not None and len(allowed) == 1:
            return next(iter(allowed))
        return "default"

    async def find_project(self, project: str) -> ProjectRecord | None:
        """The project named (or identified) by ``project``, if any and visible."""
        namespace = self._namespace_of(project)
        found = await self.request.run(self.projects.find, project, namespace)
        if found is not None and not self.request.visible(found.namespace):
            return None
        return found

    async def project(self, project: str) -> ProjectRecord:
        """The project named (or identified) by ``project``, created on a name's first use."""
        namespace = self._namespace_of(project)
        found, _ = await self.request.run(self.projects.find_or_create, project, namespace)
        if not self.request.visible(found.namespace):  # an id of another namespace
            raise AccessDeniedError(
                f"API key {self.request.access.key_name!r} may not use node {found.id}"
            )
        return found

    def _namespace_of(self, project: str) -> str:
        """Where a project name resolves, refused if the key may not use it (ids pass)."""
        namespace = self.default_namespace
        if label_of(project) != "Project":
            self.request.check_namespace(namespace)
        return namespace
