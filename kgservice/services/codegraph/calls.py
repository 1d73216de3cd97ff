"""Best-effort static resolution of calls and base classes to the commit's symbols.

A name is looked up as Python would at module level: a function or class defined in the
module, else a name the module imports (``import a.b as m``, ``from a import f``), followed
through re-exports (``pkg/__init__.py`` importing ``f`` from ``pkg.sub``) a few hops deep.
``self.m()`` and ``cls.m()`` in a method find ``m`` on the enclosing class or, in order, its
resolved base classes. Anything else (calls on values, ``super()``, dynamic attributes) is
left out. Symbols are keyed ``(file path, local qualified name)``; a module is ``(path, "")``.
"""

from __future__ import annotations

from collections.abc import Mapping

from kgservice.services.codegraph.parsing import FileAnalysis, SymbolDef

SymbolKey = tuple[str, str]
MAX_HOPS = 6


class CommitSymbols:
    """The modules and symbols of one commit, for resolving dotted names."""

    def __init__(self, analyses: Mapping[str, FileAnalysis], modules: Mapping[str, str]) -> None:
        """``analyses`` by path; ``modules`` maps module names to paths."""
        self.analyses = analyses
        self.modules = modules
        self.symbols: dict[str, SymbolKey] = {}  # full dotted name -> key
        self.kinds: dict[SymbolKey, str] = {}
        for path, analysis in analyses.items():
            if modules.get(analysis.module) != path:
                continue  # a module shadowed by a same-named package
            for symbol in analysis.symbols:
                key = (path, symbol.local)
                self.symbols.setdefault(f"{analysis.module}.{symbol.local}", key)
                self.kinds[key] = symbol.kind
        self._bases: dict[SymbolKey, list[SymbolKey]] = {}

    # -- lookups ---------------------------------------------------------------------
    def resolve(self, path: str, name: str, in_class: str | None = None) -> SymbolKey | None:
        """The symbol or module ``name`` (as written in file ``path``) refers to."""
        head, _, rest = name.partition(".")
        if head in ("self", "cls") and in_class is not None:
            if not rest or "." in rest:
                return None
            return self.method((path, in_class), rest)
        analysis = self.analyses[path]
        own = f"{analysis.module}.{head}"
        if own in self.symbols:
            base = own
        elif head in analysis.bindings:
            base = analysis.bindings[head]
        else:
            return None
        return self.resolve_dotted(f"{base}.{rest}" if rest else base, 0)

    def resolve_dotted(self, full: str, hops: int) -> SymbolKey | None:
        """The symbol or module an absolute dotted name refers to."""
        if full in self.symbols:
            return self.symbols[full]
        if full in self.modules:
            return (self.modules[full], "")
        parts = full.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.modules:
                return self._in_module(prefix, parts[cut:], hops)
            key = self.symbols.get(prefix)
            if key is not None:
                if self.kinds[key] == "class" and cut == len(parts) - 1:
                    return self.method(key, parts[cut])
                return None
        return None

    def _in_module(self, module: str, remainder: list[str], hops: int) -> SymbolKey | None:
        path = self.modules[module]
        first, rest = remainder[0], remainder[1:]
        candidate = f"{module}.{first}"
        base: SymbolKey | None
        if candidate in self.symbols:
            base = self.symbols[candidate]
        elif hops < MAX_HOPS and first in self.analyses[path].bindings:
            base = self.resolve_dotted(self.analyses[path].bindings[first], hops + 1)
        else:
            return None
        if base is None or not rest:
            return base
        if base[1] == "":
            return self._in_module(self.analyses[base[0]].module, rest, hops + 1)
        if self.kinds.get(base) == "class" and len(rest) == 1:
            return self.method(base, rest[0])
        return None

    def method(self, cls: SymbolKey, name: str, depth: int = 0) -> SymbolKey | None:
        """Method ``name`` of class ``cls`` or of its bases (depth first, as listed)."""
        key = (cls[0], f"{cls[1]}.{name}")
        if key in self.kinds:
            return key
        if depth >= MAX_HOPS:
            return None
        for base in self.bases(cls):
            found = self.method(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def bases(self, cls: SymbolKey) -> list[SymbolKey]:
        """The resolved base classes of ``cls`` (those defined in the commit)."""
        cached = self._bases.get(cls)
        if cached is None:
            cached = self._bases[cls] = []  # set first: guards against cycles
            symbol = self._symbol(cls)
            if symbol is not None:
                for written in symbol.bases:
                    base = self.resolve(cls[0], written)
                    if base is not None and base != cls and self.kinds.get(base) == "class":
                        cached.append(base)
        return cached

    def _symbol(self, key: SymbolKey) -> SymbolDef | None:
        for symbol in self.analyses[key[0]].symbols:
            if symbol.local == key[1]:
                return symbol
        return None


def enclosing_class(symbol: SymbolDef) -> str | None:
    """The local name of the class a method belongs to."""
    return symbol.local.rpartition(".")[0] if symbol.kind == "method" else None


Edges = set[tuple[SymbolKey, SymbolKey]]


def call_edges(commit: CommitSymbols) -> tuple[Edges, Edges]:
    """``(calls, inherits)``: caller to callee, and class to base class, by symbol key."""
    calls: Edges = set()
    inherits: Edges = set()
    for path, analysis in commit.analyses.items():
        if analysis.error is not None:
            continue
        for written in analysis.module_calls:
            target = commit.resolve(path, written)
            if target is not None and target[1]:
                calls.add(((path, ""), target))
        for symbol in analysis.symbols:
            caller = (path, symbol.local)
            owner = enclosing_class(symbol)
            for written in symbol.calls:
                target = commit.resolve(path, written, owner)
                if target is not None and target[1] and target != caller:
                    calls.add((caller, target))
            if symbol.kind == "class":
                for base in commit.bases(caller):
                    inherits.add((caller, base))
    return calls, inherits
