"""MENTIONS edges from text-bearing nodes to the entities, code files and symbols they name.

Texts are linked when they are written (``link_new_texts``, called inside the writer's
transaction by the sessions and memory services), after an entity is created
(``link_entity``, for the texts already stored) and by the backfill job
:func:`link_mentions`, which scans every text of a namespace in batches and is idempotent.
One compiled :class:`Matcher` per namespace is cached, with the namespace's
:class:`CodeMatcher` (file paths and qualified names of its latest indexed commits); writes
that change names or aliases update or rebuild it, indexing code rebuilds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from kgservice.ids import label_of
from kgservice.services.codegraph.mention_targets import CodeMatcher
from kgservice.services.knowledge.mention_matcher import Matcher
from kgservice.services.knowledge.names import key_words, name_key
from kgservice.stores.graph import GraphStore, Row, Transaction

TEXT_LABELS = ("Message", "Conversation", "Reflection")
BATCH_SIZE = 500  # texts per backfill transaction
DELTA_LIMIT = 256  # names added since the last full compile before recompiling everything
#: The statements that link a text to a target, by the target's table.
CREATE_QUERIES = {
    "Entity": "knowledge/mention_create",
    "CodeFile": "codegraph/mention_create_file",
    "Symbol": "codegraph/mention_create_symbol",
}
LINK_QUERIES = {
    "Entity": "knowledge/mention_link",
    "CodeFile": "codegraph/mention_link_file",
    "Symbol": "codegraph/mention_link_symbol",
}


@dataclass(frozen=True)
class NewText:
    """A text node just written: what mention linking needs of it."""

    node_id: str
    namespace: str
    content: str


@dataclass
class _Cached:
    base: Matcher
    code: CodeMatcher = field(default_factory=lambda: CodeMatcher({}))
    added: dict[str, set[str]] = field(default_factory=dict)
    delta: Matcher = field(default_factory=lambda: Matcher({}))

    def entities_in(self, text: str) -> set[str]:
        found = self.base.entities_in(text)
        if self.added:
            found |= self.delta.entities_in(text)
        return found

    def lookup(self, name: str) -> frozenset[str]:
        return self.base.lookup(name) | self.delta.lookup(name)


class MentionMatchers:
    """A cache of one compiled matcher per namespace, built from the graph on first use.

    Creating an entity adds its names to a small second matcher (compiling 10,000 names
    takes about half a second, a few names microseconds); removing a name (a merge)
    rebuilds the namespace's matcher then, outside the writer. The first text written to a
    namespace after the process starts builds its matcher. Writes made outside the services
    (bulk loads) should call :meth:`invalidate`; the backfill job always starts afresh.
    """

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph
        self._lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}
        self._generation: dict[str, int] = {}

    def _get(self, namespace: str) -> _Cached:
        with self._lock:
            cached = self._cache.get(namespace)
            generation = self._generation.get(namespace, 0)
        if cached is not None:
            return cached
        rows = self.graph.run("knowledge/mention_terms", {"namespace": namespace})
        built = _Cached(
            Matcher.from_entities((r["id"], r["name"], r["aliases"] or []) for r in rows),
            CodeMatcher.from_graph(self.graph, namespace),
        )
        with self._lock:
            if self._generation.get(namespace, 0) == generation:
                self._cache[namespace] = built
        return built

    def entities_in(self, namespace: str, text: str) -> set[str]:
        """Ids of the namespace's entities named in ``text``."""
        return self._get(namespace).entities_in(text)

    def targets_in(self, namespace: str, text: str) -> set[str]:
        """Ids of the namespace's entities, code files and symbols named in ``text``."""
        cached = self._get(namespace)
        return cached.entities_in(text) | cached.code.targets_in(text)

    def lookup(self, namespace: str, name: str) -> frozenset[str]:
        """Ids of the namespace's entities whose name or an alias has the key of ``name``."""
        return self._get(namespace).lookup(name)

    def add(self, namespace: str, entity_id: str, terms: Iterable[str]) -> None:
        """Make new names or aliases of an entity findable (call it outside transactions)."""
        with self._lock:
            cached = self._cache.get(namespace)
            if cached is None:
                return  # built from the graph, with the new names, on first use
            for term in terms:
                key = name_key(term)
                if key:
                    cached.added.setdefault(key, set()).add(entity_id)
            overflow = len(cached.added) > DELTA_LIMIT
            if not overflow:
                cached.delta = Matcher(cached.added)
        if overflow:
            self.refresh(namespace)

    def invalidate(self, namespace: str) -> None:
        """Forget the namespace's matcher; the next use builds it from the graph."""
        with self._lock:
            self._drop(namespace)

    def refresh(self, namespace: str) -> None:
        """Rebuild the namespace's matcher now, so that no write transaction waits for it."""
        self.invalidate(namespace)
        self._get(namespace)

    def refresh_code(self, namespace: str) -> None:
        """Look for the namespace's latest indexed code from now on (after indexing a
        commit); the entity names are kept as they are."""
        code = CodeMatcher.from_graph(self.graph, namespace)
        with self._lock:
            # A matcher being built meanwhile may predate the commit: it is not kept.
            self._generation[namespace] = self._generation.get(namespace, 0) + 1
            cached = self._cache.get(namespace)
            if cached is not None:
                cached.code = code

    def _drop(self, namespace: str) -> None:
        self._cache.pop(namespace, None)
        self._generation[namespace] = self._generation.get(namespace, 0) + 1

    # -- linking -----------------------------------------------------------------------
    def link_new_texts(self, tx: Transaction, label: str, texts: Sequence[NewText]) -> int:
        """Inside the caller's transaction, link ``label`` texts it created to the entities,
        code files and symbols they name; returns the number of edges written.

        The texts must be new in this transaction: edges are created without looking for
        existing ones (a plain CREATE costs about half a MERGE). One statement per edge: one
        UNWIND over all (text, entity) pairs measured 6.2 ms a message against 3.2 ms at
        10,000 entities (``bench mentions``); its cost grows with the Entity table.
        """
        written = 0
        for text in texts:
            for target_id in sorted(self.targets_in(text.namespace, text.content)):
                _link(tx, CREATE_QUERIES, label, text.node_id, target_id)
                written += 1
        return written

    def link_entity(self, entity_id: str, namespace: str, terms: Sequence[str]) -> int:
        """Link the stored texts that name a new entity; returns the number linked.

        Call it after the entity is committed and :meth:`add` has run, so that texts written
        from then on are linked on write. The texts are found on a reader (the engine keeps
        those containing the longest word of each name, then the matcher checks whole
        words), so the writer is held only to add the edges, ``BATCH_SIZE`` per transaction.
        """
        matcher = Matcher.from_entities([(entity_id, terms[0], terms[1:])])
        needles = sorted({max(key_words(key), key=len) for key in matcher.terms})
        found: list[tuple[str, str]] = []
        for label in TEXT_LABELS:
            seen: set[str] = set()
            for needle in needles:
                rows = self.graph.run(
                    "knowledge/mention_texts_containing",
                    {"namespace": namespace, "needle": needle},
                    label=label,
                )
                for row in rows:
                    if row["id"] not in seen and matcher.entities_in(row["content"] or ""):
                        seen.add(row["id"])
                        found.append((label, row["id"]))
        for start in range(0, len(found), BATCH_SIZE):
            with self.graph.transaction() as tx:
                for label, text_id in found[start : start + BATCH_SIZE]:
                    tx.run(
                        "knowledge/mention_link",
                        {"text_id": text_id, "entity_id": entity_id},
                        label=label,
                    )
        return len(found)


@dataclass
class MentionReport:
    """What a backfill run did (or, dry, would do)."""

    texts_scanned: int = 0
    links_created: int = 0
    per_kind: dict[str, int] = field(default_factory=dict)


def link_mentions(
    graph: GraphStore,
    matchers: MentionMatchers,
    namespace: str | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> MentionReport:
    """Add every missing MENTIONS edge of ``namespace`` (all namespaces when None).

    Texts are read in id order, ``batch_size`` per transaction, so interactive writes never
    wait long; existing edges are left as they are, so running it again changes nothing.
    ``progress`` is called with the number of texts scanned so far.
    """
    report = MentionReport(per_kind=dict.fromkeys(TEXT_LABELS, 0))
    if namespace is None:
        rows = graph.run("knowledge/mention_namespaces")
        namespaces = [r["namespace"] for r in rows if r["namespace"] is not None]
    else:
        namespaces = [namespace]
    for current in namespaces:
        matchers.invalidate(current)  # entities may have been loaded outside the services
        for label in TEXT_LABELS:
            for texts in text_pages(graph, current, label, batch_size):
                created = _link_batch(graph, matchers, current, label, texts, dry_run)
                report.links_created += created
                report.per_kind[label] += created
                report.texts_scanned += len(texts)
                if progress is not None:
                    progress(report.texts_scanned)
    return report


def text_pages(graph: GraphStore, namespace: str, label: str, size: int) -> Iterator[list[Row]]:
    """The namespace's ``label`` texts (id, content) in id order, ``size`` per page."""
    after = ""
    while True:
        texts = graph.run(
            "knowledge/mention_text_page",
            {"namespace": namespace, "after_id": after, "limit": size},
            label=label,
        )
        if not texts:
            return
        yield texts
        after = texts[-1]["id"]


def existing_mentions(
    graph: GraphStore, namespace: str, label: str, texts: Sequence[Row]
) -> set[tuple[str, str]]:
    """The MENTIONS edges (text id, target id) from ``label`` texts in the id range of
    ``texts`` (a page in id order) to entities, files and symbols."""
    bounds = {"namespace": namespace, "first_id": texts[0]["id"], "last_id": texts[-1]["id"]}
    existing = {
        (r["text_id"], r["entity_id"])
        for r in graph.run("knowledge/mention_existing", bounds, label=label)
    }
    existing |= {
        (r["text_id"], r["target_id"])
        for r in graph.run("codegraph/mention_existing", bounds, label=label)
    }
    return existing


def _link_batch(
    graph: GraphStore,
    matchers: MentionMatchers,
    namespace: str,
    label: str,
    texts: Sequence[Row],
    dry_run: bool,
) -> int:
    wanted = {
        (text["id"], target_id)
        for text in texts
        for target_id in matchers.targets_in(namespace, text["content"] or "")
    }
    if not wanted:
        return 0
    missing = sorted(wanted - existing_mentions(graph, namespace, label, texts))
    if missing and not dry_run:
        with graph.transaction() as tx:
            for text_id, target_id in missing:
                _link(tx, LINK_QUERIES, label, text_id, target_id)
    return len(missing)


def _link(
    tx: Transaction, queries: dict[str, str], label: str, text_id: str, target_id: str
) -> None:
    """Add the MENTIONS edge from a ``label`` text to a target of the table its id names."""
    table = label_of(target_id) or "Entity"
    if table == "Entity":
        tx.run(queries[table], {"text_id": text_id, "entity_id": target_id}, label=label)
    else:
        tx.run(queries[table], {"text_id": text_id, "target_id": target_id}, label=label)
