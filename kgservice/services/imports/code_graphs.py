"""Code graphs: ``code_graphs`` rows of ``reflection.duckdb`` (``id`` is
``"{repo_path}:{commit_hash}"``, ``graph_data`` a JSON graph).

They map onto the code-graph model (Repository, Commit, CodeFile, Symbol). Until a
:class:`CodeGraphModel` is wired in, every row is counted and reported as skipped with
:data:`UNAVAILABLE` as the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from kgservice.services.imports.mapping import MapContext, MappedTable, skipped_tables
from kgservice.services.imports.sources import LegacyFile, LegacyTable

UNAVAILABLE = "code graph model not available"
CODE_GRAPHS = LegacyTable(
    name="code_graphs",
    required=("id", "repo_path", "commit_hash", "graph_data"),
    optional=("indexed_at", "nodes_count", "timestamp", "metadata"),
    times=("indexed_at", "timestamp"),
)


class CodeGraphModel(Protocol):
    """What the code-graph service provides to import code graphs.

    ``rows`` are the ``code_graphs`` rows as dicts (times as text, ``graph_data`` and
    ``metadata`` as JSON text). Yield one :class:`MappedTable` for the table: the Commit
    node of each row carries the row's ``id`` (``repo:commit``) as its legacy key, with ids
    from ``seeded_id(moment, label, context.seed("code_graphs", legacy_id))``.
    """

    def map_code_graphs(
        self, rows: list[dict[str, Any]], context: MapContext
    ) -> Iterator[MappedTable]: ...


@dataclass
class CodeGraphsMapper:
    """code_graphs -> the code-graph model (when wired in)."""

    model: CodeGraphModel | None = None
    family: str = "code graphs"
    option: str = "reflection_db"
    tables: tuple[LegacyTable, ...] = (CODE_GRAPHS,)
    required: bool = False

    def unavailable(self) -> str | None:
        """Why code graphs cannot be imported (None once the model is wired in)."""
        return UNAVAILABLE if self.model is None else None

    def map(self, legacy: LegacyFile, context: MapContext) -> Iterator[MappedTable]:
        """Hand the rows to the model, or report them skipped."""
        if not legacy.has(CODE_GRAPHS.name):
            return
        if self.model is None:
            counts = {CODE_GRAPHS.name: legacy.count(CODE_GRAPHS.name)}
            yield from skipped_tables(self, legacy, UNAVAILABLE, counts)
            return
        rows, _ = legacy.read(CODE_GRAPHS)
        yield from self.model.map_code_graphs(rows, context)
