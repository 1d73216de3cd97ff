"""Code as mention targets: file paths and qualified names found in text.

A text mentions a file when it contains its path (``kgservice/stores/graph.py``, also at the
end of a longer path) and a symbol when it contains its qualified name
(``kgservice.stores.graph.GraphStore.checkpoint``) or its name within its module when that
has a dot (``GraphStore.checkpoint``); a module by its dotted name. Matching is exact and
case-sensitive, as code is: the text's dotted and slashed words are looked up, with their
tails, in a dictionary of the names of the latest indexed commit of each repository of the
namespace, so its cost does not grow with the number of names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kgservice.services.codegraph.latest import latest_commits
from kgservice.stores.graph import GraphStore

_TOKEN = re.compile(r"(?<![\w.])/?[A-Za-z_]\w*(?:[./][A-Za-z_]\w*)+")
_SEPARATOR = re.compile(r"[./]")


class CodeMatcher:
    """Names of code files and symbols mapped to their node ids."""

    def __init__(self, terms: dict[str, set[str]]) -> None:
        self.terms = terms

    def __len__(self) -> int:
        return len(self.terms)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, object]]) -> CodeMatcher:
        """Build from ``codegraph/mention_terms`` rows."""
        terms: dict[str, set[str]] = {}
        for row in rows:
            path = str(row["path"])
            if "/" in path or "." in path:
                terms.setdefault(path, set()).add(str(row["file_id"]))
            qualname, module = row.get("qualname"), row.get("module")
            if not isinstance(qualname, str) or not isinstance(module, str):
                continue
            symbol_id = str(row["symbol_id"])
            names = {qualname}
            if qualname != module:
                names.add(qualname[len(module) + 1 :])
            for name in names:
                if "." in name:
                    terms.setdefault(name, set()).add(symbol_id)
        return cls(terms)

    @classmethod
    def from_graph(cls, graph: GraphStore, namespace: str) -> CodeMatcher:
        """The names of the latest indexed commit of each repository of ``namespace``."""
        rows: list[dict[str, object]] = []
        for commit_id in latest_commits(graph, namespace).values():
            rows.extend(graph.run("codegraph/mention_terms", {"commit_id": commit_id}))
        return cls.from_rows(rows)

    def targets_in(self, text: str) -> set[str]:
        """Ids of the files and symbols ``text`` names."""
        if not self.terms or not text:
            return set()
        found: set[str] = set()
        for match in _TOKEN.finditer(text):
            token = match.group().lstrip("/")
            starts = [0, *(m.end() for m in _SEPARATOR.finditer(token))]
            for start in starts:
                ids = self.terms.get(token[start:])
                if ids:
                    found |= ids
                    break  # the longest name found at this token
        return found
