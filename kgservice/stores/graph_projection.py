"""Projected graphs of the engine's algo extension, on the connection kept for them.

Kuzu keeps a projected graph per connection, and ``CALL project_graph`` takes its name and
its filter predicates as literals only. :func:`projected_graph` therefore holds the store's
algorithm connection for the whole computation (:meth:`GraphStore.algorithm_session`: one
computation at a time, so concurrent requests never project at once), projects under a
fresh unique name, runs the algorithm queries on that same connection and always drops the
projection afterwards. Projecting and dropping are write transactions in the engine and
wait for the store's write lock; ordinary reads are not held up.

Queries are named templates from ``queries/``: ``__GRAPH__`` takes the generated name and
``__NAMESPACE__`` a namespace that passed :func:`is_literal_safe`; values are parameters.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from kgservice.errors import QueryError, StoreError
from kgservice.stores.algorithm_session import AlgorithmSession
from kgservice.stores.graph import GraphStore, Row

GRAPH_SLOT = "__GRAPH__"
NAMESPACE_SLOT = "__NAMESPACE__"
_SAFE_LITERAL = re.compile(r"^[\w.:@/+ -]{1,128}$")


def is_literal_safe(value: str) -> bool:
    """Whether ``value`` may be written inside a quoted literal of a projection predicate."""
    return bool(_SAFE_LITERAL.match(value))


class ProjectedGraph:
    """A projection alive on one connection; run named algorithm queries against it."""

    def __init__(self, graph: GraphStore, session: AlgorithmSession, name: str) -> None:
        self._graph = graph
        self._session = session
        self.name = name

    def run(self, query_name: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run the named template ``query_name`` with ``__GRAPH__`` set to this projection."""
        query = self._graph.catalog[query_name]
        query.check_parameters(params or {})
        text = query.text.replace(GRAPH_SLOT, self.name)
        return self._session.execute(query_name, text, dict(params or {}))


@contextmanager
def projected_graph(graph: GraphStore, projection: str, namespace: str) -> Iterator[ProjectedGraph]:
    """Project with the named template ``projection`` for ``namespace``; drop it on exit.

    Raises:
        StoreError: the engine has no algo extension, or the namespace cannot be a literal.
    """
    if "algo" not in graph.extensions:
        raise StoreError(f"the {graph.engine_name} engine has no algo extension loaded")
    if not is_literal_safe(namespace):
        raise StoreError(f"namespace {namespace!r} cannot be used in a projection predicate")
    template = graph.catalog[projection]
    if template.parameters or GRAPH_SLOT not in template.text:
        raise QueryError(f"query {projection} is not a projection template")
    name = f"kg_algo_{uuid.uuid4().hex}"
    text = template.text.replace(GRAPH_SLOT, name).replace(NAMESPACE_SLOT, namespace)
    with graph.algorithm_session() as session:  # the projection lives on this connection only
        session.execute_write(projection, text)
        try:
            yield ProjectedGraph(graph, session, name)
        finally:
            session.execute_write("drop projection", f"CALL drop_projected_graph('{name}')")
