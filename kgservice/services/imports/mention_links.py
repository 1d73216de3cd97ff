"""MENTIONS edges after an import, exactly those the import makes possible.

Targets are entities and, as ``link-mentions`` finds them, the files and symbols of each
repository's latest indexed commit. An imported text is matched against every target of
the namespace; a text that was there before only against the imported ones (entities, and
code of imported commits). So the edges added all touch a node the import created, and
rolling the import back (which deletes those nodes with their edges) removes them all.
Existing edges are left alone, so running it again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from kgservice.ids import label_of
from kgservice.services.codegraph.mention_targets import CodeMatcher
from kgservice.services.knowledge.mention_matcher import Matcher
from kgservice.services.knowledge.mentions import TEXT_LABELS, existing_mentions, text_pages
from kgservice.stores.graph import GraphStore, Transaction

PAGE = 2_000
TARGET_LABELS = ("Entity", "CodeFile", "Symbol")


@dataclass(frozen=True)
class Targets:
    """What texts can mention: entities by name, code by path or qualified name."""

    entities: Matcher
    code: CodeMatcher

    @classmethod
    def of_namespace(
        cls, graph: GraphStore, namespace: str, new: set[str]
    ) -> tuple[Targets, Targets]:
        """Every target of ``namespace`` (its entities and the code of its latest indexed
        commits), and those of them among ``new``."""
        terms = graph.run("knowledge/mention_terms", {"namespace": namespace})
        code = CodeMatcher.from_graph(graph, namespace)
        every = cls(
            Matcher.from_entities((r["id"], r["name"], r["aliases"] or []) for r in terms), code
        )
        imported = cls(
            Matcher.from_entities(
                (r["id"], r["name"], r["aliases"] or []) for r in terms if r["id"] in new
            ),
            CodeMatcher({term: ids & new for term, ids in code.terms.items() if ids & new}),
        )
        return every, imported

    def in_text(self, text: str) -> set[str]:
        """Ids of the targets ``text`` names."""
        return self.entities.entities_in(text) | self.code.targets_in(text)


def link_import_mentions(
    graph: GraphStore,
    namespace: str,
    job_id: str,
    save: Callable[[Transaction], None] | None = None,
) -> dict[str, int]:
    """Add the missing MENTIONS edges of import ``job_id``; return how many per text table."""
    created = graph.run("imports/imported_nodes", {"job_id": job_id})
    new_texts = {row["node_id"] for row in created if row["label"] in TEXT_LABELS}
    new_targets = {row["node_id"] for row in created if row["label"] in TARGET_LABELS}
    if not new_texts and not new_targets:
        return dict.fromkeys(TEXT_LABELS, 0)
    every, imported = Targets.of_namespace(graph, namespace, new_targets)
    missing: dict[str, list[tuple[str, str]]] = {}
    for label in TEXT_LABELS:
        found: list[tuple[str, str]] = []
        for texts in text_pages(graph, namespace, label, PAGE):
            wanted: set[tuple[str, str]] = set()
            for text in texts:
                if not new_targets and text["id"] not in new_texts:
                    continue
                targets = every if text["id"] in new_texts else imported
                for target_id in targets.in_text(text["content"] or ""):
                    wanted.add((text["id"], target_id))
            if wanted:
                found.extend(sorted(wanted - existing_mentions(graph, namespace, label, texts)))
        missing[label] = found
    with graph.transaction() as tx:
        for label, pairs in missing.items():
            by_target: dict[str, list[tuple[str, str]]] = {}
            for pair in pairs:
                by_target.setdefault(label_of(pair[1]) or "Entity", []).append(pair)
            for target, group in sorted(by_target.items()):
                table = pa.table(
                    {
                        "from": pa.array([p[0] for p in group], pa.string()),
                        "to": pa.array([p[1] for p in group], pa.string()),
                    }
                )
                tx.copy_from_arrow("MENTIONS", table, pair=(label, target))
        if save is not None:
            save(tx)
    return {label: len(pairs) for label, pairs in missing.items()}
