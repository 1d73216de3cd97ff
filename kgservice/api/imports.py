"""GraphQL surface of imports: ``importSessionBuddy`` starts a job, ``rollbackImport``
undoes one. The files are paths on the server's disk; both need a write-scoped key."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.jobs import Job
from kgservice.api.mutations import run_mutation
from kgservice.services.imports.job import ImportParameters


@strawberry.input(description="A session-buddy installation's files (any of the three).")
class ImportSessionBuddyInput:
    reflection_db: str | None = strawberry.field(
        default=None, description="Path of reflection.duckdb on the server."
    )
    kg_db: str | None = strawberry.field(
        default=None, description="Path of knowledge_graph.duckdb on the server."
    )
    skills_db: str | None = strawberry.field(
        default=None, description="Path of skills.db on the server."
    )
    namespace: str = "default"
    dry_run: bool = strawberry.field(
        default=False,
        description="Count per table and report problems; write nothing but the job.",
    )


@strawberry.input(description="The import to undo.")
class RollbackImportInput:
    job_id: strawberry.ID


@strawberry.type
class ImportSessionBuddyPayload:
    job: Job


@strawberry.type
class RollbackImportPayload:
    job: Job = strawberry.field(description="The import, its counts saying what was removed.")


ImportSessionBuddyResult: TypeAlias = Annotated[
    ImportSessionBuddyPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ImportSessionBuddyResult"),
]
RollbackImportResult: TypeAlias = Annotated[
    RollbackImportPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RollbackImportResult"),
]


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import a session-buddy installation as a job (files checked first; "
        "a missing table or column is a ValidationError naming the file)."
    )
    async def import_session_buddy(
        self, info: KgInfo, input: ImportSessionBuddyInput
    ) -> ImportSessionBuddyResult:
        info.context.check_namespace(input.namespace)
        imports = info.context.services.imports

        def start() -> Job:
            parameters = ImportParameters.checked(
                reflection_db=input.reflection_db,
                kg_db=input.kg_db,
                skills_db=input.skills_db,
                namespace=input.namespace,
                dry_run=input.dry_run,
            )
            return Job.from_record(imports.start(parameters))

        return await run_mutation(info, start, lambda job: ImportSessionBuddyPayload(job=job))

    @strawberry.mutation(
        description="Remove exactly what an import added: nodes, edges, vectors, legacy keys."
    )
    async def rollback_import(
        self, info: KgInfo, input: RollbackImportInput
    ) -> RollbackImportResult:
        await info.context.check_node(str(input.job_id))
        imports = info.context.services.imports

        def roll_back() -> Job:
            return Job.from_record(imports.rollback(str(input.job_id)))

        return await run_mutation(info, roll_back, lambda job: RollbackImportPayload(job=job))
