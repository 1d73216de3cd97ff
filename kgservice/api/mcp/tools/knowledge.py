"""Knowledge-graph tools: entities, relations, and a node's neighbourhood."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kgservice.api.mcp import results
from kgservice.api.mcp.tooling import Arguments, Tool, ToolContext
from kgservice.errors import InputError, NotFoundError
from kgservice.services.graph_algorithms.neighborhood import MAX_DEPTH, MAX_LIMIT
from kgservice.services.nodes import NodeRecord

RELATION_TYPES = (
    "uses",
    "depends_on",
    "tests",
    "extends",
    "implements",
    "part_of",
    "connects_to",
    "related_to",
    "same_as",
)
MAX_SHOWN = 50


class CreateEntityArguments(Arguments):
    name: str = Field(description="The entity's name; its normalised form is unique per namespace.")
    kind: str = Field(
        description="project, library, service, test, concept, file, tool, person, or a custom "
        "kind matching [a-z][a-z0-9_-]{0,31}."
    )
    observations: list[str] = Field(default_factory=list, description="Facts about it.")
    aliases: list[str] = Field(default_factory=list, description="Other names it goes by.")
    properties: dict[str, Any] | None = Field(default=None, description="Any JSON object.")
    namespace: str = Field(default="default", description="The namespace it lives in.")


class CreateRelationArguments(Arguments):
    from_id: str = Field(description="The Entity id the relation starts at.")
    to_id: str = Field(description="The Entity id it points to (same namespace).")
    type: str = Field(json_schema_extra={"enum": list(RELATION_TYPES)}, description="What it says.")
    confidence: float = Field(default=1.0, description="How sure, 0..1.")
    evidence: list[Any] | None = Field(default=None, description="Why: short strings or objects.")


class EntityArguments(Arguments):
    id: str | None = Field(default=None, description="The Entity id. Give this, or name.")
    name: str | None = Field(default=None, description="A name or alias (matched normalised).")
    namespace: str = Field(default="default", description="Where to look the name up.")


class NeighborhoodArguments(Arguments):
    id: str = Field(description="Any node id (entity, message, reflection, session...).")
    depth: int = Field(default=1, description=f"Hops, 1..{MAX_DEPTH}.")
    rel_types: list[str] | None = Field(
        default=None,
        description="Only these relationship tables (RELATED, MENTIONS, IN_PROJECT...).",
    )
    limit: int = Field(default=100, description=f"Most nodes, 1..{MAX_LIMIT}.")


async def create_entity(context: ToolContext, args: CreateEntityArguments) -> dict[str, Any]:
    context.request.check_namespace(args.namespace)
    service = context.services.entities
    record = await context.request.run(
        lambda: service.create(
            args.name,
            args.kind,
            observations=args.observations,
            aliases=args.aliases,
            properties=args.properties,
            namespace=args.namespace,
        )
    )
    return {"entity": results.entity(record)}


async def create_relation(context: ToolContext, args: CreateRelationArguments) -> dict[str, Any]:
    await context.request.check_node(args.from_id)
    await context.request.check_node(args.to_id)
    relations = context.services.relations
    record = await context.request.run(
        lambda: relations.create(
            args.from_id,
            args.to_id,
            args.type,
            confidence=args.confidence,
            evidence=args.evidence,
        )
    )
    return {"relation": results.relation(record)}


async def entity(context: ToolContext, args: EntityArguments) -> dict[str, Any]:
    if (args.id is None) == (args.name is None):
        raise InputError("id", "give exactly one of id and name")
    request = context.request
    service = context.services.entities
    others: list[str] = []
    if args.id is not None:
        await request.check_node(args.id)
        record = await request.run(service.get, args.id)
        missing = args.id
    else:
        request.check_namespace(args.namespace)
        found = await request.run(service.find_by_name, str(args.name), args.namespace)
        record = found[0] if found else None
        others = [r.id for r in found[1:]]
        missing = str(args.name)
    if record is None or not request.visible(record.namespace):
        raise NotFoundError(missing, "entity")
    relations = await request.run(context.services.relations.of_entity, record.id)
    mentions = await request.run(service.mentioned_by, record.id, None, MAX_SHOWN)
    mention_count = await request.run(service.count_mentions, record.id)
    return {
        "entity": results.entity(record),
        "other_matches": others,
        "relations": [results.relation(r) for r in relations[:MAX_SHOWN]],
        "relation_count": len(relations),
        "mentioned_by": [results.node_summary(NodeRecord(label, node)) for label, node in mentions],
        "mention_count": mention_count,
    }


async def neighborhood(context: ToolContext, args: NeighborhoodArguments) -> dict[str, Any]:
    request = context.request
    await request.check_node(args.id)
    service = context.services.graph_algorithms
    found = await request.run(service.neighborhood, args.id, args.depth, args.rel_types, args.limit)
    shown = [n for n in found.nodes if request.visible(n.properties.get("namespace"))]
    shown_ids = {n.id for n in shown}
    return {
        "nodes": [results.node_summary(n) for n in shown],
        "edges": [
            {
                "id": e.id,
                "from": e.source,
                "to": e.target,
                "label": e.label,
                "type": e.type,
                "properties": e.properties,
            }
            for e in found.edges
            if e.source in shown_ids and e.target in shown_ids
        ],
        "truncated": found.truncated,
    }


TOOLS = (
    Tool(
        name="create_entity",
        description=(
            "Add a named thing to the knowledge graph (a library, service, file, concept, "
            "person...) with observations about it. Texts that name it get linked to it."
        ),
        arguments=CreateEntityArguments,
        handler=create_entity,
        writes=True,
    ),
    Tool(
        name="create_relation",
        description=(
            "Relate two entities of one namespace with a typed, directed relation "
            f"({', '.join(RELATION_TYPES)}); one current relation per (from, to, type)."
        ),
        arguments=CreateRelationArguments,
        handler=create_relation,
        writes=True,
    ),
    Tool(
        name="entity",
        description=(
            "An entity by id or by name, with its current relations and the messages, "
            "conversations and reflections that mention it (the first 50 of each, with counts)."
        ),
        arguments=EntityArguments,
        handler=entity,
        writes=False,
    ),
    Tool(
        name="neighborhood",
        description=(
            "The nodes and edges within a few hops of any node: what an entity relates to, "
            "where a message sits, what mentions what."
        ),
        arguments=NeighborhoodArguments,
        handler=neighborhood,
        writes=False,
    ),
)
