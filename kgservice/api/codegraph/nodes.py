"""Code graph node types in GraphQL: ``Repository``, ``Commit``, ``CodeFile``, ``Symbol`` and
the ``CodeGraph`` of a commit, with the helpers of their fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Self

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import graphql_error
from kgservice.api.relay import Connection, PageRequest, build_connection, page_request
from kgservice.api.types import Node, node_object, register_node_type
from kgservice.errors import InputError
from kgservice.services import nodes
from kgservice.services.codegraph.commit_graph import (
    CommitGraph,
    CommitInfo,
    FileInfo,
    RepositoryInfo,
    SymbolInfo,
)
from kgservice.services.codegraph.mentioned_by import CodeKind


async def _mentioned_by(
    info: KgInfo,
    kind: CodeKind,
    target_id: str,
    paging: tuple[int | None, str | None, int | None, str | None],
) -> Connection[Node]:
    """The texts (of the namespaces this request may see) naming a file or symbol."""
    request = _page("mention", *paging)
    service = info.context.services.codegraph
    namespaces = info.context.access.namespaces
    rows = await info.context.run(
        service.mentioned_by,
        kind,
        target_id,
        request.after,
        request.before,
        request.limit + 1,
        request.backward,
        namespaces,
    )

    async def count() -> int:
        return await info.context.run(service.count_mentioned_by, kind, target_id, namespaces)

    texts = [node_object(nodes.NodeRecord(label, node)) for label, node in rows]
    return build_connection("mention", request, texts, lambda text: str(text.id), count)


@strawberry.type(description="An indexed repository.")
class Repository(Node):
    name: str
    path: str = strawberry.field(description="Where it was indexed from (or its legacy path).")
    remote: str | None = strawberry.field(description="Its `origin` remote, if any.")

    @classmethod
    def from_info(cls, repo: RepositoryInfo) -> Self:
        """Build from a service record."""
        return cls(id=strawberry.ID(repo.id), name=repo.name, path=repo.path, remote=repo.remote)

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored Repository node."""
        return cls.from_info(RepositoryInfo(node["id"], node["name"], node["path"], node["remote"]))


@strawberry.type(description="An indexed commit of a repository.")
class Commit(Node):
    sha: str = strawberry.field(description="Git's SHA, or a content hash for a plain directory.")
    ref: str | None
    message: str | None
    authored_at: datetime | None
    indexed_at: datetime | None
    file_count: int

    @classmethod
    def from_info(cls, commit: CommitInfo) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(commit.id),
            sha=commit.sha,
            ref=commit.ref,
            message=commit.message,
            authored_at=commit.authored_at,
            indexed_at=commit.indexed_at,
            file_count=commit.file_count,
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored Commit node."""
        return cls.from_info(
            CommitInfo(
                node["id"],
                node["sha"],
                node["ref"],
                node["message"],
                node["authored_at"],
                node["indexed_at"],
                node["file_count"] or 0,
            )
        )


@strawberry.type(description="One version of a source file (path and content), shared by commits.")
class CodeFile(Node):
    path: str
    module: str = strawberry.field(description="Its dotted module name.")
    language: str | None
    content_hash: str = strawberry.field(description="Git's blob id of its content.")
    lines: int | None
    error: str | None = strawberry.field(
        description="Why it was not analysed (syntax error, binary, not UTF-8), else null."
    )

    @classmethod
    def from_info(cls, file: FileInfo) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(file.id),
            path=file.path,
            module=file.module,
            language=file.language,
            content_hash=file.content_hash,
            lines=file.lines,
            error=file.error,
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored CodeFile node."""
        fields = ("id", "path", "module", "language", "content_hash", "lines", "error")
        return cls.from_info(FileInfo(**{k: node[k] for k in fields}))

    @strawberry.field(
        description="Messages, conversations and reflections naming this path, newest first."
    )
    async def mentioned_by(
        self,
        info: KgInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Node]:
        return await _mentioned_by(info, "CodeFile", str(self.id), (first, after, last, before))


@strawberry.type(description="A module, class, function or method of a file version.")
class Symbol(Node):
    name: str
    qualname: str = strawberry.field(description="Dotted: module, then classes, then its name.")
    kind: str = strawberry.field(description="module, class, function or method.")
    module: str
    line_start: int | None
    line_end: int | None
    docstring: str | None = strawberry.field(description="Its docstring's first line.")

    @classmethod
    def from_info(cls, symbol: SymbolInfo) -> Self:
        """Build from a service record."""
        return cls(
            id=strawberry.ID(symbol.id),
            name=symbol.name,
            qualname=symbol.qualname,
            kind=symbol.kind,
            module=symbol.module,
            line_start=symbol.line_start,
            line_end=symbol.line_end,
            docstring=symbol.docstring,
        )

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> Self:
        """Build from a stored Symbol node."""
        fields = ("id", "name", "qualname", "kind", "module", "line_start", "line_end", "docstring")
        return cls.from_info(SymbolInfo(file_id="", **{k: node[k] for k in fields}))

    @strawberry.field(
        description="Messages, conversations and reflections naming this symbol, newest first."
    )
    async def mentioned_by(
        self,
        info: KgInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Node]:
        return await _mentioned_by(info, "Symbol", str(self.id), (first, after, last, before))


@strawberry.type(description="A module-level import: `importer` imports `imported`.")
class ModuleImport:
    importer: str
    imported: str


@strawberry.type(description="A repository at one indexed commit.")
class CodeGraph:
    repository: Repository
    commit: Commit
    graph: strawberry.Private[CommitGraph]

    @strawberry.field(description="The commit's files, by path.")
    def files(self, first: int | None = None, after: str | None = None) -> Connection[CodeFile]:
        request = _page("CodeFile", first, after)
        rows = [f for f in self.graph.files if request.after is None or f.path > request.after]
        page = [CodeFile.from_info(f) for f in rows[: request.limit + 1]]
        return build_connection(
            "CodeFile", request, page, lambda f: f.path, _count(len(self.graph.files))
        )

    @strawberry.field(description="The commit's symbols, by qualified name.")
    def symbols(
        self, first: int | None = None, after: str | None = None, kind: str | None = None
    ) -> Connection[Symbol]:
        request = _page("Symbol", first, after)
        chosen = [s for s in self.graph.symbols if kind is None or s.kind == kind]
        rows = [
            s for s in chosen if request.after is None or f"{s.qualname}\0{s.id}" > request.after
        ]
        page = [Symbol.from_info(s) for s in rows[: request.limit + 1]]
        return build_connection(
            "Symbol", request, page, lambda s: f"{s.qualname}\0{s.id}", _count(len(chosen))
        )

    @strawberry.field(description="Every module-level import edge of the commit (dotted names).")
    def module_imports(self) -> list[ModuleImport]:
        return [ModuleImport(importer=a, imported=b) for a, b in self.graph.module_imports()]


def _page(
    kind: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> PageRequest:
    """Check the paging arguments; bad ones as a VALIDATION GraphQL error."""
    try:
        return page_request(kind, first, after, last, before)
    except InputError as exc:
        raise graphql_error(exc) from None


def _count(total: int) -> Callable[[], Any]:
    async def count() -> int:
        return total

    return count


for _type in (Repository, Commit, CodeFile, Symbol):
    register_node_type(_type.__name__, _type.from_node)
