"""Mutation inputs of the sessions domain."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON


@strawberry.input
class CreateProjectInput:
    name: str
    path: str | None = None
    description: str | None = None
    namespace: str = "default"


@strawberry.input
class CreateSessionInput:
    project_id: strawberry.ID
    external_id: str
    agent: str | None = None
    metadata: JSON | None = None


@strawberry.input
class CreateThreadInput:
    session_id: strawberry.ID
    name: str


@strawberry.input
class UpdateThreadInput:
    id: strawberry.ID
    name: str | None = None
    status: str | None = strawberry.field(default=None, description="active|archived|closed")


@strawberry.input
class MessageInput:
    role: str = strawberry.field(description="user, assistant or system.")
    content: str
    metadata: JSON | None = None


@strawberry.input
class AddMessageInput:
    thread_id: strawberry.ID
    role: str = strawberry.field(description="user, assistant or system.")
    content: str
    metadata: JSON | None = None


@strawberry.input
class AddMessagesInput:
    thread_id: strawberry.ID
    messages: list[MessageInput]


@strawberry.input
class DeleteThreadInput:
    id: strawberry.ID


@strawberry.enum(description="What made the agent start a new session.")
class TransitionSource(Enum):
    BUILD = "BUILD"
    METADATA = "METADATA"
    COMPACT = "COMPACT"
    CHAT_PLAN = "CHAT_PLAN"
    RESUME = "RESUME"


@strawberry.input
class RecordSessionTransitionInput:
    project_id: strawberry.ID
    new_external_id: str
    source: TransitionSource
    expected_previous: strawberry.ID | None = strawberry.field(
        default=None,
        description="The session the caller believes is latest; a mismatch changes nothing.",
    )
