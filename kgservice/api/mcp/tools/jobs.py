"""Background work: ``start_discovery`` starts relationship discovery, ``job`` follows it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kgservice.api.mcp import results
from kgservice.api.mcp.tooling import Arguments, Tool, ToolContext
from kgservice.errors import NotFoundError
from kgservice.services.discovery.job import DiscoveryParameters


class StartDiscoveryArguments(Arguments):
    namespace: str = Field(default="default", description="The namespace to look at.")
    kinds: list[str] | None = Field(default=None, description="Only entities of these kinds.")
    methods: list[str] | None = Field(
        default=None,
        description=(
            "Any of vector, co_mention, adamic_adar, common_neighbours, code_imports (default all)."
        ),
    )
    threshold: float | None = Field(default=None, description="Lowest score proposed, 0..1.")
    max_per_entity: int | None = Field(default=None, description="Most proposals per entity.")
    limit: int | None = Field(default=None, description="Most proposals in all.")
    dry_run: bool = Field(default=False, description="Count what would be proposed; write none.")
    calibrate: bool = Field(
        default=True,
        description="Use the weights and threshold learned from the namespace's reviews "
        "(from 20 reviews on; an explicit threshold turns it off too).",
    )


class JobArguments(Arguments):
    id: str = Field(description="The Job id start_discovery returned.")


async def start_discovery(context: ToolContext, args: StartDiscoveryArguments) -> dict[str, Any]:
    context.request.check_namespace(args.namespace)
    discovery = context.services.discovery

    def start() -> Any:
        parameters = DiscoveryParameters.checked(
            namespace=args.namespace,
            kinds=args.kinds,
            methods=args.methods,
            threshold=args.threshold,
            max_per_entity=args.max_per_entity,
            limit=args.limit,
            dry_run=args.dry_run,
            calibrate=args.calibrate,
        )
        return discovery.start(parameters)

    return {"job": results.job(await context.request.run(start))}


async def job(context: ToolContext, args: JobArguments) -> dict[str, Any]:
    await context.request.check_node(args.id)
    record = await context.request.run(context.services.jobs.get, args.id)
    if record is None:
        raise NotFoundError(args.id, "job")
    return {"job": results.job(record)}


TOOLS = (
    Tool(
        name="start_discovery",
        description=(
            "Start a background job that proposes relations between entities (by embedding "
            "similarity, co-mentions and graph neighbours). Returns the job at once; follow it "
            "with `job`."
        ),
        arguments=StartDiscoveryArguments,
        handler=start_discovery,
        writes=True,
    ),
    Tool(
        name="job",
        description="A background job: status, progress 0..1, counts and errors.",
        arguments=JobArguments,
        handler=job,
        writes=False,
    ),
)
