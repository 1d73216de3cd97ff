"""The contract between the importer and its mappers (one per legacy table family).

A :class:`Mapper` names the file it reads, the tables it needs and, through ``unavailable``,
whether the kgservice model it writes into exists. Its ``map`` yields one
:class:`MappedTable` per legacy table, lazily: the writer stores each before the next is
mapped, so a later table (relations) can refer to what an earlier one (entities) wrote.
Mappers read the graph only through :class:`MapContext`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kgservice.ids import new_id
from kgservice.services.imports.records import MappedEdge, MappedNode, TableReport
from kgservice.services.imports.sources import LegacyFile, LegacyTable
from kgservice.stores.graph import GraphStore

#: Name of the project that records without one are filed under.
UNNAMED_PROJECT = "session-buddy (no project)"


@dataclass(frozen=True)
class KnownKey:
    """A legacy key recorded earlier: its node, and the import that recorded it."""

    label: str
    node_id: str
    job_id: str | None


@dataclass
class MappedTable:
    """What one legacy table maps to: nodes (each with its own edges) and free edges."""

    report: TableReport
    nodes: list[MappedNode] = field(default_factory=list)
    edges: list[MappedEdge] = field(default_factory=list)


@dataclass
class MapContext:
    """What mappers share during one run: where to write, and lookups in the graph."""

    graph: GraphStore
    namespace: str
    job_id: str | None
    started: datetime
    dimension: int
    #: Node ids of legacy entities (legacy id -> node id), filled by the entity mapper.
    entities: dict[str, str] = field(default_factory=dict)
    #: Projects created by this run and not yet written.
    pending_projects: list[MappedNode] = field(default_factory=list)
    _projects: dict[str, str] | None = None

    def seed(self, table: str, legacy_id: str) -> str:
        """The seed of a record's id: the same record in the same namespace, the same id."""
        return f"{self.namespace}\x00{table}\x00{legacy_id}"

    def known(self, keys: Iterable[str]) -> dict[str, KnownKey]:
        """The legacy keys among ``keys`` recorded by an earlier (or this, resumed) run."""
        unique = list(dict.fromkeys(keys))
        found: dict[str, KnownKey] = {}
        for start in range(0, len(unique), 5_000):
            rows = self.graph.run("imports/legacy_keys", {"keys": unique[start : start + 5_000]})
            for row in rows:
                found[row["key"]] = KnownKey(row["label"], row["node_id"], row["job_id"])
        return found

    def project_id(self, name: str | None, moment: datetime) -> str:
        """The id of the namespace's project named ``name``, created (pending) if missing."""
        if self._projects is None:
            rows = self.graph.run("imports/projects_by_name", {"namespace": self.namespace})
            self._projects = {}
            for row in rows:
                self._projects.setdefault(row["name"], row["id"])
        wanted = (name or "").strip() or UNNAMED_PROJECT
        found = self._projects.get(wanted)
        if found is None:
            found = self._projects[wanted] = new_id("Project")
            self.pending_projects.append(
                MappedNode(
                    label="Project",
                    id=found,
                    properties={
                        "namespace": self.namespace,
                        "created_at": moment,
                        "updated_at": moment,
                        "name": wanted,
                        "description": "Imported from session-buddy",
                    },
                )
            )
        return found

    def take_projects(self) -> list[MappedNode]:
        """The projects created since the last call (the writer stores them)."""
        taken, self.pending_projects = self.pending_projects, []
        return taken


class Mapper(Protocol):
    """Maps one family of legacy tables onto the kgservice model."""

    @property
    def family(self) -> str:
        """What the reports call the family (``conversations``, ``skills``...)."""
        ...

    @property
    def option(self) -> str:
        """The option naming the file it reads: reflection_db, kg_db or skills_db."""
        ...

    @property
    def tables(self) -> Sequence[LegacyTable]:
        """The legacy tables it reads, in the order it maps them."""
        ...

    @property
    def required(self) -> bool:
        """Whether the file must have at least one of ``tables``."""
        ...

    def unavailable(self) -> str | None:
        """Why the target model is missing (the family is then counted and skipped)."""
        ...

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Map each present table of ``tables`` in ``legacy``, one at a time."""
        ...


def skipped_tables(
    mapper: Mapper, legacy: LegacyFile, reason: str, counts: dict[str, int]
) -> Iterator[MappedTable]:
    """Reports for a family whose model is missing: every row counted and skipped (tables
    without rows are left out)."""
    for table in mapper.tables:
        if counts.get(table.name):
            report = TableReport(file=legacy.label, table=table.name, note=reason)
            report.source = counts.get(table.name, 0)
            if report.source:
                report.skipped[reason] = report.source
            yield MappedTable(report)
