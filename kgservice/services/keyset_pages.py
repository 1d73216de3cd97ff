"""Keyset pages of nodes in id order (ULIDs sort by creation time), never offsets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kgservice.stores.graph import GraphStore
from kgservice.stores.where import compile_where

ID_MAX = "~"  # sorts after every ULID character


@dataclass(frozen=True)
class KeysetList:
    """One list: its page query (``_desc``: the other direction), count query, filter fields.

    The page query takes ``after_id``, ``before_id`` and ``limit`` besides the caller's
    parameters and returns a ``node`` column; ``variable`` is the filtered node's name in both
    queries.
    """

    page_query: str
    count_query: str
    variable: str
    fields: Mapping[str, str]
    newest_first: bool = False

    def page(
        self,
        graph: GraphStore,
        params: Mapping[str, Any],
        after: str | None,
        before: str | None,
        limit: int,
        backward: bool,
        where: Mapping[str, Any] | None,
    ) -> list[dict[str, Any]]:
        """The nodes of up to ``limit`` rows strictly between the id bounds, in page order."""
        # A newest-first list pages forward through smaller ids: "after" is an upper bound.
        low, high = (before, after) if self.newest_first else (after, before)
        rows = graph.run(
            f"{self.page_query}_desc" if backward else self.page_query,
            {**params, "after_id": low or "", "before_id": high or ID_MAX, "limit": limit},
            where=compile_where(where, self.variable, self.fields),
        )
        return [row["node"] for row in rows]

    def count(
        self, graph: GraphStore, params: Mapping[str, Any], where: Mapping[str, Any] | None
    ) -> int:
        """How many rows of the list match ``where``."""
        rows = graph.run(
            self.count_query, dict(params), where=compile_where(where, self.variable, self.fields)
        )
        return int(rows[0]["count"])
