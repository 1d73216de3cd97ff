"""The latest indexed commit of each repository of a namespace."""

from __future__ import annotations

from kgservice.stores.graph import GraphStore


def latest_commits(graph: GraphStore, namespace: str) -> dict[str, str]:
    """Repository id to the id of its most recently indexed commit."""
    best: dict[str, tuple[object, str]] = {}
    for row in graph.run("codegraph/latest_commits", {"namespace": namespace}):
        key = (row["indexed_at"], row["commit_id"])
        current = best.get(row["repository_id"])
        if current is None or key > current:
            best[row["repository_id"]] = key
    return {repo: commit_id for repo, (_, commit_id) in sorted(best.items())}
