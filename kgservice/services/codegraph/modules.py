"""Dotted module names of a repository's files.

A file's module is its path with ``/`` as ``.`` (``pkg/sub/mod.py`` is ``pkg.sub.mod``,
``pkg/__init__.py`` is ``pkg``), without a leading ``src/`` source directory. When the
repository's root is itself a package (it has ``__init__.py``, as an installed package's
directory does), its name leads every module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModuleName:
    """The module a file defines, and whether it is a package's ``__init__``."""

    name: str
    is_package: bool


def module_names(paths: Iterable[str], root_name: str) -> dict[str, ModuleName]:
    """The module of each path.

    >>> names = module_names(["__init__.py", "a/b.py", "a/__init__.py"], "pkg")
    >>> names["a/b.py"], names["__init__.py"].name
    (ModuleName(name='pkg.a.b', is_package=False), 'pkg')
    """
    path_list = list(paths)
    root_is_package = "__init__.py" in path_list
    strip_src = "src/__init__.py" not in path_list
    names: dict[str, ModuleName] = {}
    for path in path_list:
        parts = path.split("/")
        if strip_src and len(parts) > 1 and parts[0] == "src":
            parts = parts[1:]
        stem = parts[-1].rsplit(".", 1)[0]
        is_package = stem == "__init__"
        parts = parts[:-1] if is_package else [*parts[:-1], stem]
        if root_is_package:
            parts = [root_name, *parts]
        names[path] = ModuleName(".".join(parts) or root_name, is_package)
    return names


def module_index(names: dict[str, ModuleName]) -> dict[str, str]:
    """Module name to path; a package's ``__init__`` wins over a same-named module file."""
    index: dict[str, str] = {}
    for path, module in sorted(names.items()):
        if module.name not in index or module.is_package:
            index[module.name] = path
    return index
