"""Indexing a repository at a commit: list, parse what is new, resolve, embed, write.

A file version is its path and content hash. Versions already stored for the repository
(by an earlier commit) are reused with their symbols and their parse result; only new
versions are read, parsed and embedded. Every edge of the commit is resolved again over all
its files (cheap, from the stored parse results), and only edges not stored yet are written.
A commit already indexed is left as it is.

Imports between the repositories of a namespace, in either order of indexing, are resolved
by :mod:`kgservice.services.codegraph.cross_repository`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kgservice.errors import InputError
from kgservice.ids import new_id
from kgservice.services.codegraph.calls import CommitSymbols, SymbolKey, call_edges
from kgservice.services.codegraph.cross_repository import cross_repository_imports
from kgservice.services.codegraph.imports import (
    import_edges,
    unresolved_imports,
)
from kgservice.services.codegraph.latest import chunks
from kgservice.services.codegraph.modules import ModuleName, module_index, module_names
from kgservice.services.codegraph.parsing import FileAnalysis, analyse
from kgservice.services.codegraph.plan import CommitPlan, FileVersion, IndexReport
from kgservice.services.codegraph.sources import SkippedFile, SourceTree, open_source
from kgservice.services.codegraph.writing import (
    CommitWrite,
    RepositoryRow,
    link_project,
    write_commit,
)
from kgservice.services.consistency import text_of
from kgservice.services.text_index import IndexedText, TextIndex
from kgservice.stores.graph import GraphStore
from kgservice.stores.vectors import TextItem, VectorStore

FloatArray = npt.NDArray[np.float32]

#: Called with the fraction done (0..1) and the counts so far.
Progress = Callable[[float, Mapping[str, Any]], None]
EMBED_BATCH = 256


def local_name(qualname: str, module: str) -> str:
    """A symbol's name within its module ("" for the module itself)."""
    return "" if qualname == module else qualname[len(module) + 1 :]


class CodeIndexer:
    """Indexes repositories into the graph and their symbols into the text index."""

    def __init__(self, graph: GraphStore, index: TextIndex) -> None:
        self.graph = graph
        self.index = index

    def index_path(
        self,
        path: Path,
        commit: str | None = None,
        namespace: str = "default",
        progress: Progress | None = None,
        *,
        embed: bool = True,
        project_id: str | None = None,
    ) -> IndexReport:
        """Index ``path`` at ``commit`` (a checkout's HEAD, or a directory's content).

        ``project_id`` puts the repository in that project. Without ``embed`` the new texts
        are stored for full-text search only and their vectors are left to ``kgservice
        backfill``.
        """
        if not namespace.strip():
            raise InputError("namespace", "must not be empty")
        started = time.perf_counter()
        tree = open_source(path, commit)
        report = self.index_tree(
            tree,
            namespace,
            ref=commit or ("HEAD" if tree.is_git else None),
            progress=progress,
            embed=embed,
            project_id=project_id,
        )
        report.seconds = time.perf_counter() - started
        return report

    def index_tree(
        self,
        tree: SourceTree,
        namespace: str,
        *,
        ref: str | None = None,
        progress: Progress | None = None,
        embed: bool = True,
        project_id: str | None = None,
    ) -> IndexReport:
        """Index the files of ``tree`` as one commit."""
        report_progress = progress or (lambda fraction, counts: None)
        repo_rows = self.graph.run(
            "codegraph/repository_by_path", {"namespace": namespace, "path": str(tree.root)}
        )
        new_repository = None
        if repo_rows:
            repository_id = repo_rows[0]["id"]
            existing = self.graph.run(
                "codegraph/commit_by_sha", {"repository_id": repository_id, "sha": tree.commit}
            )
            if existing:
                if project_id is not None:
                    with self.graph.transaction() as tx:
                        link_project(tx, repository_id, project_id)
                return IndexReport(
                    repository_id,
                    existing[0]["id"],
                    tree.commit,
                    already_indexed=True,
                    files=existing[0]["file_count"] or 0,
                    skipped=tree.skipped,
                )
        else:
            repository_id = new_id("Repository")
            new_repository = RepositoryRow(repository_id, tree.name, str(tree.root), tree.remote)
        report = IndexReport(repository_id, new_id("Commit"), tree.commit, skipped=tree.skipped)
        clock = time.perf_counter()
        versions = self._versions(
            tree, repository_id if repo_rows else None, report, report_progress
        )
        clock = report.lap("parse", clock)
        plan = self._resolve(versions, namespace, repository_id, report)
        report.new_file_ids = [row.id for row in plan.files]
        clock = report.lap("resolve", clock)
        report_progress(0.6, report.counts())
        texts = self._texts(plan, namespace)
        vectors = self._embed(texts, report, report_progress) if embed else None
        clock = report.lap("embed", clock)
        write_commit(
            self.graph,
            CommitWrite(
                namespace=namespace,
                repository_id=repository_id,
                commit_id=report.commit_id,
                sha=tree.commit,
                ref=ref,
                message=tree.message,
                authored_at=tree.authored_at,
                file_ids=[v.id for v in versions],
                new_repository=new_repository,
                project_id=project_id,
                files=plan.files,
                symbols=plan.symbols,
                imports=plan.imports,
                calls=plan.calls,
                inherits=plan.inherits,
            ),
        )
        if vectors is None:
            self.index.vectors.upsert_texts(
                [TextItem(t.node_id, t.kind, t.namespace, t.text) for t in texts]
            )
        else:
            self.index.store(texts, vectors)
        report.lap("write", clock)
        report_progress(1.0, report.counts())
        return report

    # -- steps ---------------------------------------------------------------------------
    def _versions(
        self,
        tree: SourceTree,
        repository_id: str | None,
        report: IndexReport,
        progress: Progress,
    ) -> list[FileVersion]:
        """Reuse stored versions (same path and hash), parse the others."""
        known: dict[tuple[str, str], tuple[str, str]] = {}
        if repository_id is not None:
            hashes = sorted({f.content_hash for f in tree.files})
            for chunk in chunks(hashes):
                for row in self.graph.run(
                    "codegraph/known_versions",
                    {"repository_id": repository_id, "hashes": list(chunk)},
                ):
                    known[(row["path"], row["content_hash"])] = (row["id"], row["analysis"])
        names = module_names([f.path for f in tree.files], tree.name)
        reused_ids = [
            known[key][0] for f in tree.files if (key := (f.path, f.content_hash)) in known
        ]
        symbol_ids = self._stored_symbols(reused_ids)
        fresh = [f for f in tree.files if (f.path, f.content_hash) not in known]
        contents = tree.read(fresh)
        versions: list[FileVersion] = []
        for position, source in enumerate(tree.files):
            stored = known.get((source.path, source.content_hash))
            if stored is not None:
                file_id, analysis_json = stored
                versions.append(
                    FileVersion(
                        file_id,
                        source,
                        FileAnalysis.from_json(analysis_json),
                        symbol_ids.get(file_id, {}),
                        new=False,
                    )
                )
                report.reused += 1
                continue
            module = names[source.path]
            data = contents[source.content_hash]
            if b"\0" in data[:8192]:
                analysis = FileAnalysis(
                    module.name, module.is_package, lines=0, error="binary file"
                )
            else:
                analysis = analyse(data, module.name, module.is_package)
            versions.append(FileVersion(new_id("CodeFile"), source, analysis, {}, new=True))
            report.parsed += 1
            if position % 200 == 0:
                progress(0.5 * position / max(len(tree.files), 1), report.counts())
        for version in versions:
            if version.analysis.error is not None:
                report.errors.append(SkippedFile(version.source.path, version.analysis.error))
        report.files = len(versions)
        return versions

    def _stored_symbols(self, file_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for chunk in chunks(list(file_ids)):
            for row in self.graph.run("codegraph/version_symbols", {"file_ids": list(chunk)}):
                local = local_name(row["qualname"], row["module"])
                found.setdefault(row["file_id"], {})[local] = row["id"]
        return found

    def _stored_edges(self, query: str, file_ids: Sequence[str]) -> set[tuple[str, str]]:
        edges: set[tuple[str, str]] = set()
        for chunk in chunks(list(file_ids)):
            for row in self.graph.run(query, {"file_ids": list(chunk)}):
                edges.add((row["from_id"], row["to_id"]))
        return edges

    def _resolve(
        self, versions: list[FileVersion], namespace: str, repository_id: str, report: IndexReport
    ) -> CommitPlan:
        """New file and symbol rows, and the commit's edges not stored yet."""
        plan = CommitPlan()
        for version in versions:
            if version.new:
                plan.add_version(version)
        by_path = {v.source.path: v for v in versions}
        analyses = {path: v.analysis for path, v in by_path.items()}
        modules = module_index({path: _module_name(a) for path, a in analyses.items()})
        file_import_pairs = {
            (by_path[a].id, by_path[b].id) for a, b in import_edges(analyses, modules)
        }
        unresolved = {path: unresolved_imports(a, modules) for path, a in analyses.items()}
        for row in plan.files:
            row.unresolved_imports = unresolved[row.path]
        outgoing, incoming = cross_repository_imports(
            self.graph,
            {v.source.path: v.id for v in versions},
            modules,
            unresolved,
            namespace,
            repository_id,
        )
        file_import_pairs |= outgoing
        calls, inherits = call_edges(CommitSymbols(analyses, modules))

        def symbol_id(key: SymbolKey) -> str | None:
            return by_path[key[0]].symbol_ids.get(key[1])

        call_pairs = {
            (a, b) for a, b in ((symbol_id(x), symbol_id(y)) for x, y in calls) if a and b
        }
        inherit_pairs = {
            (a, b) for a, b in ((symbol_id(x), symbol_id(y)) for x, y in inherits) if a and b
        }
        reused = [v.id for v in versions if not v.new]
        # One read of the stored imports of this commit's reused versions and of the other
        # repositories' files that import it (their ids never coincide).
        stored_imports = self._stored_edges(
            "codegraph/version_imports", sorted({*reused, *(a for a, _ in incoming)})
        )
        incoming -= stored_imports
        plan.imports = sorted((file_import_pairs - stored_imports) | incoming)
        plan.calls = sorted(call_pairs - self._stored_edges("codegraph/version_calls", reused))
        plan.inherits = sorted(
            inherit_pairs - self._stored_edges("codegraph/version_inherits", reused)
        )
        report.symbols = len(plan.symbols)
        report.imports = len(file_import_pairs)
        report.imports_from_other_repositories = len(incoming)
        report.calls = len(call_pairs)
        report.inherits = len(inherit_pairs)
        return plan

    def _texts(self, plan: CommitPlan, namespace: str) -> list[IndexedText]:
        """Texts of the new versions and symbols: path or qualified name, docstring."""
        texts = [IndexedText(row.id, "CodeFile", namespace, row.path) for row in plan.files]
        for symbol in plan.symbols:
            node = {"qualname": symbol.qualname, "docstring": symbol.docstring}
            texts.append(IndexedText(symbol.id, "Symbol", namespace, text_of("Symbol", node)))
        return texts

    def _embed(
        self, texts: list[IndexedText], report: IndexReport, progress: Progress
    ) -> npt.NDArray[np.float32]:
        """Vectors of ``texts``: a text already embedded in the namespace (a symbol of a
        changed file whose name and docstring did not change) reuses its vector."""
        vectors = np.zeros((len(texts), self.index.embedder.dimension), np.float32)
        known = stored_vectors(self.index.vectors, texts)
        todo = [i for i, t in enumerate(texts) if t.text not in known]
        for i, t in enumerate(texts):
            if t.text in known:
                vectors[i] = known[t.text]
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors[batch] = self.index.embed([texts[i].text for i in batch])
            progress(0.6 + 0.35 * (start + len(batch)) / len(todo), report.counts())
        report.embedded = len(todo)
        return vectors


def stored_vectors(store: VectorStore, texts: Sequence[IndexedText]) -> dict[str, FloatArray]:
    """Stored vectors of nodes of the same kind and namespace with these exact texts."""
    found: dict[str, FloatArray] = {}
    groups: dict[tuple[str, str], list[str]] = {}
    for item in texts:
        groups.setdefault((item.namespace, item.kind), []).append(item.text)
    for (namespace, kind), wanted in groups.items():
        for part in chunks(wanted):
            chunk = sorted(set(part))
            rows = store.query(
                "SELECT t.text, v.embedding FROM node_text t "
                "JOIN node_vectors v ON v.rowid = t.rowid "
                "WHERE t.namespace = ? AND t.kind = ? AND t.has_vector = 1 "
                "AND t.text IN (SELECT value FROM json_each(?))",
                (namespace, kind, json.dumps(chunk)),
            )
            for text, blob in rows:
                found.setdefault(text, np.frombuffer(blob, dtype=np.float32).copy())
    return found


def _module_name(analysis: FileAnalysis) -> ModuleName:
    return ModuleName(analysis.module, analysis.is_package)
