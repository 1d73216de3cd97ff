"""The texts that mention a code file or symbol, as keyset pages newest first.

A file is mentioned through its path and a symbol through its qualified name in any indexed
version of its repository, so a mention made when an older commit was current still counts.
Pages are keyset pages on the text's id (ULIDs sort by creation time), never offsets.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

from kgservice.services.keyset_pages import ID_MAX
from kgservice.stores.graph import GraphStore

NO_NAMESPACE = "\x00"
CodeKind = Literal["CodeFile", "Symbol"]
_QUERIES: dict[str, str] = {"CodeFile": "file", "Symbol": "symbol"}


def _scope(target_id: str, namespaces: Collection[str] | None) -> dict[str, Any]:
    # An empty list cannot be typed by the engine: a name no namespace has stands in.
    return {
        "target_id": target_id,
        "any_namespace": namespaces is None,
        "namespaces": sorted(namespaces) if namespaces else [NO_NAMESPACE],
    }


def mentioned_by_page(
    graph: GraphStore,
    kind: CodeKind,
    target_id: str,
    after: str | None,
    before: str | None,
    limit: int,
    backward: bool = False,
    namespaces: Collection[str] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Up to ``limit`` texts mentioning the target, ``(table, node)``, in page direction.

    Forward pages run newest first, so ``after`` is an upper id bound and ``before`` a lower
    one; ``namespaces`` (None: all) keeps texts of those namespaces only.
    """
    name = f"codegraph/{_QUERIES[kind]}_mentioned_by" + ("_desc" if backward else "")
    params = {
        **_scope(target_id, namespaces),
        "after_id": before or "",
        "before_id": after or ID_MAX,
        "limit": limit,
    }
    return [(row["label"], row["node"]) for row in graph.run(name, params)]


def count_mentioned_by(
    graph: GraphStore, kind: CodeKind, target_id: str, namespaces: Collection[str] | None = None
) -> int:
    """How many texts (of ``namespaces``; None: all) mention the target."""
    rows = graph.run(f"codegraph/{_QUERIES[kind]}_mention_count", _scope(target_id, namespaces))
    return int(rows[0]["count"])
