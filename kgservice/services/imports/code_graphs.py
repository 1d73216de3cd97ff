"""Code graphs: ``code_graphs`` rows of ``reflection.duckdb`` (``id`` is
``"{repo_path}:{commit_hash}"``, ``graph_data`` a JSON graph).

They map onto the code-graph model (Repository, Commit, CodeFile, Symbol) through a
:class:`CodeGraphModel`, which the code-graph service provides
(:class:`kgservice.services.codegraph.legacy_import.LegacyCodeGraphs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from kgservice.services.imports.mapping import MapContext, MappedTable
from kgservice.services.imports.sources import LegacyFile, LegacyTable

CODE_GRAPHS = LegacyTable(
    name="code_graphs",
    required=("id", "repo_path", "commit_hash", "graph_data"),
    optional=("indexed_at", "nodes_count", "timestamp", "metadata"),
    times=("indexed_at", "timestamp"),
)


class CodeGraphModel(Protocol):
    """What the code-graph service provides to import code graphs.

    ``rows`` are the ``code_graphs`` rows as dicts (times as text, ``graph_data`` and
    ``metadata`` as JSON text). Yield one :class:`MappedTable` for the table (its report's
    ``file`` is filled in by the mapper): the Commit node of each row carries the row's
    ``id`` (``repo:commit``) as its legacy key and the rest of the row as its parts, with
    ids from ``seeded_id(moment, label, context.seed("code_graphs", ...))``.
    """

    def map_code_graphs(
        self, rows: list[dict[str, Any]], context: MapContext
    ) -> Iterator[MappedTable]: ...


@dataclass
class CodeGraphsMapper:
    """code_graphs -> the code-graph model."""

    model: CodeGraphModel
    family: str = "code graphs"
    option: str = "reflection_db"
    tables: tuple[LegacyTable, ...] = (CODE_GRAPHS,)
    required: bool = False

    def unavailable(self) -> str | None:
        """Code graphs always have a model."""
        return None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Hand the rows to the model; its reports name ``legacy``."""
        if not legacy.has(CODE_GRAPHS.name):
            return
        rows, _ = legacy.read(CODE_GRAPHS)
        for mapped in self.model.map_code_graphs(rows, context):
            mapped.report.file = legacy.label
            yield mapped
