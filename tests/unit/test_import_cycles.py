"""No import cycles among kgservice's modules (imports under TYPE_CHECKING excepted)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import kgservice

ROOT = Path(kgservice.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_checking_lines(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The kgservice modules that ``path`` imports at run time (``from m import x`` counts m,
    or m.x when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = type_checking_lines(tree)
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return {name for name in found if name in known}


def import_graph() -> nx.DiGraph:
    paths = sorted(ROOT.rglob("*.py"))
    known = {module_name(p) for p in paths}
    graph = nx.DiGraph()
    for path in paths:
        source = module_name(path)
        graph.add_node(source)
        for target in imported_modules(path, known):
            # A package's __init__ importing its own submodules is not a cycle with them.
            if target != source:
                graph.add_edge(source, target)
    return graph


def test_the_import_graph_is_read() -> None:
    graph = import_graph()
    assert graph.number_of_nodes() > 50
    assert graph.has_edge("kgservice.api.app", "kgservice.api.schema")


def test_no_import_cycles() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []
