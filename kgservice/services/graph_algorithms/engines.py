"""Which implementation runs an algorithm: Kuzu's algo extension, or networkx."""

from __future__ import annotations

from typing import Literal

from kgservice.errors import StoreError
from kgservice.stores.graph import GraphStore
from kgservice.stores.graph_projection import is_literal_safe

AlgorithmEngine = Literal["kuzu", "networkx"]
EngineSetting = Literal["auto", "kuzu", "networkx"]


def kuzu_usable(graph: GraphStore, namespace: str) -> bool:
    """Whether the algo extension can run on ``namespace`` (loaded; a literal-safe name)."""
    return "algo" in graph.extensions and is_literal_safe(namespace)


def choose_engine(setting: EngineSetting, graph: GraphStore, namespace: str) -> AlgorithmEngine:
    """The engine for ``setting``: ``auto`` prefers Kuzu's algo extension when usable.

    Raises:
        StoreError: ``kuzu`` was asked for but the extension cannot run here.
    """
    if setting == "networkx":
        return "networkx"
    if kuzu_usable(graph, namespace):
        return "kuzu"
    if setting == "kuzu":
        reason = (
            f"the {graph.engine_name} engine has no algo extension loaded"
            if "algo" not in graph.extensions
            else f"namespace {namespace!r} cannot be used in a projection predicate"
        )
        raise StoreError(f"graph_algorithms = kuzu cannot run: {reason}")
    return "networkx"
