"""Module-level import edges of a commit, resolved within the repository.

``import a.b`` imports module ``a.b``; ``from a import b`` imports ``a.b`` when that is a
module of the repository (a submodule), else ``a`` (``b`` is a name defined in it). A name
that is neither a module nor a name in one (``import a.b.C``) falls back one level to its
parent, as ``grimp`` does. Imports anywhere in a file count (inside functions and
``TYPE_CHECKING`` blocks too); a module importing itself does not.

Imports between repositories of a namespace: the names a file imports that its own
repository does not resolve (:func:`unresolved_imports`) are kept with the file version.
They resolve against another repository's modules the same way (the name, else its parent),
to every repository that defines the module, whichever of the two was indexed first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kgservice.services.codegraph.parsing import FileAnalysis


def internal_module(name: str, modules: Mapping[str, object]) -> str | None:
    """The repository module ``name`` refers to: itself, else its parent, else None."""
    if name in modules:
        return name
    parent = name.rpartition(".")[0]
    return parent if parent in modules else None


def imported_names(analysis: FileAnalysis) -> list[str]:
    """The dotted names a file imports, before resolution (``from a import b`` gives
    ``a.b``; ``import a`` and ``from a import *`` give ``a``)."""
    names: list[str] = []
    for ref in analysis.imports:
        if ref.names is None or "*" in ref.names:
            names.append(ref.module)
        else:
            names.extend(f"{ref.module}.{name}" for name in ref.names)
    return names


def import_edges(
    analyses: Mapping[str, FileAnalysis], modules: Mapping[str, str]
) -> set[tuple[str, str]]:
    """``(importer path, imported path)`` pairs; ``modules`` maps module names to paths."""
    edges: set[tuple[str, str]] = set()
    for path, analysis in analyses.items():
        for candidate in imported_names(analysis):
            target = internal_module(candidate, modules)
            if target is not None and target != analysis.module:
                edges.add((path, modules[target]))
    return edges


def unresolved_imports(analysis: FileAnalysis, modules: Mapping[str, str]) -> list[str]:
    """The names a file imports that ``modules`` (its repository's) do not resolve, sorted."""
    return sorted(
        {name for name in imported_names(analysis) if internal_module(name, modules) is None}
    )


def external_import_edges(
    unresolved: Mapping[str, Sequence[str]], external: Mapping[str, Sequence[str]]
) -> set[tuple[str, str]]:
    """``(importer, file id)`` pairs for imports of other repositories' modules.

    ``unresolved`` maps importers (paths or file ids) to the names they import that their
    repository does not resolve; ``external`` maps the module names of other repositories to
    the file ids defining them (one per repository).
    """
    edges: set[tuple[str, str]] = set()
    if not external:
        return edges
    for importer, names in unresolved.items():
        for name in names:
            target = internal_module(name, external)
            if target is not None:
                edges.update((importer, file_id) for file_id in external[target])
    return edges


def module_files(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Module name to the file ids of ``(module, file id)`` rows of one repository's commit;
    rows come package ``__init__`` first, so it wins over a same-named module file."""
    found: dict[str, list[str]] = {}
    for module, file_id in rows:
        found.setdefault(module, [file_id])
    return found
