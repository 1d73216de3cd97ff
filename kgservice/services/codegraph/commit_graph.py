"""One indexed commit's files, symbols and edges, loaded once and kept in memory.

An indexed commit never changes (a new commit is a new node), so its loaded graph stays
valid: :class:`CommitGraphs` keeps the most recently used ones, and impact, call chains
and importers are walks over plain adjacency lists (a depth-3 impact takes well under a
millisecond; loading a 50,000-line repository's commit from the store takes longer).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kgservice.errors import InputError, NotFoundError
from kgservice.services.codegraph.writing import SymbolRow
from kgservice.stores.graph import GraphStore

CACHED_COMMITS = 8


@dataclass(frozen=True)
class RepositoryInfo:
    """An indexed repository."""

    id: str
    name: str
    path: str
    remote: str | None


@dataclass(frozen=True)
class CommitInfo:
    """An indexed commit."""

    id: str
    sha: str
    ref: str | None
    message: str | None
    authored_at: datetime | None
    indexed_at: datetime | None
    file_count: int


@dataclass(frozen=True)
class FileInfo:
    """A file version of a commit."""

    id: str
    path: str
    module: str
    language: str | None
    content_hash: str
    lines: int | None
    error: str | None


#: A symbol of a commit (kind module, class, function or method), as indexing wrote it.
SymbolInfo = SymbolRow


@dataclass
class CommitGraph:
    """A commit's nodes and edges with adjacency for walking them."""

    repository: RepositoryInfo
    commit: CommitInfo
    files: list[FileInfo]
    symbols: list[SymbolInfo]
    imports: list[tuple[str, str]]  # file id -> file id
    calls: list[tuple[str, str]]  # symbol id -> symbol id
    inherits: list[tuple[str, str]]
    file_by_id: dict[str, FileInfo] = field(init=False)
    symbol_by_id: dict[str, SymbolInfo] = field(init=False)
    by_qualname: dict[str, SymbolInfo] = field(init=False)
    module_symbol: dict[str, str] = field(init=False)  # file id -> its module symbol id
    defined_in: dict[str, list[str]] = field(init=False)  # file id -> its symbols' ids
    callers: dict[str, list[str]] = field(init=False)
    callees: dict[str, list[str]] = field(init=False)
    importers: dict[str, list[str]] = field(init=False)  # file id -> importing file ids

    def __post_init__(self) -> None:
        self.file_by_id = {f.id: f for f in self.files}
        self.symbol_by_id = {s.id: s for s in self.symbols}
        self.by_qualname = {}
        self.module_symbol = {}
        self.defined_in = {}
        for symbol in sorted(self.symbols, key=lambda s: (s.kind != "module", s.id)):
            self.by_qualname.setdefault(symbol.qualname, symbol)
            self.defined_in.setdefault(symbol.file_id, []).append(symbol.id)
            if symbol.kind == "module":
                self.module_symbol.setdefault(symbol.file_id, symbol.id)
        self.callers, self.callees, self.importers = {}, {}, {}
        for a, b in self.calls:
            self.callers.setdefault(b, []).append(a)
            self.callees.setdefault(a, []).append(b)
        for a, b in self.imports:
            self.importers.setdefault(b, []).append(a)

    def module_imports(self) -> list[tuple[str, str]]:
        """Every import edge as (importer module, imported module), sorted."""
        names = self.file_by_id
        return sorted({(names[a].module, names[b].module) for a, b in self.imports})

    def find(self, target: str, field_name: str = "target") -> SymbolInfo:
        """The symbol a name gives: a qualified name, a module, a file path, or a unique
        qualified name within its module (``GraphStore.checkpoint``).

        Raises:
            InputError: nothing, or more than one symbol, has that name.
        """
        found = self.by_qualname.get(target)
        if found is not None:
            return found
        for file in self.files:
            if file.path == target and file.id in self.module_symbol:
                return self.symbol_by_id[self.module_symbol[file.id]]
        suffix = f".{target}"
        matches = [s for s in self.symbols if s.qualname.endswith(suffix)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            names = ", ".join(sorted(s.qualname for s in matches)[:5])
            raise InputError(field_name, f"{target!r} is ambiguous: {names}")
        raise InputError(field_name, f"no module, symbol or file {target!r} in this commit")


class CommitGraphs:
    """Finds repositories and commits, and loads commit graphs (cached per commit)."""

    def __init__(self, graph: GraphStore, cached: int = CACHED_COMMITS) -> None:
        self.graph = graph
        self._cached = cached
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, CommitGraph] = OrderedDict()

    def repository(self, repo: str | None, namespace: str) -> RepositoryInfo:
        """The repository named or located ``repo``, or the namespace's only one when None.

        Raises:
            NotFoundError: no such repository.
            InputError: several repositories answer; a path tells them apart.
        """
        if repo is None:
            rows = self.graph.run("codegraph/repositories", {"namespace": namespace})
            if len(rows) > 1:
                names = ", ".join(r["name"] for r in rows[:10])
                raise InputError(
                    "repo", f"namespace {namespace!r} has several repositories: {names}"
                )
        else:
            rows = self.graph.run(
                "codegraph/repositories_named", {"namespace": namespace, "repo": repo}
            )
        if not rows:
            raise NotFoundError(repo or namespace, "repository")
        if len(rows) > 1 and len({r["path"] for r in rows}) > 1:
            paths = ", ".join(r["path"] for r in rows)
            raise InputError(
                "repo", f"several repositories are named {repo!r}; give a path: {paths}"
            )
        row = rows[0]
        return RepositoryInfo(row["id"], row["name"], row["path"], row["remote"])

    def commits(self, repository: RepositoryInfo) -> list[CommitInfo]:
        """The repository's indexed commits, latest first."""
        rows = self.graph.run("codegraph/repository_commits", {"repository_id": repository.id})
        return [_commit(row) for row in rows]

    def commit(self, repository: RepositoryInfo, sha: str | None) -> CommitInfo:
        """The commit whose SHA starts with ``sha``, or the latest indexed one."""
        commits = self.commits(repository)
        if not commits:
            raise NotFoundError(repository.name, "indexed commit of repository")
        if sha is None:
            return commits[0]
        matches = [c for c in commits if c.sha.startswith(sha.lower())] if sha else []
        if not matches:
            raise NotFoundError(sha, "indexed commit")
        if len({c.sha for c in matches}) > 1:
            raise InputError("commit", f"{sha!r} is the prefix of several commits")
        return matches[0]

    def load(self, repo: str | None, sha: str | None, namespace: str) -> CommitGraph:
        """The graph of ``repo`` at ``sha`` (latest indexed commit when None)."""
        repository = self.repository(repo, namespace)
        commit = self.commit(repository, sha)
        with self._lock:
            cached = self._cache.get(commit.id)
            if cached is not None:
                self._cache.move_to_end(commit.id)
                return cached
        loaded = self._load(repository, commit)
        with self._lock:
            self._cache[commit.id] = loaded
            while len(self._cache) > self._cached:
                self._cache.popitem(last=False)
        return loaded

    def forget(self) -> None:
        """Drop every cached commit graph."""
        with self._lock:
            self._cache.clear()

    def _load(self, repository: RepositoryInfo, commit: CommitInfo) -> CommitGraph:
        params = {"commit_id": commit.id}
        _, file_rows = self.graph.run_values("codegraph/commit_files", params)
        files = [FileInfo(*row) for row in file_rows]
        _, symbol_rows = self.graph.run_values("codegraph/commit_symbols", params)
        symbols = [SymbolInfo(*row) for row in symbol_rows]
        file_ids = {f.id for f in files}
        symbol_ids = {s.id for s in symbols}
        return CommitGraph(
            repository=repository,
            commit=commit,
            files=sorted(files, key=lambda f: f.path),
            symbols=sorted(symbols, key=lambda s: (s.qualname, s.id)),
            imports=_inside(self.graph, "codegraph/commit_imports", params, file_ids),
            calls=_inside(self.graph, "codegraph/commit_calls", params, symbol_ids),
            inherits=_inside(self.graph, "codegraph/commit_inherits", params, symbol_ids),
        )


def _inside(
    graph: GraphStore, query: str, params: dict[str, Any], members: set[str]
) -> list[tuple[str, str]]:
    _, rows = graph.run_values(query, params)
    return sorted({(a, b) for a, b in rows if b in members})


def _commit(row: dict[str, Any]) -> CommitInfo:
    return CommitInfo(
        id=row["id"],
        sha=row["sha"],
        ref=row["ref"],
        message=row["message"],
        authored_at=row["authored_at"],
        indexed_at=row["indexed_at"],
        file_count=row["file_count"] or 0,
    )
