"""Query and mutation fields of the sessions domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry

from kgservice.api.context import KgInfo
from kgservice.api.errors import ConflictError, NotFoundError, ValidationError
from kgservice.api.mutations import run_mutation
from kgservice.api.sessions.inputs import (
    AddMessageInput,
    AddMessagesInput,
    CreateProjectInput,
    CreateSessionInput,
    CreateThreadInput,
    DeleteThreadInput,
    RecordSessionTransitionInput,
    UpdateThreadInput,
)
from kgservice.api.sessions.types import Message, Project, Session, Thread
from kgservice.api.types import json_object
from kgservice.services.sessions import NewMessage


@strawberry.type
class CreateProjectPayload:
    project: Project


@strawberry.type
class CreateSessionPayload:
    session: Session


@strawberry.type
class ThreadPayload:
    thread: Thread


@strawberry.type
class AddMessagePayload:
    added: Message = strawberry.field(
        description="The new message (not `message`, which error members use for text)."
    )


@strawberry.type
class AddMessagesPayload:
    added: list[Message] = strawberry.field(description="The new messages, in input order.")


@strawberry.type
class DeleteThreadPayload:
    deleted_id: strawberry.ID
    deleted_message_count: int


@strawberry.type
class RecordSessionTransitionPayload:
    session: Session = strawberry.field(description="The project's latest session now.")
    previous: Session | None = strawberry.field(description="The session it continues.")
    created: bool = strawberry.field(description="Whether the session was new.")


@strawberry.type(description="One link of a session chain.")
class SessionTransition:
    previous_id: strawberry.ID
    next_id: strawberry.ID
    source: str
    at: datetime


@strawberry.type
class ResolvedSession:
    session: Session
    latest: Session | None = strawberry.field(description="The latest session of its chain.")
    is_stale: bool = strawberry.field(description="Whether a newer session continues it.")


CreateProjectResult: TypeAlias = Annotated[
    CreateProjectPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CreateProjectResult"),
]
CreateSessionResult: TypeAlias = Annotated[
    CreateSessionPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CreateSessionResult"),
]
ThreadResult: TypeAlias = Annotated[
    ThreadPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ThreadResult"),
]
AddMessageResult: TypeAlias = Annotated[
    AddMessagePayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AddMessageResult"),
]
AddMessagesResult: TypeAlias = Annotated[
    AddMessagesPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AddMessagesResult"),
]
DeleteThreadResult: TypeAlias = Annotated[
    DeleteThreadPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("DeleteThreadResult"),
]
RecordSessionTransitionResult: TypeAlias = Annotated[
    RecordSessionTransitionPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("RecordSessionTransitionResult"),
]


@strawberry.type
class SessionQuery:
    @strawberry.field(description="A project by id.")
    async def project(self, info: KgInfo, id: strawberry.ID) -> Project | None:
        record = await info.context.loaders.project.load(str(id))
        visible = record and info.context.visible(record.namespace)
        return Project.from_record(record) if record and visible else None

    @strawberry.field(description="A session by id.")
    async def session(self, info: KgInfo, id: strawberry.ID) -> Session | None:
        record = await info.context.loaders.session.load(str(id))
        visible = record and info.context.visible(record.namespace)
        return Session.from_record(record) if record and visible else None

    @strawberry.field(description="A thread by id.")
    async def thread(self, info: KgInfo, id: strawberry.ID) -> Thread | None:
        record = await info.context.loaders.thread.load(str(id))
        visible = record and info.context.visible(record.namespace)
        return Thread.from_record(record) if record and visible else None

    @strawberry.field(description="Every session transition of a project, oldest first.")
    async def session_chain(
        self, info: KgInfo, project_id: strawberry.ID
    ) -> list[SessionTransition]:
        await info.context.check_node(str(project_id))
        links = await info.context.run(info.context.services.chain.chain, str(project_id))
        return [
            SessionTransition(
                previous_id=strawberry.ID(link.previous_id),
                next_id=strawberry.ID(link.next_id),
                source=link.source,
                at=link.at,
            )
            for link in links
        ]

    @strawberry.field(description="The session an agent knows by its own id, and its latest.")
    async def resolve_session(self, info: KgInfo, external_id: str) -> ResolvedSession | None:
        found = await info.context.run(info.context.services.chain.resolve, external_id)
        if found is None or not info.context.visible(found.session.namespace):
            return None
        return ResolvedSession(
            session=Session.from_record(found.session),
            latest=Session.from_record(found.latest) if found.latest else None,
            is_stale=found.is_stale,
        )


@strawberry.type
class SessionMutation:
    @strawberry.mutation
    async def create_project(self, info: KgInfo, input: CreateProjectInput) -> CreateProjectResult:
        service = info.context.services.sessions
        info.context.check_namespace(input.namespace)
        return await run_mutation(
            info,
            lambda: service.create_project(
                input.name,
                path=input.path,
                description=input.description,
                namespace=input.namespace,
            ),
            lambda record: CreateProjectPayload(project=Project.from_record(record)),
        )

    @strawberry.mutation
    async def create_session(self, info: KgInfo, input: CreateSessionInput) -> CreateSessionResult:
        service = info.context.services.sessions
        await info.context.check_node(str(input.project_id))
        return await run_mutation(
            info,
            lambda: service.create_session(
                str(input.project_id),
                input.external_id,
                agent=input.agent,
                metadata=json_object(input.metadata),
            ),
            lambda record: CreateSessionPayload(session=Session.from_record(record)),
        )

    @strawberry.mutation
    async def create_thread(self, info: KgInfo, input: CreateThreadInput) -> ThreadResult:
        service = info.context.services.sessions
        await info.context.check_node(str(input.session_id))
        return await run_mutation(
            info,
            lambda: service.create_thread(str(input.session_id), input.name),
            lambda record: ThreadPayload(thread=Thread.from_record(record)),
        )

    @strawberry.mutation
    async def update_thread(self, info: KgInfo, input: UpdateThreadInput) -> ThreadResult:
        service = info.context.services.sessions
        await info.context.check_node(str(input.id))
        return await run_mutation(
            info,
            lambda: service.update_thread(str(input.id), name=input.name, status=input.status),
            lambda record: ThreadPayload(thread=Thread.from_record(record)),
        )

    @strawberry.mutation(description="Append one message; idx is assigned by the service.")
    async def add_message(self, info: KgInfo, input: AddMessageInput) -> AddMessageResult:
        service = info.context.services.sessions
        message = NewMessage(input.role, input.content, json_object(input.metadata))
        await info.context.check_node(str(input.thread_id))
        return await run_mutation(
            info,
            lambda: service.add_messages(str(input.thread_id), [message]),
            lambda records: AddMessagePayload(added=Message.from_record(records[0])),
        )

    @strawberry.mutation(description="Append messages in order, in one transaction.")
    async def add_messages(self, info: KgInfo, input: AddMessagesInput) -> AddMessagesResult:
        service = info.context.services.sessions
        messages = [NewMessage(m.role, m.content, json_object(m.metadata)) for m in input.messages]
        await info.context.check_node(str(input.thread_id))
        return await run_mutation(
            info,
            lambda: service.add_messages(str(input.thread_id), messages),
            lambda records: AddMessagesPayload(added=[Message.from_record(r) for r in records]),
        )

    @strawberry.mutation(description="Delete a thread, its messages and their vectors.")
    async def delete_thread(self, info: KgInfo, input: DeleteThreadInput) -> DeleteThreadResult:
        service = info.context.services.sessions
        await info.context.check_node(str(input.id))
        return await run_mutation(
            info,
            lambda: service.delete_thread(str(input.id)),
            lambda ids: DeleteThreadPayload(deleted_id=input.id, deleted_message_count=len(ids)),
        )

    @strawberry.mutation(description="Record that an agent continued in a new session.")
    async def record_session_transition(
        self, info: KgInfo, input: RecordSessionTransitionInput
    ) -> RecordSessionTransitionResult:
        chain = info.context.services.chain
        expected = str(input.expected_previous) if input.expected_previous else None
        await info.context.check_node(str(input.project_id))
        return await run_mutation(
            info,
            lambda: chain.record_transition(
                str(input.project_id), input.new_external_id, input.source.value, expected
            ),
            lambda result: RecordSessionTransitionPayload(
                session=Session.from_record(result.session),
                previous=Session.from_record(result.previous) if result.previous else None,
                created=result.created,
            ),
        )
