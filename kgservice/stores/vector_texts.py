"""The text side of the vector store: ``node_text`` rows, where messages sit in their threads,
the ``context`` column of neighbouring turns, and BM25 search over ``node_fts``.

``node_fts`` (FTS5, two columns: ``text`` and ``context``) is kept in step with ``node_text``
by triggers, so writing a row here indexes it. A message's ``context`` is the text of the turns
within ``CONTEXT_SPAN`` positions of it in its thread; it is computed as the message is written
and refreshed for its stored neighbours in the same transaction. Every function takes the
connection of :class:`~kgservice.stores.vectors.VectorStore`, which holds its lock (and, for
writes, the transaction) around the call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import apsw
import numpy as np
import numpy.typing as npt

from kgservice.errors import VectorValidationError
from kgservice.stores.text_ranking import (
    CONTEXT_SPAN,
    CONTEXT_WEIGHT,
    TEXT_WEIGHT,
    match_expression,
)
from kgservice.stores.vector_inputs import Hits, IntArray, TextItem, check_k, check_kinds

Place = tuple[str, int]
"""Where a message sits: its thread's id and its idx there."""
Placed = Mapping[str, tuple[str, int, str]]
"""``node id -> (thread id, idx, context)`` of messages about to be written."""


def _rows_of(
    connection: apsw.Connection, columns: str, node_ids: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The ``columns`` of the ``node_text`` rows of ``node_ids`` (those stored)."""
    return list(
        connection.execute(
            f"SELECT {columns} FROM node_text WHERE node_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(node_ids)),),
        )
    )


# -- writing -------------------------------------------------------------------------------
def store_texts(
    connection: apsw.Connection,
    items: Sequence[TextItem],
    places: Sequence[Place | None] | None = None,
    *,
    vectors: bool,
) -> tuple[IntArray, IntArray]:
    """Write the rows of ``items`` (see :func:`write_texts`); ``places`` (one per item, or
    None) gives a message's ``(thread id, idx)``, and the context of its stored neighbours
    is refreshed too."""
    placed = message_contexts(connection, items, places) if places else {}
    rowids, replaced = write_texts(connection, items, vectors=vectors, placed=placed)
    if placed:  # the neighbours outside the batch see the new turns
        refresh_context(connection, [(t, p) for t, p, _ in placed.values()], skip=rowids)
    return rowids, replaced


def delete_texts(connection: apsw.Connection, node_ids: Sequence[str]) -> tuple[int, IntArray]:
    """Delete the rows (and so the FTS rows) of ``node_ids``; returns how many existed and
    the rowids of those that had a vector, for the caller to delete from ``node_vectors``."""
    rows = _rows_of(connection, "rowid, has_vector", node_ids)
    connection.executemany("DELETE FROM node_text WHERE rowid = ?", [(r,) for r, _ in rows])
    return len(rows), np.array([r for r, has in rows if has], dtype=np.int64)


def message_contexts(
    connection: apsw.Connection, items: Sequence[TextItem], places: Sequence[Place | None]
) -> dict[str, tuple[str, int, str]]:
    """``node id -> (thread id, idx, context)`` for the placed items: the texts within
    ``CONTEXT_SPAN`` positions, from the batch and from the stored neighbours."""
    wanted: dict[str, list[int]] = {}
    for place in places:
        if place is not None:
            wanted.setdefault(place[0], []).append(int(place[1]))
    texts: dict[tuple[str, int], str] = {}
    for thread_id, positions in wanted.items():
        rows = connection.execute(
            "SELECT position, text FROM node_text WHERE thread_id = ? AND position BETWEEN ? AND ?",
            (thread_id, min(positions) - CONTEXT_SPAN, max(positions) + CONTEXT_SPAN),
        )
        texts.update(((thread_id, int(position)), text) for position, text in rows)
    for item, place in zip(items, places, strict=True):
        if place is not None:
            texts[(place[0], int(place[1]))] = item.text
    contexts: dict[str, tuple[str, int, str]] = {}
    for item, place in zip(items, places, strict=True):
        if place is None:
            continue
        thread_id, position = place[0], int(place[1])
        around = (
            texts.get((thread_id, other))
            for other in range(position - CONTEXT_SPAN, position + CONTEXT_SPAN + 1)
            if other != position
        )
        contexts[item.node_id] = (thread_id, position, " ".join(t for t in around if t))
    return contexts


def write_texts(
    connection: apsw.Connection,
    items: Sequence[TextItem],
    *,
    vectors: bool,
    placed: Placed | None = None,
) -> tuple[IntArray, IntArray]:
    """Insert or update ``node_text`` rows, marking whether each will have a vector;
    ``placed`` gives messages their thread, idx and context as they are written.

    Returns:
        The rowids in item order, and the rowids whose existing vector must be deleted
        (all that had one when ``vectors``; else those whose text, kind or namespace
        changed).
    """
    known = {
        node_id: (rowid, (kind, namespace, text), has)
        for node_id, rowid, kind, namespace, text, has in _rows_of(
            connection,
            "node_id, rowid, kind, namespace, text, has_vector",
            [item.node_id for item in items],
        )
    }
    now = datetime.now(UTC).isoformat()
    (top,) = next(connection.execute("SELECT coalesce(max(rowid), 0) FROM node_text"))
    rowids: list[int] = []
    replaced: list[int] = []
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    places: list[tuple[Any, ...]] = []
    placed = placed or {}
    for item in items:
        values = (item.kind, item.namespace, item.text)
        where = placed.get(item.node_id)
        if item.node_id not in known:
            top += 1
            rowids.append(top)
            inserts.append(
                (top, item.node_id, *values, now, int(vectors), *(where or (None, None, "")))
            )
            continue
        rowid, current, has_vector = known[item.node_id]
        rowids.append(rowid)
        if where is not None:
            places.append((*where, rowid))
        if vectors or current != values:
            updates.append((*values, now, int(vectors), rowid))
            if has_vector:
                replaced.append(rowid)
    connection.executemany(
        "INSERT INTO node_text (rowid, node_id, kind, namespace, text, updated_at, "
        "has_vector, thread_id, position, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        inserts,
    )
    connection.executemany(
        "UPDATE node_text SET kind = ?, namespace = ?, text = ?, updated_at = ?, "
        "has_vector = ? WHERE rowid = ?",
        updates,
    )
    connection.executemany(
        "UPDATE node_text SET thread_id = ?, position = ?, context = ? WHERE rowid = ?",
        places,
    )
    return np.array(rowids, dtype=np.int64), np.array(replaced, dtype=np.int64)


def place_messages(connection: apsw.Connection, places: Mapping[str, Place]) -> int:
    """Record the ``(thread id, idx)`` of the stored messages among ``places`` and refresh the
    ``context`` of them and of every message within ``CONTEXT_SPAN`` positions of them;
    returns how many were stored."""
    known = _rows_of(connection, "rowid, node_id", list(places))
    placed = [(places[node_id][0], int(places[node_id][1]), int(rowid)) for rowid, node_id in known]
    if placed:
        connection.executemany(
            "UPDATE node_text SET thread_id = ?, position = ? WHERE rowid = ?", placed
        )
        refresh_context(connection, [(t, p) for t, p, _ in placed])
    return len(known)


def refresh_context(
    connection: apsw.Connection,
    changed: Sequence[Place],
    skip: npt.NDArray[np.int64] | None = None,
) -> None:
    """Recompute the ``context`` of the messages within ``CONTEXT_SPAN`` positions of
    ``changed`` places (leaving out the rowids in ``skip``, already up to date)."""
    connection.execute(
        "WITH changed(thread_id, position) AS ("
        " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
        " FROM json_each(:changed)),"
        " near(rowid) AS (SELECT DISTINCT n.rowid FROM changed c JOIN node_text n"
        " ON n.thread_id = c.thread_id AND n.position BETWEEN c.position - :span"
        " AND c.position + :span"
        " WHERE n.rowid NOT IN (SELECT value FROM json_each(:skip)))"
        " UPDATE node_text SET context = coalesce(("
        " SELECT group_concat(o.text, ' ') FROM (SELECT text FROM node_text AS o"
        " WHERE o.thread_id = node_text.thread_id AND o.rowid != node_text.rowid"
        " AND o.position BETWEEN node_text.position - :span AND node_text.position + :span"
        " ORDER BY o.position) AS o), '')"
        " WHERE rowid IN (SELECT rowid FROM near)",
        {
            "changed": json.dumps([[t, int(p)] for t, p in changed]),
            "skip": json.dumps([int(r) for r in (skip if skip is not None else [])]),
            "span": CONTEXT_SPAN,
        },
    )


# -- reading -------------------------------------------------------------------------------
def text_search(
    connection: apsw.Connection,
    query: str,
    k: int,
    kinds: Sequence[str] | None = None,
    namespace: str | None = None,
    *,
    match_all: bool = False,
    stop_words: bool = True,
    context_weight: float = CONTEXT_WEIGHT,
) -> Hits:
    """The ``k`` best BM25 matches of the words of ``query`` (score: higher is better).

    Words are stemmed and quoted, so FTS5 syntax in ``query`` is matched as plain text;
    English stop words are left out (``stop_words``); a query without words returns
    nothing. By default any word may match (``match_all``: all). A match in the text
    of a message's neighbouring turns weighs ``context_weight`` (its own text: 1).
    """
    check_k(k)
    kinds = check_kinds(kinds)
    if not 0 <= context_weight <= 10:
        raise VectorValidationError("context_weight must be between 0 and 10")
    expression = match_expression(query, match_all=match_all, stop_words=stop_words)
    if expression is None:
        return []
    if context_weight == 0:
        expression = f"text : ({expression})"  # own text only
    sql = (
        f"SELECT t.node_id, bm25(node_fts, {TEXT_WEIGHT!r}, {float(context_weight)!r}) "
        "AS score FROM node_fts "
        "JOIN node_text t ON t.rowid = node_fts.rowid WHERE node_fts MATCH ?"
    )
    params: list[Any] = [expression]
    if namespace is not None:
        sql += " AND t.namespace = ?"
        params.append(namespace)
    if kinds is not None:
        sql += f" AND t.kind IN ({', '.join('?' * len(kinds))})"
        params.extend(kinds)
    rows = connection.execute(sql + " ORDER BY score, t.node_id LIMIT ?", (*params, k))
    return [(node_id, -float(score)) for node_id, score in rows]


def neighbours(
    connection: apsw.Connection, node_ids: Sequence[str], window: int
) -> dict[str, tuple[list[str], list[str]]]:
    """For each message of ``node_ids``: the ids of the up to ``window`` messages before
    it and after it in its thread, in thread order (nodes without a place: none)."""
    if window < 1 or not node_ids:
        return {}
    rows = connection.execute(
        "SELECT m.node_id, n.node_id, n.position - m.position FROM node_text AS m "
        "JOIN node_text AS n ON n.thread_id = m.thread_id AND n.rowid != m.rowid "
        "AND n.position BETWEEN m.position - ? AND m.position + ? "
        "WHERE m.node_id IN (SELECT value FROM json_each(?)) AND m.thread_id IS NOT NULL "
        "ORDER BY m.node_id, n.position",
        (window, window, json.dumps(list(node_ids))),
    )
    found: dict[str, tuple[list[str], list[str]]] = {}
    for hit, other, offset in rows:
        before, after = found.setdefault(hit, ([], []))
        (before if offset < 0 else after).append(other)
    return found


def unplaced(connection: apsw.Connection, kind: str, limit: int) -> list[str]:
    """Up to ``limit`` ids of stored ``kind`` texts that have no place in a thread."""
    rows = connection.execute(
        "SELECT node_id FROM node_text WHERE kind = ? AND thread_id IS NULL ORDER BY rowid LIMIT ?",
        (kind, max(limit, 0)),
    )
    return [node_id for (node_id,) in rows]
