"""Importing one legacy ``code_graphs`` row (session-buddy) into the code graph model.

A row is ``id = "{repo_path}:{commit_hash}"`` and ``graph_data``, a JSON object of nodes and
edges. Accepted shape (the keys in brackets are accepted alternatives)::

    {"nodes": [{"id": "n1", "type" [node_type, kind]: "file" | "module" | "class" |
                "function" | "method" | "import",
                "name": "pkg.mod.f", "file_id" [file]: "n0", "path" [file_path]: "pkg/mod.py",
                "start_line" [line_start, lineno]: 3, "end_line" [line_end]: 9,
                "docstring": "...", "calls": ["g", ...], "bases": ["Base"]}, ...],
     "edges": [{"source" [from]: "n1", "target" [to]: "n2",
                "type" [kind, relation]: "imports" | "calls" | "inherits" | ...}, ...]}

``nodes`` may also be an object keyed by node id. An ``import`` node names the imported
module in ``name`` and its importer by ``file_id``. Edges of other types (``contains``,
``defines``) are implied by the model; edges whose ends are unknown are counted, not
written. A row already imported (its id is a LegacyKey) is left as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kgservice.errors import InputError
from kgservice.ids import id_at, new_id
from kgservice.services.codegraph.modules import module_names
from kgservice.services.codegraph.writing import (
    CommitWrite,
    FileRow,
    RepositoryRow,
    SymbolRow,
    write_commit,
)
from kgservice.services.consistency import text_of
from kgservice.stores.graph import GraphStore
from kgservice.stores.opening import Stores
from kgservice.stores.vectors import TextItem

SYMBOL_TYPES = {"class": "class", "function": "function", "method": "method"}
FILE_TYPES = frozenset({"file", "module"})


@dataclass(frozen=True)
class LegacyCodeGraphResult:
    """What importing one row did."""

    commit_id: str
    repository_id: str
    already_imported: bool = False
    files: int = 0
    symbols: int = 0
    imports: int = 0
    calls: int = 0
    inherits: int = 0
    unresolved_edges: int = 0


def _first(node: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if node.get(key) is not None:
            return node[key]
    return None


def _nodes(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = data.get("nodes")
    if isinstance(raw, Mapping):
        return [{"id": key, **value} for key, value in raw.items() if isinstance(value, Mapping)]
    if isinstance(raw, list) and all(isinstance(n, Mapping) for n in raw):
        return [dict(n) for n in raw]
    raise InputError("graph_data", "has no 'nodes' list or object of node objects")


def _parse(graph_data: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(graph_data, str):
        try:
            graph_data = json.loads(graph_data)
        except json.JSONDecodeError as exc:
            raise InputError("graph_data", f"is not JSON: {exc.msg}") from None
    if not isinstance(graph_data, Mapping):
        raise InputError("graph_data", "must be a JSON object with nodes and edges")
    return dict(graph_data)


@dataclass
class ConvertedCodeGraph:
    """One legacy row in the code graph model's terms, before anything is written."""

    row_id: str
    sha: str
    repository_id: str
    new_repository: RepositoryRow | None
    commit_id: str
    files: list[FileRow]
    symbols: list[SymbolRow]
    imports: list[tuple[str, str]]
    calls: list[tuple[str, str]]
    inherits: list[tuple[str, str]]
    unresolved_edges: int

    def commit_write(
        self, namespace: str, indexed_at: datetime | None, job_id: str | None
    ) -> CommitWrite:
        """What writing the row's commit adds to the graph."""
        return CommitWrite(
            namespace=namespace,
            repository_id=self.repository_id,
            commit_id=self.commit_id,
            sha=self.sha,
            ref=f"legacy import {job_id}" if job_id else "legacy import",
            message=None,
            authored_at=None,
            file_ids=[f.id for f in self.files],
            new_repository=self.new_repository,
            indexed_at=indexed_at,
            legacy_id=self.row_id,
            files=self.files,
            symbols=self.symbols,
            imports=self.imports,
            calls=self.calls,
            inherits=self.inherits,
        )

    def texts(self, namespace: str) -> list[TextItem]:
        """The searchable texts of its files and symbols."""
        return [TextItem(f.id, "CodeFile", namespace, f.path) for f in self.files] + [
            TextItem(s.id, "Symbol", namespace, text_of("Symbol", vars(s))) for s in self.symbols
        ]


def split_row_id(row_id: str) -> tuple[str, str]:
    """The repository path and commit hash of a row id ``{repo_path}:{commit_hash}``.

    Raises:
        InputError: (field ``id``) when it is not of that form.
    """
    repo_path, _, commit_hash = row_id.rpartition(":")
    if not repo_path or not commit_hash.strip():
        raise InputError("id", f"{row_id!r} is not '{{repo_path}}:{{commit_hash}}'")
    return repo_path, commit_hash


def convert_legacy_code_graph(
    row_id: str,
    graph_data: str | Mapping[str, Any],
    repository_id: str | None,
    mint: Callable[[str], str],
) -> ConvertedCodeGraph:
    """Convert one legacy row; ``repository_id`` is its repository when it exists already
    (else one is created), ``mint(label)`` gives each new node its id.

    Raises:
        InputError: ``row_id`` is not ``{repo_path}:{commit_hash}`` (field ``id``) or
            ``graph_data`` has an unknown shape (field ``graph_data``).
    """
    repo_path, commit_hash = split_row_id(row_id)
    data = _parse(graph_data)
    nodes = _nodes(data)
    edges = data.get("edges") or []
    if not isinstance(edges, list) or not all(isinstance(e, Mapping) for e in edges):
        raise InputError("graph_data", "'edges' must be a list of edge objects")

    new_repository = None
    if repository_id is None:
        repository_id = mint("Repository")
        name = repo_path.rstrip("/").rsplit("/", 1)[-1] or repo_path
        new_repository = RepositoryRow(repository_id, name, repo_path, None, legacy_id=repo_path)

    # Files: explicit file nodes, and paths the other nodes name.
    file_path_of: dict[str, str] = {}  # node id -> path (file nodes)
    for node in nodes:
        kind = str(_first(node, "type", "node_type", "kind") or "").lower()
        if kind in FILE_TYPES:
            file_path_of[str(node.get("id"))] = str(_first(node, "path", "file_path", "name"))

    def path_of(node: Mapping[str, Any]) -> str | None:
        owner = _first(node, "file_id", "file")
        if owner is not None and str(owner) in file_path_of:
            return file_path_of[str(owner)]
        path = _first(node, "file_path", "path")
        return str(path) if path is not None else (str(owner) if owner is not None else None)

    paths = sorted(
        {*file_path_of.values()}
        | {p for n in nodes if (p := path_of(n)) and not _is_file(n) and p.endswith(".py")}
    )
    names = module_names(paths, repo_path.rstrip("/").rsplit("/", 1)[-1])
    files: dict[str, FileRow] = {}
    for path in paths:
        digest = hashlib.sha1(f"{row_id}\0{path}".encode(), usedforsecurity=False).hexdigest()
        files[path] = FileRow(
            id=mint("CodeFile"),
            path=path,
            module=names[path].name,
            content_hash=f"legacy:{digest}",
            lines=None,
            size=None,
            error=None,
            analysis=None,
        )
    symbols: list[SymbolRow] = []
    symbol_of_node: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for file in files.values():
        module = SymbolRow(
            mint("Symbol"),
            file.id,
            file.module.rpartition(".")[2],
            file.module,
            "module",
            file.module,
            None,
            None,
            None,
        )
        symbols.append(module)
        by_name.setdefault(file.module, []).append(module.id)
    for node_id, path in file_path_of.items():
        symbol_of_node[node_id] = next(s.id for s in symbols if s.qualname == files[path].module)
    imports: set[tuple[str, str]] = set()
    pending_calls: list[tuple[str, str]] = []
    for node in nodes:
        kind = str(_first(node, "type", "node_type", "kind") or "").lower()
        node_path = path_of(node) or ""
        if kind in SYMBOL_TYPES and node_path in files:
            file = files[node_path]
            name = str(_first(node, "name", "qualname") or "")
            local = name[len(file.module) + 1 :] if name.startswith(f"{file.module}.") else name
            symbol = SymbolRow(
                mint("Symbol"),
                file.id,
                local.rpartition(".")[2],
                f"{file.module}.{local}",
                SYMBOL_TYPES[kind] if "." not in local or kind != "function" else "method",
                file.module,
                _first(node, "start_line", "line_start", "lineno"),
                _first(node, "end_line", "line_end"),
                _first(node, "docstring"),
            )
            symbols.append(symbol)
            symbol_of_node[str(node.get("id"))] = symbol.id
            for key in {symbol.name, local, symbol.qualname}:
                by_name.setdefault(key, []).append(symbol.id)
            pending_calls.extend((symbol.id, str(c)) for c in node.get("calls") or [])
        elif kind == "import" and node_path in files:
            target = _module_file(str(node.get("name") or ""), files)
            if target is not None and target != files[node_path].id:
                imports.add((files[node_path].id, target))
        elif kind not in SYMBOL_TYPES and kind not in FILE_TYPES and kind != "import":
            raise InputError("graph_data", f"node {node.get('id')!r} has unknown type {kind!r}")
    file_of_symbol = {s.id: s.file_id for s in symbols}
    calls: set[tuple[str, str]] = set()
    inherits: set[tuple[str, str]] = set()
    unresolved = 0
    for caller, name in pending_calls:
        targets = by_name.get(name, [])
        if len(targets) == 1:
            calls.add((caller, targets[0]))
        else:
            unresolved += 1
    for edge in edges:
        kind = str(_first(edge, "type", "kind", "relation") or "").lower()
        source = symbol_of_node.get(str(_first(edge, "source", "from")))
        target = symbol_of_node.get(str(_first(edge, "target", "to")))
        if kind in ("contains", "defines"):
            continue
        if kind not in ("imports", "calls", "inherits"):
            raise InputError("graph_data", f"edge of unknown type {kind!r}")
        if source is None or target is None:
            unresolved += 1
        elif kind == "imports":
            imports.add((file_of_symbol[source], file_of_symbol[target]))
        elif kind == "calls":
            calls.add((source, target))
        else:
            inherits.add((source, target))
    return ConvertedCodeGraph(
        row_id=row_id,
        sha=commit_hash,
        repository_id=repository_id,
        new_repository=new_repository,
        commit_id=mint("Commit"),
        files=list(files.values()),
        symbols=symbols,
        imports=sorted(imports),
        calls=sorted(calls),
        inherits=sorted(inherits),
        unresolved_edges=unresolved,
    )


def import_legacy_code_graph(
    stores: Stores,
    row_id: str,
    graph_data: str | Mapping[str, Any],
    created_at: datetime | None,
    namespace: str,
    job_id: str | None = None,
) -> LegacyCodeGraphResult:
    """Import one legacy ``code_graphs`` row as a Repository, a Commit and its code.

    The commit's legacy id (and LegacyKey) is ``row_id``; texts of its files and symbols are
    stored for full-text search, their vectors left to the backfill. (The session-buddy
    import maps rows through :func:`convert_legacy_code_graph` too, into its own ledger.)

    Raises:
        InputError: ``row_id`` is not ``{repo_path}:{commit_hash}`` (field ``id``) or
            ``graph_data`` has an unknown shape (field ``graph_data``).
    """
    repo_path, _ = split_row_id(row_id)
    graph = stores.graph
    found = graph.run("codegraph/legacy_commit", {"key": row_id})
    if found:
        row = found[0]
        return LegacyCodeGraphResult(
            row["commit_id"], row["repository_id"] or "", already_imported=True
        )

    def mint(label: str) -> str:
        return id_at(created_at, label) if created_at is not None else new_id(label)

    converted = convert_legacy_code_graph(
        row_id, graph_data, find_repository(graph, namespace, repo_path), mint
    )
    write_commit(graph, converted.commit_write(namespace, created_at, job_id))
    stores.vectors.upsert_texts(converted.texts(namespace))
    return LegacyCodeGraphResult(
        commit_id=converted.commit_id,
        repository_id=converted.repository_id,
        files=len(converted.files),
        symbols=len(converted.symbols),
        imports=len(converted.imports),
        calls=len(converted.calls),
        inherits=len(converted.inherits),
        unresolved_edges=converted.unresolved_edges,
    )


def find_repository(graph: GraphStore, namespace: str, path: str) -> str | None:
    """The id of the namespace's repository at ``path``, if there is one."""
    rows = graph.run("codegraph/repository_by_path", {"namespace": namespace, "path": path})
    return str(rows[0]["id"]) if rows else None


def _is_file(node: Mapping[str, Any]) -> bool:
    return str(_first(node, "type", "node_type", "kind") or "").lower() in FILE_TYPES


def _module_file(module: str, files: Mapping[str, FileRow]) -> str | None:
    """The file id of module ``module`` (or its parent, as for ``from a import b``)."""
    by_module = {f.module: f.id for f in files.values()}
    if module in by_module:
        return by_module[module]
    return by_module.get(module.rpartition(".")[0])
