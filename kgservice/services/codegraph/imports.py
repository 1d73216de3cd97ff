"""Module-level import edges of a commit, resolved within the repository.

``import a.b`` imports module ``a.b``; ``from a import b`` imports ``a.b`` when that is a
module of the repository (a submodule), else ``a`` (``b`` is a name defined in it). A name
that is neither a module nor a name in one (``import a.b.C``) falls back one level to its
parent, as ``grimp`` does. Imports anywhere in a file count (inside functions and
``TYPE_CHECKING`` blocks too); a module importing itself does not.
"""

from __future__ import annotations

from collections.abc import Mapping

from kgservice.services.codegraph.parsing import FileAnalysis


def internal_module(name: str, modules: Mapping[str, str]) -> str | None:
    """The repository module ``name`` refers to: itself, else its parent, else None."""
    if name in modules:
        return name
    parent = name.rpartition(".")[0]
    return parent if parent in modules else None


def import_edges(
    analyses: Mapping[str, FileAnalysis], modules: Mapping[str, str]
) -> set[tuple[str, str]]:
    """``(importer path, imported path)`` pairs; ``modules`` maps module names to paths."""
    edges: set[tuple[str, str]] = set()
    for path, analysis in analyses.items():
        for ref in analysis.imports:
            if ref.names is None or "*" in ref.names:
                candidates = [ref.module]
            else:
                candidates = [f"{ref.module}.{name}" for name in ref.names]
            for candidate in candidates:
                target = internal_module(candidate, modules)
                if target is not None and target != analysis.module:
                    edges.add((path, modules[target]))
    return edges


def external_import_edges(
    analyses: Mapping[str, FileAnalysis],
    modules: Mapping[str, str],
    external: Mapping[str, str],
) -> set[tuple[str, str]]:
    """``(importer path, file id)`` pairs for imports of other repositories' modules.

    ``external`` maps the module names of the namespace's other repositories (their latest
    indexed commits) to file ids; an import the repository resolves itself never counts.
    """
    edges: set[tuple[str, str]] = set()
    if not external:
        return edges
    for path, analysis in analyses.items():
        for ref in analysis.imports:
            if ref.names is None or "*" in ref.names:
                candidates = [ref.module]
            else:
                candidates = [f"{ref.module}.{name}" for name in ref.names]
            for candidate in candidates:
                if internal_module(candidate, modules) is not None:
                    continue
                target = internal_module(candidate, external)
                if target is not None:
                    edges.add((path, external[target]))
    return edges
