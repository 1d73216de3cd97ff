"""Walks over a commit graph: impact of a change, shortest call chains, importers.

``impact`` answers "what breaks if I change this": a reverse breadth-first walk from the
target over two kinds of edge: a module imports a module, a symbol calls a symbol. A module target
starts from the module and everything it defines (a caller of any of its functions is
affected); a symbol target from the symbol and, for a class, its methods. Each node is
reported once, at its least distance, with the edge kind that reached it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kgservice.errors import InputError
from kgservice.services.codegraph.commit_graph import CommitGraph, SymbolInfo

MAX_DEPTH = 10


@dataclass(frozen=True)
class Impacted:
    """A symbol (a module for import edges) reached from the target, and how."""

    symbol: SymbolInfo
    distance: int
    via: str  # "imports" or "calls"


def _start(graph: CommitGraph, target: SymbolInfo) -> list[str]:
    if target.kind == "module":
        return list(graph.defined_in.get(target.file_id, [target.id]))
    if target.kind == "class":
        prefix = f"{target.qualname}."
        members = [
            s
            for s in graph.defined_in.get(target.file_id, [])
            if graph.symbol_by_id[s].qualname.startswith(prefix)
        ]
        return [target.id, *members]
    return [target.id]


def check_depth(depth: int) -> None:
    """Refuse a depth outside 1..MAX_DEPTH (checked before anything is looked up)."""
    if not 1 <= depth <= MAX_DEPTH:
        raise InputError("depth", f"must be between 1 and {MAX_DEPTH}")


def impact(graph: CommitGraph, target: str, depth: int = 3) -> list[Impacted]:
    """Everything that transitively imports or calls ``target``, nearest first."""
    check_depth(depth)
    start = graph.find(target)
    seen: dict[str, tuple[int, str]] = dict.fromkeys(_start(graph, start), (0, ""))
    frontier = deque(seen)
    while frontier:
        node = frontier.popleft()
        distance = seen[node][0]
        if distance >= depth:
            continue
        steps = [(caller, "calls") for caller in graph.callers.get(node, ())]
        symbol = graph.symbol_by_id[node]
        if symbol.kind == "module":
            for importer in graph.importers.get(symbol.file_id, ()):
                module = graph.module_symbol.get(importer)
                if module is not None:
                    steps.append((module, "imports"))
        for neighbour, via in steps:
            if neighbour not in seen:
                seen[neighbour] = (distance + 1, via)
                frontier.append(neighbour)
    found = [
        Impacted(graph.symbol_by_id[node], distance, via)
        for node, (distance, via) in seen.items()
        if distance > 0
    ]
    found.sort(key=lambda i: (i.distance, i.symbol.qualname))
    return found


def call_chain(graph: CommitGraph, source: str, target: str) -> list[SymbolInfo] | None:
    """A shortest chain of calls from ``source`` to ``target`` (both ends included), or
    None when ``target`` cannot be reached by calls."""
    start = graph.find(source, "from")
    goal = graph.find(target, "to")
    parents: dict[str, str | None] = {start.id: None}
    frontier = deque([start.id])
    while frontier:
        node = frontier.popleft()
        if node == goal.id:
            chain = []
            step: str | None = node
            while step is not None:
                chain.append(graph.symbol_by_id[step])
                step = parents[step]
            return list(reversed(chain))
        for callee in sorted(graph.callees.get(node, ())):
            if callee not in parents:
                parents[callee] = node
                frontier.append(callee)
    return None


def importers_of(graph: CommitGraph, module: str) -> list[SymbolInfo]:
    """The modules that import ``module`` directly, by name."""
    target = graph.find(module, "module")
    if target.kind != "module":
        raise InputError("module", f"{module!r} is a {target.kind}, not a module")
    found = [
        graph.symbol_by_id[graph.module_symbol[f]]
        for f in graph.importers.get(target.file_id, ())
        if f in graph.module_symbol
    ]
    return sorted(found, key=lambda s: s.qualname)
