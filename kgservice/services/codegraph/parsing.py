"""Reading one Python file with :mod:`ast`: its symbols, imports, calls and base classes.

The result, :class:`FileAnalysis`, holds only names as written (made absolute where the
file's own module decides them, as for relative imports); resolving them against the other
files of a commit is :mod:`imports` and :mod:`calls`. It is stored with the file version as
JSON, so a file whose content is unchanged at a later commit is never parsed again.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any

import orjson

#: Calls of these names are left out (they never resolve to a repository symbol).
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass
class ImportRef:
    """One import statement's target, absolute: ``import a.b`` or ``from a.b import c, d``."""

    module: str
    names: list[str] | None = None  # None for ``import module``


@dataclass
class SymbolDef:
    """A class, function or method defined in a file (``local`` is Python's ``__qualname__``)."""

    local: str
    kind: str  # class | function | method
    line_start: int
    line_end: int
    docstring: str | None = None
    bases: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)


@dataclass
class FileAnalysis:
    """What a file defines and refers to, before resolution against its commit."""

    module: str
    is_package: bool
    lines: int
    docstring: str | None = None
    error: str | None = None
    imports: list[ImportRef] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    symbols: list[SymbolDef] = field(default_factory=list)
    module_calls: list[str] = field(default_factory=list)  # calls made at module level

    def to_json(self) -> str:
        """Compact JSON for the CodeFile's ``analysis`` column."""
        return orjson.dumps(self, option=orjson.OPT_SERIALIZE_DATACLASS).decode()

    @classmethod
    def from_json(cls, text: str) -> FileAnalysis:
        """Rebuild from :meth:`to_json`."""
        data: dict[str, Any] = orjson.loads(text)
        data["imports"] = [ImportRef(**i) for i in data.get("imports", [])]
        data["symbols"] = [SymbolDef(**s) for s in data.get("symbols", [])]
        return cls(**data)


def first_line(docstring: str | None) -> str | None:
    """The first non-blank line of a docstring, stripped (None when there is none)."""
    if not docstring:
        return None
    for line in docstring.strip().splitlines():
        if line.strip():
            return line.strip()[:300]
    return None


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None (calls, subscripts...)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def absolute_module(module: str | None, level: int, importer: str, is_package: bool) -> str | None:
    """The absolute module of ``from <level dots><module> import ...`` in ``importer``.

    >>> absolute_module("b", 1, "pkg.a", False)
    'pkg.b'
    >>> absolute_module(None, 2, "pkg.sub", True)
    'pkg'
    """
    if level == 0:
        return module
    parts = importer.split(".")
    if not is_package:
        parts = parts[:-1]
    drop = level - 1
    if drop >= len(parts):
        return None  # beyond the top-level package
    base = parts[: len(parts) - drop]
    return ".".join([*base, module]) if module else ".".join(base)


class _Visitor(ast.NodeVisitor):
    """Collects imports anywhere, and definitions and calls per enclosing symbol."""

    def __init__(self, analysis: FileAnalysis) -> None:
        self.analysis = analysis
        self.scope: list[tuple[str, str]] = []  # (name, kind) of enclosing class/def
        self.current: SymbolDef | None = None  # the symbol calls are attributed to

    # -- imports ---------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.analysis.imports.append(ImportRef(alias.name))
            if alias.asname:
                self.analysis.bindings[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                self.analysis.bindings.setdefault(head, head)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        target = absolute_module(
            node.module, node.level, self.analysis.module, self.analysis.is_package
        )
        if target is None:
            return
        names = [alias.name for alias in node.names]
        self.analysis.imports.append(ImportRef(target, names))
        for alias in node.names:
            if alias.name != "*":
                self.analysis.bindings[alias.asname or alias.name] = f"{target}.{alias.name}"

    # -- definitions -----------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        symbol = self._define(node, "class")
        if symbol is not None:
            symbol.bases = [b for b in (dotted(base) for base in node.bases) if b]
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._enter(node, symbol, "class")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        inside_class = bool(self.scope) and self.scope[-1][1] == "class"
        symbol = self._define(node, "method" if inside_class else "function")
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self._enter(node, symbol, "def")

    visit_AsyncFunctionDef = visit_FunctionDef

    def _define(
        self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, kind: str
    ) -> SymbolDef | None:
        """Record classes and functions not nested in a function (those are its body)."""
        if any(scope_kind == "def" for _, scope_kind in self.scope):
            return None
        local = ".".join([*(name for name, _ in self.scope), node.name])
        symbol = SymbolDef(
            local=local,
            kind=kind,
            line_start=node.lineno,
            line_end=node.end_lineno or node.lineno,
            docstring=first_line(ast.get_docstring(node, clean=False)),
        )
        self.analysis.symbols.append(symbol)
        return symbol

    def _enter(
        self,
        node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
        symbol: SymbolDef | None,
        kind: str,
    ) -> None:
        outer = self.current
        self.scope.append((node.name, kind))
        if symbol is not None:
            self.current = symbol
        for statement in node.body:
            self.visit(statement)
        self.scope.pop()
        self.current = outer

    # -- calls -----------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = dotted(node.func)
        if name is not None and name not in BUILTIN_NAMES:
            calls = self.current.calls if self.current else self.analysis.module_calls
            if name not in calls:
                calls.append(name)
        self.generic_visit(node)


def _parse(text: str, module: str, attempts: int = 3) -> ast.Module:
    """``ast.parse``, tried again on CPython's spurious "AST constructor recursion depth
    mismatch" SystemError: before 3.11.8 (gh-106905) the AST builder kept its recursion
    count in state shared between threads, so a parse elsewhere in the process at the same
    time could trip it."""
    for attempt in range(attempts):
        try:
            return ast.parse(text, filename=module)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def analyse(source: bytes, module: str, is_package: bool) -> FileAnalysis:
    """Analyse one file's bytes; a file that does not decode or parse gets ``error`` set."""
    lines = source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1)
    analysis = FileAnalysis(module=module, is_package=is_package, lines=lines)
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        analysis.error = f"not UTF-8: {exc.reason} at byte {exc.start}"
        return analysis
    try:
        tree = _parse(text, module)
    except (SyntaxError, ValueError) as exc:  # ValueError: NUL bytes on older Pythons
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        analysis.error = f"syntax error: {message}{where}"
        return analysis
    except RecursionError:
        analysis.error = "syntax error: nesting too deep to parse"
        return analysis
    analysis.docstring = first_line(ast.get_docstring(tree, clean=False))
    try:
        _Visitor(analysis).visit(tree)
    except RecursionError:
        analysis.error = "nesting too deep to analyse"
    return analysis
