"""Imports between the repositories of a namespace, whatever the order of indexing.

A new file version keeps the names it imports that its repository does not define.
Indexing a commit links its files to the modules of the other repositories (their latest
indexed commits), and links those repositories' files whose kept names are its modules to
it. A kept name that the other repository's latest commit now defines itself does not
count; versions stored before names were kept are read from their parse result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgservice.services.codegraph.imports import (
    external_import_edges,
    internal_module,
    module_files,
    unresolved_imports,
)
from kgservice.services.codegraph.latest import chunks, latest_commits
from kgservice.services.codegraph.parsing import FileAnalysis
from kgservice.stores.graph import GraphStore


def other_commits(
    graph: GraphStore, namespace: str, repository_id: str
) -> list[list[dict[str, Any]]]:
    """The file versions of the latest commit of each other repository of the namespace,
    package ``__init__`` files first."""
    commits = [
        commit_id
        for other, commit_id in latest_commits(graph, namespace).items()
        if other != repository_id
    ]
    found: dict[str, list[dict[str, Any]]] = {commit_id: [] for commit_id in commits}
    for chunk in chunks(commits):
        for row in graph.run("codegraph/commit_unresolved", {"commit_ids": list(chunk)}):
            found[row["commit_id"]].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: (not r["path"].endswith("__init__.py"), r["path"]))
    return list(found.values())


def cross_repository_imports(
    graph: GraphStore,
    version_ids: Mapping[str, str],
    modules: dict[str, str],
    unresolved: dict[str, list[str]],
    namespace: str,
    repository_id: str,
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """IMPORTS pairs from this commit's files (``version_ids``: path to file id) to other
    repositories' modules, and from other repositories' files to this commit's modules
    (``modules``: module name to path; ``unresolved``: path to the names it keeps)."""
    others = other_commits(graph, namespace, repository_id)
    external: dict[str, list[str]] = {}
    for rows in others:
        for module, ids in module_files((r["module"], r["id"]) for r in rows).items():
            external.setdefault(module, []).extend(ids)
    outgoing = {
        (version_ids[path], target) for path, target in external_import_edges(unresolved, external)
    }
    own = {name: [version_ids[path]] for name, path in modules.items()}
    incoming: set[tuple[str, str]] = set()
    for rows in others:
        theirs = {r["module"]: r["id"] for r in rows}
        names = {r["id"]: _still_unresolved(r, theirs) for r in rows}
        incoming |= external_import_edges(names, own)
    return outgoing, incoming


def _still_unresolved(row: Mapping[str, Any], modules: Mapping[str, str]) -> list[str]:
    """The kept names of a stored version (from its parse result when none were kept) that
    ``modules``, its repository's latest commit, does not define."""
    if row["unresolved"] is not None:
        return [name for name in row["unresolved"] if internal_module(name, modules) is None]
    if row["analysis"]:
        return unresolved_imports(FileAnalysis.from_json(row["analysis"]), modules)
    return []
