"""Projects as agents name them: by name (created on first use) or by id."""

from __future__ import annotations

from collections.abc import Collection

from kgservice.clock import utc_now
from kgservice.errors import NotFoundError
from kgservice.ids import label_of, new_id
from kgservice.services.sessions.records import ProjectRecord
from kgservice.services.validation import MAX_NAME, require_text
from kgservice.stores.graph import GraphStore


class ProjectDirectory:
    """Finds a project by id or by name within a namespace, creating a named one if asked.

    A value that is a Project id is taken as an id; anything else is a name. Names are
    matched exactly; when several projects of a namespace share one, the oldest wins.
    """

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def newest(self, limit: int, namespaces: Collection[str] | None = None) -> list[ProjectRecord]:
        """Up to ``limit`` projects (of ``namespaces``, if given), newest first."""
        if namespaces is None:
            rows = self.graph.run("mcp/projects", {"limit": limit})
        else:
            params = {"limit": limit, "namespaces": sorted(namespaces)}
            rows = self.graph.run("mcp/projects_in", params)
        return [ProjectRecord.from_node(row["node"]) for row in rows]

    def find(self, project: str, namespace: str) -> ProjectRecord | None:
        """The project ``project`` names (an id, or a name in ``namespace``), or None."""
        require_text("project", project, max_length=MAX_NAME)
        if label_of(project) == "Project":
            rows = self.graph.run("core/node_by_id", {"id": project}, label="Project")
        else:
            rows = self.graph.run("mcp/project_by_name", {"name": project, "namespace": namespace})
        return ProjectRecord.from_node(rows[0]["node"]) if rows else None

    def find_or_create(self, project: str, namespace: str) -> tuple[ProjectRecord, bool]:
        """The project ``project`` names, created under that name if none has it.

        Returns the project and whether it was created. An id that names no project is
        refused (NotFoundError): only names create. The look-up and the creation share one
        write transaction, so concurrent first uses of a name create one project.
        """
        require_text("project", project, max_length=MAX_NAME)
        if label_of(project) == "Project":
            found = self.find(project, namespace)
            if found is None:
                raise NotFoundError(project, "project")
            return found, False
        with self.graph.transaction() as tx:
            rows = tx.run("mcp/project_by_name", {"name": project, "namespace": namespace})
            if rows:
                return ProjectRecord.from_node(rows[0]["node"]), False
            created = tx.run(
                "sessions/create_project",
                {
                    "id": new_id("Project"),
                    "namespace": namespace,
                    "now": utc_now(),
                    "name": project,
                    "path": None,
                    "description": None,
                },
            )
        return ProjectRecord.from_node(created[0]["node"]), True
