"""Prometheus metrics: ``GET /metrics`` from a registry of the app's own.

Request counters and latency come from :class:`RequestMetricsExtension` (a schema
extension), active websocket operations from the websocket handlers in
:mod:`kgservice.api.app`, and store figures from the background
:class:`~kgservice.services.metrics.StoreFigureRefresher` (a scrape reads its snapshot, it
never counts). Each app has its own :class:`~prometheus_client.CollectorRegistry`, so
several apps in one process (tests) keep separate figures.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator

from graphql import GraphQLError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

from kgservice.api.access import FULL_ACCESS, Access
from kgservice.api.auth import ACCESS_SCOPE_KEY, is_loopback
from kgservice.errors import KgError
from kgservice.services.metrics import StoreFigureRefresher

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class StoreCollector(Collector):
    """Store sizes, row counts, vector coverage, jobs and skill invocations, as last gathered."""

    def __init__(self, refresher: StoreFigureRefresher) -> None:
        self.refresher = refresher

    def collect(self) -> Iterable[Metric]:
        figures = self.refresher.latest
        if figures is None:
            return
        size = GaugeMetricFamily(
            "kgservice_store_size_bytes", "Store files on disk.", labels=["store"]
        )
        size.add_metric(["graph"], figures.graph_bytes)
        size.add_metric(["vectors"], figures.vector_bytes)
        nodes = GaugeMetricFamily("kgservice_graph_nodes", "Nodes per table.", labels=["table"])
        for table, count in figures.nodes.items():
            nodes.add_metric([table], count)
        rels = GaugeMetricFamily(
            "kgservice_graph_relationships", "Relationships per table.", labels=["table"]
        )
        for table, count in figures.relationships.items():
            rels.add_metric([table], count)
        jobs = GaugeMetricFamily(
            "kgservice_jobs", "Jobs by kind and status.", labels=["kind", "status"]
        )
        for (kind, status), count in sorted(figures.jobs.items()):
            jobs.add_metric([kind, status], count)
        progress = GaugeMetricFamily(
            "kgservice_job_progress_ratio",
            "Progress (0..1) of each running job.",
            labels=["job", "kind"],
        )
        for (job, kind), value in sorted(figures.job_progress.items()):
            progress.add_metric([job, kind], value)
        yield size
        yield nodes
        yield rels
        yield GaugeMetricFamily("kgservice_vectors", "Stored vectors.", value=figures.vectors)
        yield GaugeMetricFamily(
            "kgservice_vector_coverage_ratio",
            "Vectors per text-bearing node (messages, conversations, reflections, entities).",
            value=figures.vector_coverage,
        )
        yield jobs
        yield progress
        if figures.skill_invocations is not None:
            yield GaugeMetricFamily(
                "kgservice_skill_invocations",
                "Skill invocations recorded.",
                value=figures.skill_invocations,
            )
        yield GaugeMetricFamily(
            "kgservice_store_figures_age_seconds",
            "Seconds since the store figures were gathered.",
            value=max(time.time() - figures.taken_at, 0.0),
        )
        yield GaugeMetricFamily(
            "kgservice_store_figures_gather_seconds",
            "How long gathering the store figures took.",
            value=figures.took_seconds,
        )


class ServiceMetrics:
    """The app's registry and its request, error and websocket instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "kgservice_graphql_requests",
            "GraphQL operations by type and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kgservice_graphql_request_duration_seconds",
            "Time to answer a query or mutation.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "kgservice_graphql_errors",
            "GraphQL errors by code.",
            ["code"],
            registry=self.registry,
        )
        self.websocket_operations = Gauge(
            "kgservice_websocket_subscriptions_active",
            "Operations (subscriptions) running on websockets now.",
            registry=self.registry,
        )
        self._stores: StoreCollector | None = None

    def watch_stores(self, refresher: StoreFigureRefresher) -> None:
        """Report the figures ``refresher`` gathers (replacing any earlier refresher)."""
        if self._stores is not None:
            self.registry.unregister(self._stores)
        self._stores = StoreCollector(refresher)
        self.registry.register(self._stores)

    def observe(
        self, operation: str, seconds: float | None, errors: list[GraphQLError], partial: bool
    ) -> None:
        """Count one finished operation and its errors."""
        outcome = "success" if not errors else "partial" if partial else "error"
        self.requests.labels(operation, outcome).inc()
        if seconds is not None:
            self.latency.labels(operation).observe(seconds)
        for error in errors:
            self.errors.labels(error_code(error)).inc()

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


def error_code(error: GraphQLError) -> str:
    """A GraphQL error's code: its ``extensions.code``, else named after its cause."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    if original is None:
        return "GRAPHQL_VALIDATION"  # syntax, validation and variable-coercion errors
    if isinstance(original, KgError):
        name = type(original).__name__.removesuffix("Error") or "KG"
        return _CAMEL.sub("_", name).upper()
    if isinstance(original, GraphQLError):
        return "BAD_REQUEST"
    return "INTERNAL"


class RequestMetricsExtension(SchemaExtension):
    """Count each operation by type and outcome, its latency and its errors by code."""

    def on_operation(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        context = self.execution_context
        metrics: ServiceMetrics | None = getattr(context.context, "metrics", None)
        if metrics is None:
            return
        try:
            operation = context.operation_type.value
        except Exception:  # no document (a syntax error) or no such operation
            operation = "unknown"
        result = context.result
        errors = list(
            (result.errors if result is not None else None) or context.pre_execution_errors or []
        )
        partial = result is not None and result.data is not None
        seconds = None if operation == "subscription" else time.perf_counter() - start
        metrics.observe(operation, seconds, errors, partial)


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: open from loopback without keys; with keys, any key of full reach."""
    metrics: ServiceMetrics = request.app.state.metrics
    access: Access | None = request.scope.get(ACCESS_SCOPE_KEY)
    if access is None:  # no keys configured: the auth middleware let it through
        client = request.client.host if request.client else ""
        if not is_loopback(client):
            return _refused(403, "metrics are served without a key only to loopback clients")
        access = FULL_ACCESS
    if access.namespaces is not None:
        return _refused(
            403, "metrics cover every namespace: a namespace-scoped key may not read them"
        )
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
