"""Named, parameterised Cypher statements loaded from ``queries/**/*.cypher``.

A query's name is its path below ``queries/`` without the suffix (``core/node_by_id``).
Its parameters are the ``$name`` tokens in its text; callers must bind exactly those, which
guards against the engine crash on unbound parameters. Cypher cannot bind a label, so a query
may name its table ``__LABEL__``; the store fills it in from an allowlist of table names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kgservice.errors import QueryError
from kgservice.resources import resource_dir

_STRING_OR_COMMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*|/\*.*?\*/", re.S)
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
LABEL_SLOT = "__LABEL__"
WHERE_SLOT = "__WHERE__"
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_WRITE_CLAUSE = re.compile(r"\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|COPY|DROP|ALTER)\b", re.I)


@dataclass(frozen=True)
class NamedQuery:
    """One statement from the catalog."""

    name: str
    text: str
    parameters: frozenset[str]
    writes: bool

    @property
    def filterable(self) -> bool:
        """Whether the text has a ``__WHERE__`` slot for a compiled filter."""
        return WHERE_SLOT in self.text

    def with_filter(self, expression: str, params: frozenset[str]) -> NamedQuery:
        """Return this query with its filter slot filled by a compiled expression.

        The expression must come from :func:`kgservice.stores.where.compile_where`, which
        takes property names from an allowlist and binds every value as a parameter.
        """
        if not self.filterable:
            raise QueryError(f"query {self.name} takes no filter")
        return NamedQuery(
            name=f"{self.name}{{{expression}}}",
            text=self.text.replace(WHERE_SLOT, expression),
            parameters=self.parameters | params,
            writes=self.writes,
        )

    @property
    def labelled(self) -> bool:
        """Whether the text has a ``__LABEL__`` slot to fill."""
        return LABEL_SLOT in self.text

    def for_label(self, label: str, allowed: set[str]) -> NamedQuery:
        """Return this query with its label slot filled by ``label``, which must be allowed."""
        if not self.labelled:
            raise QueryError(f"query {self.name} takes no label")
        if label not in allowed or not _LABEL.match(label):
            raise QueryError(f"query {self.name}: unknown table {label!r}")
        return NamedQuery(
            name=f"{self.name}[{label}]",
            text=self.text.replace(LABEL_SLOT, label),
            parameters=self.parameters,
            writes=self.writes,
        )

    def check_parameters(self, given: Mapping[str, object]) -> None:
        """Raise QueryError unless ``given`` binds exactly this query's parameters."""
        missing = self.parameters - given.keys()
        extra = given.keys() - self.parameters
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(sorted(missing))}")
            if extra:
                parts.append(f"unexpected {', '.join(sorted(extra))}")
            raise QueryError(f"query {self.name}: {'; '.join(parts)}")


def parse_query(name: str, text: str) -> NamedQuery:
    """Build a NamedQuery, finding its parameters and whether it writes."""
    code = _STRING_OR_COMMENT.sub(" ", text)
    body = text.strip().rstrip(";").strip()
    if not _STRING_OR_COMMENT.sub(" ", body).strip():
        raise QueryError(f"query {name} is empty")
    return NamedQuery(
        name=name,
        text=body,
        parameters=frozenset(_PARAMETER.findall(code)),
        writes=bool(_WRITE_CLAUSE.search(code)),
    )


class QueryCatalog:
    """All named queries below a folder, loaded once."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else resource_dir("queries")
        self._queries: dict[str, NamedQuery] = {}
        for path in sorted(self.root.rglob("*.cypher")):
            name = path.relative_to(self.root).with_suffix("").as_posix()
            self._queries[name] = parse_query(name, path.read_text(encoding="utf-8"))

    def __getitem__(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise QueryError(f"unknown query {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def names(self) -> list[str]:
        """Return every query name, sorted."""
        return sorted(self._queries)
