"""The strawberry schema: root types composed from each domain, and request extensions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from graphql import build_schema as graphql_build_schema
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from kgservice import __version__
from kgservice.api.codegraph import (
    CodeFile,
    CodeGraphMutation,
    CodeGraphQuery,
    Commit,
    Repository,
    Symbol,
)
from kgservice.api.context import KgInfo
from kgservice.api.discovery import DiscoveryMutation, DiscoveryQuery
from kgservice.api.execution import PlainFieldExecutor
from kgservice.api.extension_runner import CachedHooksRunner
from kgservice.api.graph_algorithms import GraphQuery
from kgservice.api.imports import ImportMutation
from kgservice.api.jobs import Job, JobQuery, JobSubscription
from kgservice.api.knowledge.entities import Entity, EntityMutation, EntityQuery
from kgservice.api.knowledge.relations import RelationMutation, RelationQuery
from kgservice.api.limits import extension_factories
from kgservice.api.listings import ListingsQuery
from kgservice.api.memory import Conversation, MemoryMutation, MemoryQuery, Reflection
from kgservice.api.quality.fields import QualityMutation, QualityQuery, QualitySubscription
from kgservice.api.quality.types import QualityRun
from kgservice.api.search import SearchQuery
from kgservice.api.sessions.fields import SessionMutation, SessionQuery
from kgservice.api.sessions.types import Message, Project, Session, Thread
from kgservice.api.skills.analyses import SkillAnalysesMutation, SkillAnalysesQuery
from kgservice.api.skills.experiments import ExperimentMutation, ExperimentQuery
from kgservice.api.skills.live import SkillLiveSubscription
from kgservice.api.skills.metrics import SkillMetricsQuery
from kgservice.api.skills.taxonomy import Skill, SkillTaxonomyMutation, SkillTaxonomyQuery
from kgservice.api.types import (
    NODE_TYPES,
    GraphNode,
    Health,
    Node,
    StoreHealth,
    Version,
    node_object,
)
from kgservice.errors import SchemaDefinitionError
from kgservice.services import nodes, status


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
    DiscoveryQuery,
    EntityQuery,
    GraphQuery,
    CodeGraphQuery,
    QualityQuery,
    ListingsQuery,
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
    CodeGraphMutation,
    ImportMutation,
    QualityMutation,
    SkillTaxonomyMutation,
    SkillAnalysesMutation,
    ExperimentMutation,
):
    """Every write field; each returns a payload or a typed error."""


@strawberry.type
class Subscription(JobSubscription, QualitySubscription, SkillLiveSubscription):
    """Every subscription field."""


class KgSchema(strawberry.Schema):
    """Strawberry's schema, running extension hooks wrapped once per extension class."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> CachedHooksRunner:
        return CachedHooksRunner(execution_context=execution_context, extensions=extensions)


def check_node_types(schema: strawberry.Schema) -> None:
    """Every object type implementing Node (but GraphNode) is registered for its table.

    Raises:
        SchemaDefinitionError: a Node type that node(id) could never return, or a registered table
            whose type the schema does not expose.
    """
    exposed = {
        name
        for name, kind in graphql_build_schema(schema.as_str()).type_map.items()
        if isinstance(kind, GraphQLObjectType)
        and any(i.name == "Node" for i in kind.interfaces)
        and name != GraphNode.__name__
    }
    if missing := sorted(exposed - NODE_TYPES.keys()):
        raise SchemaDefinitionError(f"Node types not registered with register_node_type: {missing}")
    if hidden := sorted(NODE_TYPES.keys() - exposed):
        raise SchemaDefinitionError(f"registered node types missing from the schema: {hidden}")


def build_schema(*, fast_executor: bool = True) -> strawberry.Schema:
    """Return the executable schema, checked for unregistered node types.

    ``fast_executor`` (the ``fast_executor`` setting) completes plain objects in one pass
    and wraps extension hooks once per class; off, strawberry's own executor and extension
    runner answer (the same answers, slower).
    """
    schema_class = KgSchema if fast_executor else strawberry.Schema
    schema = schema_class(
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
            Repository,
            Commit,
            CodeFile,
            Symbol,
            QualityRun,
            Skill,
        ],
        extensions=extension_factories(),
        execution_context_class=PlainFieldExecutor if fast_executor else None,
    )
    check_node_types(schema)
    return schema
