"""MENTIONS edges after an import, exactly those the import makes possible.

An imported text is matched against every entity of the namespace; a text that was there
before is matched only against the imported entities. So the edges added all touch a node
the import created, and rolling the import back (which deletes those nodes with their
edges) removes them all. Existing edges are left alone, so running it again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from kgservice.services.knowledge.mention_matcher import Matcher
from kgservice.services.knowledge.mentions import TEXT_LABELS
from kgservice.stores.graph import GraphStore, Transaction

PAGE = 2_000


def link_import_mentions(
    graph: GraphStore,
    namespace: str,
    job_id: str,
    save: Callable[[Transaction], None] | None = None,
) -> dict[str, int]:
    """Add the missing MENTIONS edges of import ``job_id``; return how many per text table."""
    created = graph.run("imports/imported_nodes", {"job_id": job_id})
    new_texts = {row["node_id"] for row in created if row["label"] in TEXT_LABELS}
    new_entities = {row["node_id"] for row in created if row["label"] == "Entity"}
    terms = graph.run("knowledge/mention_terms", {"namespace": namespace})
    every = Matcher.from_entities((r["id"], r["name"], r["aliases"] or []) for r in terms)
    imported = Matcher.from_entities(
        (r["id"], r["name"], r["aliases"] or []) for r in terms if r["id"] in new_entities
    )
    if not new_texts and not new_entities:
        return dict.fromkeys(TEXT_LABELS, 0)
    missing: dict[str, list[tuple[str, str]]] = {}
    for label in TEXT_LABELS:
        after = ""
        found: list[tuple[str, str]] = []
        while True:
            texts = graph.run(
                "knowledge/mention_text_page",
                {"namespace": namespace, "after_id": after, "limit": PAGE},
                label=label,
            )
            if not texts:
                break
            wanted: set[tuple[str, str]] = set()
            for text in texts:
                matcher = every if text["id"] in new_texts else imported
                if not new_entities and text["id"] not in new_texts:
                    continue
                for entity_id in matcher.entities_in(text["content"] or ""):
                    wanted.add((text["id"], entity_id))
            if wanted:
                existing = graph.run(
                    "knowledge/mention_existing",
                    {
                        "namespace": namespace,
                        "first_id": texts[0]["id"],
                        "last_id": texts[-1]["id"],
                    },
                    label=label,
                )
                found.extend(sorted(wanted - {(r["text_id"], r["entity_id"]) for r in existing}))
            after = texts[-1]["id"]
        missing[label] = found
    with graph.transaction() as tx:
        for label, pairs in missing.items():
            if pairs:
                table = pa.table(
                    {
                        "from": pa.array([p[0] for p in pairs], pa.string()),
                        "to": pa.array([p[1] for p in pairs], pa.string()),
                    }
                )
                tx.copy_from_arrow("MENTIONS", table, pair=(label, "Entity"))
        if save is not None:
            save(tx)
    return {label: len(pairs) for label, pairs in missing.items()}
