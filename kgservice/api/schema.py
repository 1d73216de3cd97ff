"""The strawberry schema: root types composed from each domain, and request extensions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from kgservice import __version__
from kgservice.api.context import KgInfo
from kgservice.api.execution import PlainFieldExecutor
from kgservice.api.extension_runner import CachedHooksRunner
from kgservice.api.graph import GraphQuery
from kgservice.api.knowledge.discovery import DiscoveryMutation
from kgservice.api.knowledge.entities import Entity, EntityMutation, EntityQuery
from kgservice.api.knowledge.jobs import Job, JobQuery, JobSubscription
from kgservice.api.knowledge.relations import RelationMutation, RelationQuery
from kgservice.api.limits import extension_factories
from kgservice.api.memory import Conversation, MemoryMutation, MemoryQuery, Reflection
from kgservice.api.search import SearchQuery
from kgservice.api.sessions.fields import SessionMutation, SessionQuery
from kgservice.api.sessions.types import Message, Project, Session, Thread
from kgservice.api.skills.analyses import SkillAnalysesMutation, SkillAnalysesQuery
from kgservice.api.skills.experiments import ExperimentMutation, ExperimentQuery
from kgservice.api.skills.live import SkillLiveSubscription
from kgservice.api.skills.metrics import SkillMetricsQuery
from kgservice.api.skills.taxonomy import Skill, SkillTaxonomyMutation, SkillTaxonomyQuery
from kgservice.api.types import GraphNode, Health, Node, StoreHealth, Version
from kgservice.services import nodes, status
from kgservice.services.nodes import NodeRecord
from kgservice.services.records import MessageRecord, ProjectRecord, SessionRecord, ThreadRecord

#: How node(id) turns a stored node into its GraphQL type; other tables use GraphNode.
NODE_TYPES: dict[str, Callable[[dict[str, Any]], Node]] = {
    "Project": lambda n: Project.from_record(ProjectRecord.from_node(n)),
    "Session": lambda n: Session.from_record(SessionRecord.from_node(n)),
    "Thread": lambda n: Thread.from_record(ThreadRecord.from_node(n)),
    "Message": lambda n: Message.from_record(MessageRecord.from_node(n)),
    "Conversation": Conversation.from_node,
    "Reflection": Reflection.from_node,
    "Job": Job.from_node,
    "Entity": Entity.from_node,
}


def node_object(record: NodeRecord) -> Node:
    """The GraphQL object for a stored node."""
    convert = NODE_TYPES.get(record.label)
    return convert(record.properties) if convert else GraphNode.from_record(record)


@strawberry.type
class CoreQuery:
    @strawberry.field(description="A node by its ULID, or by a legacy id kept from an import.")
    async def node(
        self, info: KgInfo, id: strawberry.ID | None = None, legacy_id: str | None = None
    ) -> Node | None:
        if (id is None) == (legacy_id is None):
            raise GraphQLError("node takes exactly one of id and legacyId")
        graph = info.context.stores.graph
        if id is not None:
            record = await info.context.run(nodes.find_node, graph, str(id))
        else:
            record = await info.context.run(nodes.find_node_by_legacy_id, graph, str(legacy_id))
        if record is None or not info.context.visible(record.properties.get("namespace")):
            return None
        return node_object(record)

    @strawberry.field(description="Nodes by ULID, in the order asked (null where missing).")
    async def nodes(self, info: KgInfo, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            raise GraphQLError("nodes takes at most 100 ids")
        found = await info.context.run(nodes.find_nodes, info.context.stores.graph, list(ids))
        visible = {
            i: r for i, r in found.items() if info.context.visible(r.properties.get("namespace"))
        }
        return [node_object(visible[i]) if i in visible else None for i in map(str, ids)]

    @strawberry.field(description="Whether both stores answer.")
    async def health(self, info: KgInfo) -> Health:
        checks = await info.context.run(status.check_health, info.context.stores)
        parts = {name: StoreHealth(ok=c.ok, detail=c.detail) for name, c in checks.items()}
        return Health(ok=all(p.ok for p in parts.values()), **parts)

    @strawberry.field(description="Service version, schema version and graph engine.")
    def version(self, info: KgInfo) -> Version:
        stores = info.context.stores
        return Version(
            service=__version__, schema=stores.schema_version, graph_engine=stores.graph.engine_name
        )


@strawberry.type
class Query(
    CoreQuery,
    SessionQuery,
    MemoryQuery,
    SearchQuery,
    RelationQuery,
    JobQuery,
    EntityQuery,
    GraphQuery,
    SkillTaxonomyQuery,
    SkillMetricsQuery,
    SkillAnalysesQuery,
    ExperimentQuery,
):
    """Every read field."""


@strawberry.type
class Mutation(
    SessionMutation,
    MemoryMutation,
    RelationMutation,
    DiscoveryMutation,
    EntityMutation,
    SkillTaxonomyMutation,
    SkillAnalysesMutation,
    ExperimentMutation,
):
    """Every write field; each returns a payload or a typed error."""


@strawberry.type
class Subscription(JobSubscription, SkillLiveSubscription):
    """Every subscription field."""


class KgSchema(strawberry.Schema):
    """Strawberry's schema, running extension hooks wrapped once per extension class."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return CachedHooksRunner(execution_context=execution_context, extensions=extensions)


def build_schema() -> strawberry.Schema:
    """Return the executable schema."""
    return KgSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            GraphNode,
            Project,
            Session,
            Thread,
            Message,
            Conversation,
            Reflection,
            Job,
            Entity,
            Skill,
        ],
        extensions=extension_factories(),
        execution_context_class=PlainFieldExecutor,
    )
