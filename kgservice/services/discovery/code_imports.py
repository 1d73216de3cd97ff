"""Imports between the code of two entities: the evidence of the ``code_imports`` method and
of structural typing.

An entity is linked to a repository of its namespace when its name or one of its aliases,
normalised with :func:`~kgservice.services.knowledge.names.name_key`, equals the
repository's name or the name of the project the repository is in (``IN_PROJECT``). An
entity may be linked to several repositories and a repository to several entities.

Two linked entities import each other's code when a file of one's repository (at its latest
indexed commit) has an ``IMPORTS`` edge to a file of the other's. The evidence counts the
distinct importing files in each direction and keeps a few ``importer -> imported`` paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kgservice.services.codegraph.latest import latest_commits
from kgservice.services.knowledge.names import name_key
from kgservice.stores.graph import GraphStore

MAX_EXAMPLES = 3


@dataclass(frozen=True)
class RepositoryInfo:
    """A repository and the name of its project (None when it is in none)."""

    id: str
    name: str
    project: str | None


@dataclass
class RepositoryImports:
    """Files of one repository importing files of another: ``(importer, imported)`` paths."""

    importer: str  # repository id
    imported: str
    files: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class CodeImports:
    """One entity's code importing another's: repository names, files, example paths."""

    importer_repositories: list[str] = field(default_factory=list)
    imported_repositories: list[str] = field(default_factory=list)
    importing_files: int = 0
    imports: int = 0  # distinct importer -> imported file pairs
    examples: list[str] = field(default_factory=list)

    def as_evidence(self) -> dict[str, object]:
        """The JSON evidence shown with a proposal."""
        return {
            "importer_repositories": self.importer_repositories,
            "imported_repositories": self.imported_repositories,
            "importing_files": self.importing_files,
            "imports": self.imports,
            "examples": self.examples,
        }


def load_repository_imports(
    graph: GraphStore, namespace: str
) -> tuple[list[RepositoryInfo], list[RepositoryImports]]:
    """The namespace's repositories and the imports between them (latest commits)."""
    repositories = [
        RepositoryInfo(row["id"], row["name"], row["project"])
        for row in graph.run("discovery/repositories", {"namespace": namespace})
    ]
    latest = set(latest_commits(graph, namespace).values())
    found: dict[tuple[str, str], RepositoryImports] = {}
    for row in graph.run("discovery/code_imports", {"namespace": namespace}):
        if row["commit_id"] not in latest:
            continue
        key = (row["from_repository"], row["to_repository"])
        entry = found.setdefault(key, RepositoryImports(*key))
        entry.files.add((row["from_path"], row["to_path"]))
    return repositories, [found[key] for key in sorted(found)]


def linked_repositories(
    names: Sequence[Sequence[str]], repositories: Sequence[RepositoryInfo]
) -> dict[str, list[int]]:
    """Repository id to the positions of the entities linked to it (``names`` per entity:
    its name and aliases)."""
    by_key: dict[str, list[int]] = {}
    for position, entity_names in enumerate(names):
        for key in sorted({name_key(name) for name in entity_names} - {""}):
            by_key.setdefault(key, []).append(position)
    linked: dict[str, list[int]] = {}
    for repo in repositories:
        keys = {name_key(repo.name)} | ({name_key(repo.project)} if repo.project else set())
        positions = sorted({p for key in keys for p in by_key.get(key, ())})
        if positions:
            linked[repo.id] = positions
    return linked


def entity_imports(
    names: Sequence[Sequence[str]],
    repositories: Sequence[RepositoryInfo],
    imports: Sequence[RepositoryImports],
) -> dict[tuple[int, int], CodeImports]:
    """``(importer position, imported position)`` to the evidence, for linked entities."""
    linked = linked_repositories(names, repositories)
    repo_names = {repo.id: repo.name for repo in repositories}
    files: dict[tuple[int, int], set[tuple[str, str, str, str]]] = {}
    for entry in imports:
        for a in linked.get(entry.importer, ()):
            for b in linked.get(entry.imported, ()):
                if a == b:
                    continue
                found = files.setdefault((a, b), set())
                found.update((entry.importer, x, entry.imported, y) for x, y in entry.files)
    evidence: dict[tuple[int, int], CodeImports] = {}
    for key, pairs in sorted(files.items()):
        ordered = sorted(pairs)
        evidence[key] = CodeImports(
            importer_repositories=sorted({repo_names[p[0]] for p in ordered}),
            imported_repositories=sorted({repo_names[p[2]] for p in ordered}),
            importing_files=len({(p[0], p[1]) for p in ordered}),
            imports=len(ordered),
            examples=[f"{p[1]} -> {p[3]}" for p in ordered[:MAX_EXAMPLES]],
        )
    return evidence
