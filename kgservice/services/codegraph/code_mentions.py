"""Linking the texts already stored to the code a newly indexed commit adds.

Only the names of the commit's new file versions and symbols are looked for. Candidate
texts come from the vector store's full-text index (each name as a phrase of its words),
and the :class:`CodeMatcher` then checks the exact name, so the cost follows the number of
new names and the texts that contain their words, not the number of stored texts.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from kgservice.ids import label_of
from kgservice.services.codegraph.mention_targets import CodeMatcher
from kgservice.stores.graph import GraphStore
from kgservice.stores.vectors import VectorStore

TEXT_KINDS = ("Message", "Conversation", "Reflection")
PHRASES_PER_QUERY = 100
LINKS_PER_TRANSACTION = 500
_WORD = re.compile(r"[A-Za-z0-9]+")
_LINK_QUERIES = {
    "CodeFile": "codegraph/mention_link_file",
    "Symbol": "codegraph/mention_link_symbol",
}


def new_code_matcher(graph: GraphStore, commit_id: str, file_ids: Collection[str]) -> CodeMatcher:
    """The names of the commit's files in ``file_ids`` and of their symbols."""
    rows = graph.run("codegraph/mention_terms", {"commit_id": commit_id})
    wanted = set(file_ids)
    return CodeMatcher.from_rows(row for row in rows if row["file_id"] in wanted)


def _phrase(term: str) -> str | None:
    words = _WORD.findall(term)
    return '"' + " ".join(words) + '"' if words else None


def link_stored_texts(
    graph: GraphStore, vectors: VectorStore, namespace: str, matcher: CodeMatcher
) -> int:
    """Add MENTIONS edges from the namespace's stored texts to the matcher's targets."""
    phrases = sorted({p for term in matcher.terms if (p := _phrase(term))})
    candidates: dict[str, tuple[str, str]] = {}
    kinds = ", ".join("?" * len(TEXT_KINDS))
    sql = (
        "SELECT t.node_id, t.kind, t.text FROM node_fts JOIN node_text t "
        "ON t.rowid = node_fts.rowid WHERE node_fts MATCH ? AND t.namespace = ? "
        f"AND t.kind IN ({kinds})"
    )
    for start in range(0, len(phrases), PHRASES_PER_QUERY):
        expression = " OR ".join(phrases[start : start + PHRASES_PER_QUERY])
        for node_id, kind, text in vectors.query(sql, (expression, namespace, *TEXT_KINDS)):
            candidates[node_id] = (kind, text)
    links = sorted(
        (kind, node_id, target)
        for node_id, (kind, text) in candidates.items()
        for target in matcher.targets_in(text)
    )
    for start in range(0, len(links), LINKS_PER_TRANSACTION):
        with graph.transaction() as tx:
            for kind, node_id, target in links[start : start + LINKS_PER_TRANSACTION]:
                query = _LINK_QUERIES[label_of(target) or "Symbol"]
                tx.run(query, {"text_id": node_id, "target_id": target}, label=kind)
    return len(links)
