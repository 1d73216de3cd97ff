"""Reads of the code graph shared by its modules: the latest indexed commit of each
repository of a namespace, and ids split for IN-list queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kgservice.stores.graph import GraphStore

QUERY_CHUNK = 5_000  # ids per IN-list query


def chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    """``values`` in slices of at most :data:`QUERY_CHUNK`."""
    for start in range(0, len(values), QUERY_CHUNK):
        yield values[start : start + QUERY_CHUNK]


def latest_commits(graph: GraphStore, namespace: str) -> dict[str, str]:
    """Repository id to the id of its most recently indexed commit."""
    best: dict[str, tuple[object, str]] = {}
    for row in graph.run("codegraph/latest_commits", {"namespace": namespace}):
        key = (row["indexed_at"], row["commit_id"])
        current = best.get(row["repository_id"])
        if current is None or key > current:
            best[row["repository_id"]] = key
    return {repo: commit_id for repo, (_, commit_id) in sorted(best.items())}
