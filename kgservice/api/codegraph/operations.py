"""GraphQL operations on code graphs: ``indexCode`` (a Job), ``codeGraph``, ``impact``,
``callChain``, ``importers`` and ``codeFile``.

Reads take ``repo`` (a repository's name or path; optional when the namespace has one) and
``commit`` (a SHA or a prefix of one; the latest indexed commit when omitted). Bad input and
unknown repositories are GraphQL errors with ``extensions.code`` VALIDATION or NOT_FOUND.
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from kgservice.api.codegraph.nodes import CodeFile, CodeGraph, Commit, Repository, Symbol
from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError, call_service
from kgservice.api.jobs import Job
from kgservice.api.mutations import run_mutation
from kgservice.services.codegraph.commit_graph import CommitGraph
from kgservice.services.codegraph.impact import (
    MAX_DEPTH,
    call_chain,
    check_depth,
    impact,
    importers_of,
)


@strawberry.type(description="A symbol or module reached from an impact target, and how.")
class ImpactEntry:
    node: Symbol
    distance: int = strawberry.field(description="Edges from the target (1: direct).")
    via: str = strawberry.field(description="`imports` or `calls`: the edge that reached it.")


@strawberry.input(description="What to index: a directory, at a commit when it is a checkout.")
class IndexCodeInput:
    path: str = strawberry.field(description="A directory on the server (a git checkout or not).")
    commit: str | None = strawberry.field(
        default=None, description="A commit of the checkout (default HEAD)."
    )
    namespace: str = "default"
    project: strawberry.ID | None = strawberry.field(
        default=None, description="Put the repository in this project (discovery reads it)."
    )


@strawberry.type
class IndexCodePayload:
    job: Job


IndexCodeResult: TypeAlias = Annotated[
    IndexCodePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("IndexCodeResult"),
]


@strawberry.type
class CodeGraphMutation:
    @strawberry.mutation(description="Index a repository at a commit; follow the returned Job.")
    async def index_code(self, info: KgInfo, input: IndexCodeInput) -> IndexCodeResult:
        info.context.check_namespace(input.namespace)
        service = info.context.services.codegraph

        def start() -> Job:
            project = str(input.project) if input.project is not None else None
            return Job.from_record(
                service.start(input.path, input.commit, input.namespace, project)
            )

        return await run_mutation(info, start, lambda job: IndexCodePayload(job=job))


@strawberry.type
class CodeGraphQuery:
    @strawberry.field(description="A repository at a commit (latest indexed by default).")
    async def code_graph(
        self,
        info: KgInfo,
        repo: str | None = None,
        commit: str | None = None,
        namespace: str = "default",
    ) -> CodeGraph:
        graph = await _load(info, repo, commit, namespace)
        return CodeGraph(
            repository=Repository.from_info(graph.repository),
            commit=Commit.from_info(graph.commit),
            graph=graph,
        )

    @strawberry.field(
        description=(
            "Everything that transitively imports or calls a module or symbol "
            f"(depth 1..{MAX_DEPTH}), nearest first."
        )
    )
    async def impact(
        self,
        info: KgInfo,
        target: str,
        repo: str | None = None,
        commit: str | None = None,
        depth: int = 3,
        namespace: str = "default",
    ) -> list[ImpactEntry]:
        await call_service(info, check_depth, depth)  # before the repository is looked up
        graph = await _load(info, repo, commit, namespace)
        found = await call_service(info, impact, graph, target, depth)
        return [
            ImpactEntry(node=Symbol.from_info(i.symbol), distance=i.distance, via=i.via)
            for i in found
        ]

    @strawberry.field(description="A shortest chain of calls from one symbol to another, or null.")
    async def call_chain(
        self,
        info: KgInfo,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
        repo: str | None = None,
        commit: str | None = None,
        namespace: str = "default",
    ) -> list[Symbol] | None:
        graph = await _load(info, repo, commit, namespace)
        found = await call_service(info, call_chain, graph, from_, to)
        return None if found is None else [Symbol.from_info(s) for s in found]

    @strawberry.field(description="The modules that import a module directly.")
    async def importers(
        self,
        info: KgInfo,
        module: str,
        repo: str | None = None,
        commit: str | None = None,
        namespace: str = "default",
    ) -> list[Symbol]:
        graph = await _load(info, repo, commit, namespace)
        found = await call_service(info, importers_of, graph, module)
        return [Symbol.from_info(s) for s in found]

    @strawberry.field(
        description="A file of a repository at a commit (latest by default), or null."
    )
    async def code_file(
        self,
        info: KgInfo,
        path: str,
        repo: str | None = None,
        commit: str | None = None,
        namespace: str = "default",
    ) -> CodeFile | None:
        graph = await _load(info, repo, commit, namespace)
        for file in graph.files:
            if file.path == path:
                return CodeFile.from_info(file)
        return None


async def _load(info: KgInfo, repo: str | None, commit: str | None, namespace: str) -> CommitGraph:
    info.context.check_namespace(namespace)
    service = info.context.services.codegraph
    return await call_service(info, service.commit_graph, repo, commit, namespace)
