"""Mention linking: what it adds to ``addMessage``, and the inline link on ``createEntity``.

For 1,000 and 10,000 entities: the time to build a namespace's matcher (graph read and
compile), to find names in one message, to link one new message naming two entities inside
the write transaction (match + CREATE edges), the
p50 of a whole one-message ``add_messages`` with and without linking, and the inline linking
``createEntity`` does over 10,000 stored messages.

Run: ``uv run kgservice bench mentions`` (``--quick``: 1,000 entities only).
"""

from __future__ import annotations

import random
import statistics
import string
import time
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from bench.common import scratch_stores, target
from bench.graph_writes import entity_table
from kgservice.ids import new_id
from kgservice.services.knowledge.mentions import MentionMatchers, NewText
from kgservice.services.sessions import NewMessage, SessionService
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores, load_embedder

NAMESPACE = "bench"
STORED_MESSAGES = 10_000


def _words(rng: random.Random, count: int) -> list[str]:
    return [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10))) for _ in range(count)
    ]


def _message(rng: random.Random, vocabulary: list[str], names: list[str]) -> str:
    words = rng.choices(vocabulary, k=45) + rng.choices(names, k=2)
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


def _load_messages(stores: Stores, contents: list[str]) -> list[str]:
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = [new_id("Message") for _ in contents]
    count = len(contents)
    stores.graph.copy_from_arrow(
        "Message",
        pa.table(
            {
                "id": ids,
                "namespace": [NAMESPACE] * count,
                "created_at": pa.array([now] * count, pa.timestamp("us")),
                "legacy_id": pa.nulls(count, pa.string()),
                "role": ["user"] * count,
                "content": contents,
                "idx": list(range(count)),
                "metadata": pa.nulls(count, pa.string()),
            }
        ),
    )
    return ids


def _median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 3)


def measure(entities: int, index_embedder: Any, rng: random.Random) -> dict[str, Any]:
    """Figures for one namespace of ``entities`` entities."""
    vocabulary = _words(rng, 20_000)  # filler words; names come from other words
    name_words = sorted(set(_words(rng, 20_000)) - set(vocabulary))
    with scratch_stores() as stores:
        table = entity_table(entities)
        names = [" ".join(rng.sample(name_words, rng.randint(1, 2))) for _ in range(entities)]
        table = table.set_column(table.schema.get_field_index("name"), "name", pa.array(names))
        stores.graph.copy_from_arrow("Entity", table)
        matchers = MentionMatchers(stores.graph)

        start = time.perf_counter()
        matchers.entities_in(NAMESPACE, "")
        build_s = time.perf_counter() - start

        samples = [_message(rng, vocabulary, names) for _ in range(300)]
        match_times = []
        for text in samples:
            start = time.perf_counter()
            matchers.entities_in(NAMESPACE, text)
            match_times.append(time.perf_counter() - start)

        message_ids = _load_messages(stores, samples)
        link_times = []
        edges = 0
        for message_id, text in zip(message_ids, samples, strict=True):
            with stores.graph.transaction() as tx:
                start = time.perf_counter()
                edges += matchers.link_new_texts(
                    tx, "Message", [NewText(message_id, NAMESPACE, text)]
                )
                link_times.append(time.perf_counter() - start)

        index = TextIndex(stores.vectors, index_embedder)
        plain = SessionService(stores.graph, index)
        linking = SessionService(stores.graph, index, matchers)
        project = plain.create_project("bench", namespace=NAMESPACE)
        thread = plain.create_thread(plain.create_session(project.id, new_id()).id, "t")
        timings: dict[str, list[float]] = {"without": [], "with": []}
        for turn in range(120):
            service, key = (linking, "with") if turn % 2 else (plain, "without")
            message = NewMessage("user", _message(rng, vocabulary, names))
            start = time.perf_counter()
            service.add_messages(thread.id, [message])
            timings[key].append(time.perf_counter() - start)

        _load_messages(stores, [_message(rng, vocabulary, names) for _ in range(STORED_MESSAGES)])
        chosen = rng.sample(range(entities), 5)
        create_link_times = []
        for position in chosen:
            entity_id = table["id"][position].as_py()
            start = time.perf_counter()
            matchers.link_entity(entity_id, NAMESPACE, [names[position]])
            create_link_times.append(time.perf_counter() - start)

    added = _median_ms(timings["with"]) - _median_ms(timings["without"])
    return {
        "entities": entities,
        "matcher_build_s": round(build_s, 3),
        "match_per_message_ms": _median_ms(match_times),
        "mentions_per_message": round(edges / len(samples), 2),
        "link_in_transaction_per_message_ms": _median_ms(link_times),
        "add_message_p50_ms_without_linking": _median_ms(timings["without"]),
        "add_message_p50_ms_with_linking": _median_ms(timings["with"]),
        "add_message_added_p50_ms": round(added, 3),
        "create_entity_inline_link_ms_over_10k_messages": _median_ms(create_link_times),
        "target_link_per_message_ms": target(_median_ms(link_times), 5.0, at_least=False),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure at 1,000 and (unless quick) 10,000 entities."""
    rng = random.Random(7)
    with scratch_stores() as stores:
        embedder = load_embedder(stores.settings)
    sizes = (1_000,) if quick else (1_000, 10_000)
    return {f"entities_{size}": measure(size, embedder, rng) for size in sizes}
